#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result/result.h"
#include "gate/policy/refusal.h"

namespace agentguard::gate::policy {

// `pathPrefixes: [...]`: the value must be an absolute path under one of the prefixes, on a segment
// boundary: "/workspace/" matches "/workspace/a" and "/workspace/" but not "/workspacex" nor
// "/workspace"; "/workspace" matches "/workspace" and "/workspace/a" but not "/workspacex".
// The value is percent-decoded once and then refused when it holds a "." or ".." segment, a NUL, a
// backslash, a '/' or '\' that was percent-encoded, a '%' left after decoding (it could be decoded
// again downstream: "%252e%252e"), a '%' that starts no escape, or bytes that are not UTF-8.
class PathPrefixMatcher {
 public:
  static Result<PathPrefixMatcher> parse(const nlohmann::json& spec, std::string_view path);
  Refusal check(const nlohmann::json& value, std::string_view location) const;
  Refusal checkPath(std::string_view value, std::string_view location) const;

 private:
  std::vector<std::string> prefixes_;
};

// The value percent-decoded once and checked as above, or why it is refused (an InvalidArgument whose
// message reads as the end of a sentence: "has a \"..\" segment").
Result<std::string> decodeFilePath(std::string_view value);

}  // namespace agentguard::gate::policy

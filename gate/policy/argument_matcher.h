#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result/result.h"
#include "gate/policy/enum_matcher.h"
#include "gate/policy/json_pointer.h"
#include "gate/policy/max_length_matcher.h"
#include "gate/policy/path_prefix_matcher.h"
#include "gate/policy/refusal.h"
#include "gate/policy/regex_matcher.h"
#include "gate/policy/url_host_matcher.h"

namespace agentguard::gate::policy {

// One entry of a tool's `arguments`: a JSON Pointer into params.arguments and the matchers its value
// must all pass. A pointer that names nothing is refused unless `optional: true`.
class ArgumentMatcher {
 public:
  // `spec` is the matcher object, `path` its field path ("spec.tools.servers[1].arguments.fetch_page./url")
  // and `location` how denials name it ("tools.servers[web].arguments.fetch_page./url"). Unknown keys,
  // an empty matcher and one with only `optional` are errors: a misspelt key must not allow everything.
  static Result<ArgumentMatcher> parse(std::string_view pointer, const nlohmann::json& spec, std::string_view path,
                                       std::string location);

  // Checks the value the pointer names in `arguments` (params.arguments of a tools/call). The refusal
  // starts with the pointer as the agent sent it: "arguments/url: host \"evil.example\" is not in ...".
  Refusal check(const nlohmann::json& arguments) const;

  const JsonPointer& pointer() const { return pointer_; }

 private:
  JsonPointer pointer_;
  std::string location_;
  bool optional_ = false;
  std::optional<EnumMatcher> enum_;
  std::optional<MaxLengthMatcher> maxLength_;
  std::optional<RegexMatcher> regex_;
  std::optional<UrlHostMatcher> urlHosts_;
  std::optional<PathPrefixMatcher> pathPrefixes_;
};

}  // namespace agentguard::gate::policy

#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result/result.h"
#include "gate/policy/refusal.h"

namespace re2 {
class RE2;
}

namespace agentguard::gate::policy {

// `regex: "..."`: the whole string value must match the RE2 pattern (as if anchored at both ends).
// RE2 runs in time linear in the input whatever the pattern, and refuses what it cannot run that way
// (back-references, look-around): such patterns are errors when the policy is read, never at call time.
// Non-strings are refused. Copies share the compiled pattern, which is immutable and thread-safe.
class RegexMatcher {
 public:
  static constexpr size_t kMaxPatternBytes = 4096;

  static Result<RegexMatcher> parse(const nlohmann::json& spec, std::string_view path);
  Refusal check(const nlohmann::json& value, std::string_view location) const;

 private:
  std::shared_ptr<const re2::RE2> regex_;
  std::string pattern_;
};

}  // namespace agentguard::gate::policy

#include "gate/policy/enum_matcher.h"

#include <algorithm>
#include <string>

#include "gate/policy/matcher_messages.h"

namespace agentguard::gate::policy {

Result<EnumMatcher> EnumMatcher::parse(const nlohmann::json& spec, std::string_view path) {
  if (!spec.is_array() || spec.empty()) {
    return policyError(path, "must be a non-empty list of the values allowed; list them, e.g. [\"a\", \"b\"]");
  }
  EnumMatcher matcher;
  for (const nlohmann::json& value : spec) {
    if (!value.is_string() && !value.is_number() && !value.is_boolean()) {
      return policyError(path, "lists " + quotedForMessage(value) +
                                   ", which is not a string, number or boolean; list only such values");
    }
    matcher.allowed_.push_back(value);
  }
  return matcher;
}

Refusal EnumMatcher::check(const nlohmann::json& value, std::string_view location) const {
  if (std::find(allowed_.begin(), allowed_.end(), value) != allowed_.end()) return std::nullopt;
  std::string listed;
  for (const nlohmann::json& allowed : allowed_) {
    if (!listed.empty()) listed += ", ";
    listed += quotedForMessage(allowed, 64);
  }
  return quotedForMessage(value) + " is not in " + std::string(location) + ".enum (" + listed +
         "); call with one of those values";
}

}  // namespace agentguard::gate::policy

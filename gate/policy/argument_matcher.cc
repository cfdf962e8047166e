#include "gate/policy/argument_matcher.h"

#include <string>

#include "gate/policy/matcher_messages.h"

namespace agentguard::gate::policy {
namespace {

constexpr std::string_view kKeys = "enum, maxLength, regex, urlHosts, pathPrefixes, optional";

// Reads `key` of `spec` with Matcher::parse into `slot` when present.
template <typename Matcher>
Status readMatcher(const nlohmann::json& spec, std::string_view key, std::string_view path,
                   std::optional<Matcher>& slot) {
  const auto found = spec.find(key);
  if (found == spec.end()) return okStatus();
  Result<Matcher> matcher = Matcher::parse(*found, std::string(path) + "." + std::string(key));
  if (!matcher) return std::move(matcher).error();
  slot = std::move(matcher).value();
  return okStatus();
}

}  // namespace

Result<ArgumentMatcher> ArgumentMatcher::parse(std::string_view pointer, const nlohmann::json& spec,
                                               std::string_view path, std::string location) {
  ArgumentMatcher matcher;
  Result<JsonPointer> parsed = JsonPointer::parse(pointer);
  if (!parsed) return policyError(path, parsed.error().message);
  matcher.pointer_ = std::move(parsed).value();
  matcher.location_ = std::move(location);
  if (!spec.is_object()) {
    return policyError(path, "must be a matcher object with one or more of " + std::string(kKeys));
  }
  for (const auto& [key, value] : spec.items()) {
    if (key != "enum" && key != "maxLength" && key != "regex" && key != "urlHosts" && key != "pathPrefixes" &&
        key != "optional") {
      return policyError(std::string(path) + "." + key,
                         "is not a matcher; use " + std::string(kKeys) + " (a misspelt key would allow everything)");
    }
  }
  for (Status read : {readMatcher(spec, "enum", path, matcher.enum_),
                      readMatcher(spec, "maxLength", path, matcher.maxLength_),
                      readMatcher(spec, "regex", path, matcher.regex_),
                      readMatcher(spec, "urlHosts", path, matcher.urlHosts_),
                      readMatcher(spec, "pathPrefixes", path, matcher.pathPrefixes_)}) {
    if (!read) return read.error();
  }
  if (const auto optional = spec.find("optional"); optional != spec.end()) {
    if (!optional->is_boolean()) return policyError(std::string(path) + ".optional", "must be true or false");
    matcher.optional_ = optional->get<bool>();
  }
  if (!matcher.enum_ && !matcher.maxLength_ && !matcher.regex_ && !matcher.urlHosts_ && !matcher.pathPrefixes_) {
    return policyError(path, "checks nothing; add one or more of enum, maxLength, regex, urlHosts, pathPrefixes");
  }
  return matcher;
}

Refusal ArgumentMatcher::check(const nlohmann::json& arguments) const {
  const std::string where = "arguments" + pointer_.text() + ": ";
  const nlohmann::json* value = pointer_.resolve(arguments);
  if (value == nullptr) {
    if (optional_) return std::nullopt;
    return where + "missing, and " + location_ + " requires it; send it";
  }
  Refusal refusal;
  if (enum_ && (refusal = enum_->check(*value, location_))) return where + *refusal;
  if (maxLength_ && (refusal = maxLength_->check(*value, location_))) return where + *refusal;
  if (regex_ && (refusal = regex_->check(*value, location_))) return where + *refusal;
  if (urlHosts_ && (refusal = urlHosts_->check(*value, location_))) return where + *refusal;
  if (pathPrefixes_ && (refusal = pathPrefixes_->check(*value, location_))) return where + *refusal;
  return std::nullopt;
}

}  // namespace agentguard::gate::policy

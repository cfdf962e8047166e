#include "gate/policy/regex_matcher.h"

#include <re2/re2.h>

#include "gate/policy/matcher_messages.h"

namespace agentguard::gate::policy {
namespace {

// Bounds the memory RE2 may use for one compiled pattern (its default is 8 MiB); a pattern over it fails
// to compile when the policy is read.
constexpr int64_t kMaxRegexMemory = 2 * 1024 * 1024;

}  // namespace

Result<RegexMatcher> RegexMatcher::parse(const nlohmann::json& spec, std::string_view path) {
  if (!spec.is_string() || spec.get_ref<const std::string&>().empty()) {
    return policyError(path, "must be a non-empty RE2 pattern; write e.g. regex: \"^[a-z ]{1,64}$\"");
  }
  const std::string& pattern = spec.get_ref<const std::string&>();
  if (pattern.size() > kMaxPatternBytes) {
    return policyError(path, "is longer than " + std::to_string(kMaxPatternBytes) + " bytes; shorten the pattern");
  }
  RE2::Options options;
  options.set_log_errors(false);
  options.set_encoding(RE2::Options::EncodingUTF8);
  options.set_max_mem(kMaxRegexMemory);
  auto regex = std::make_shared<const RE2>(pattern, options);
  if (!regex->ok()) {
    return policyError(path, "is not a pattern RE2 accepts (" + regex->error() +
                                 "); RE2 has no back-references or look-around, rewrite it without them");
  }
  RegexMatcher matcher;
  matcher.regex_ = std::move(regex);
  matcher.pattern_ = pattern;
  return matcher;
}

Refusal RegexMatcher::check(const nlohmann::json& value, std::string_view location) const {
  if (!value.is_string()) {
    return "the value is a " + std::string(value.type_name()) + ", not a string, and " + std::string(location) +
           ".regex applies to strings; send a string";
  }
  if (RE2::FullMatch(value.get_ref<const std::string&>(), *regex_)) return std::nullopt;
  return quotedForMessage(value) + " does not match " + std::string(location) + ".regex " +
         quotedForMessage(pattern_) + "; send a value the whole of which matches it";
}

}  // namespace agentguard::gate::policy

#include "gate/policy/url_host_matcher.h"

#include <string>

#include "gate/policy/http_url.h"
#include "gate/policy/matcher_messages.h"

namespace agentguard::gate::policy {
namespace {

constexpr size_t kMaxPatterns = 256;

}  // namespace

Result<UrlHostMatcher> UrlHostMatcher::parse(const nlohmann::json& spec, std::string_view path) {
  if (!spec.is_array() || spec.empty() || spec.size() > kMaxPatterns) {
    return policyError(path, "must list 1 to 256 hosts; write e.g. urlHosts: [\"docs.example.com\", \"*.wikipedia.org\"]");
  }
  UrlHostMatcher matcher;
  for (size_t i = 0; i < spec.size(); ++i) {
    const std::string at = std::string(path) + "[" + std::to_string(i) + "]";
    if (!spec[i].is_string()) return policyError(at, "must be a host name as a string");
    Result<HostPattern> pattern = HostPattern::parse(spec[i].get_ref<const std::string&>());
    if (!pattern) return policyError(at, pattern.error().message);
    matcher.patterns_.push_back(std::move(pattern).value());
  }
  return matcher;
}

Refusal UrlHostMatcher::check(const nlohmann::json& value, std::string_view location) const {
  if (!value.is_string()) {
    return "the value is a " + std::string(value.type_name()) + ", not a string, and " + std::string(location) +
           ".urlHosts applies to URLs; send the URL as a string";
  }
  return checkUrl(value.get_ref<const std::string&>(), location);
}

Refusal UrlHostMatcher::checkUrl(std::string_view text, std::string_view location) const {
  std::string listed;
  for (const HostPattern& pattern : patterns_) {
    if (!listed.empty()) listed += ", ";
    listed += pattern.text();
  }
  Result<HttpUrl> url = parseHttpUrl(text);
  if (!url) {
    return "the URL " + quotedForMessage(std::string(text)) + " " + url.error().message + "; " +
           std::string(location) + ".urlHosts allows http(s) URLs on " + listed;
  }
  for (const HostPattern& pattern : patterns_) {
    if (pattern.matches(url->host)) return std::nullopt;
  }
  return "host \"" + url->host.text + "\" is not in " + std::string(location) + ".urlHosts (" + listed +
         "); call with a URL on one of those hosts";
}

}  // namespace agentguard::gate::policy

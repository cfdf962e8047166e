// The urlHosts matcher on arbitrary text. Besides never crashing: whatever it allows, a plain reading
// of the text by another route (scheme, then the authority up to '/', '?' or '#', without a port,
// lower-cased, without one trailing dot) names an allowed host, and has no '@', '\' or '%' in it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gate/policy/url_host_matcher.h"

using agentguard::gate::policy::UrlHostMatcher;

namespace {

const UrlHostMatcher& matcher() {
  static const UrlHostMatcher hosts = [] {
    auto parsed = UrlHostMatcher::parse({"docs.example.com", "*.wikipedia.org", "**.corp.example", "10.0.0.5"}, "fuzz");
    if (!parsed) __builtin_trap();
    return std::move(parsed).value();
  }();
  return hosts;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

size_t labels(std::string_view name) {
  size_t count = 1;
  for (char c : name) count += c == '.';
  return count;
}

bool allowedHost(std::string_view host) {
  if (host == "docs.example.com" || host == "10.0.0.5") return true;
  if (host.ends_with(".wikipedia.org")) return labels(host) == 3;
  if (host.ends_with(".corp.example")) return labels(host) >= 3;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (matcher().checkUrl(text, "fuzz")) return 0;
  const std::string url = lower(text);
  size_t start = 0;
  if (url.starts_with("https://")) {
    start = 8;
  } else if (url.starts_with("http://")) {
    start = 7;
  } else {
    __builtin_trap();
  }
  std::string authority = url.substr(start, url.find_first_of("/?#", start) - start);
  if (authority.find_first_of("@\\%") != std::string::npos) __builtin_trap();
  if (const size_t colon = authority.rfind(':'); colon != std::string::npos) authority.resize(colon);
  if (authority.ends_with('.')) authority.pop_back();
  if (!allowedHost(authority)) __builtin_trap();
  return 0;
}

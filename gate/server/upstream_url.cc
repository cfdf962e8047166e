#include "gate/server/upstream_url.h"

#include <charconv>

namespace agentguard::gate::server {
namespace {

Error invalid(const std::string& url, const std::string& what) {
  return makeError(ErrorCode::kInvalidArgument, "upstream URL \"" + url + "\": " + what);
}

}  // namespace

Result<UpstreamUrl> parseUpstreamUrl(const std::string& url) {
  UpstreamUrl parsed;
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    parsed.tls = true;
    rest = url.substr(8);
  } else {
    return invalid(url, "the scheme must be http or https");
  }
  if (url.find('#') != std::string::npos) return invalid(url, "a fragment is not allowed");
  for (const char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return invalid(url, "control characters, spaces and non-ASCII bytes are not allowed");
    }
  }
  const size_t slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  parsed.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (parsed.target.front() == '?') parsed.target = "/" + parsed.target;
  if (authority.find('@') != std::string::npos) return invalid(url, "userinfo is not allowed");
  std::string portText;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return invalid(url, "an IPv6 literal lacks its ']'");
    parsed.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return invalid(url, "unexpected text after the IPv6 literal");
    if (!after.empty()) portText = after.substr(1);
  } else {
    const size_t colon = authority.rfind(':');
    parsed.host = authority.substr(0, colon);
    if (colon != std::string::npos) portText = authority.substr(colon + 1);
  }
  if (parsed.host.empty()) return invalid(url, "the host is empty");
  parsed.port = parsed.tls ? 443 : 80;
  if (!portText.empty()) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(portText.data(), portText.data() + portText.size(), value);
    if (error != std::errc() || end != portText.data() + portText.size() || value == 0 || value > 65535) {
      return invalid(url, "the port must be 1..65535");
    }
    parsed.port = static_cast<uint16_t>(value);
  }
  const std::string bracketed = parsed.host.find(':') != std::string::npos ? "[" + parsed.host + "]" : parsed.host;
  const bool defaultPort = parsed.port == (parsed.tls ? 443 : 80);
  parsed.hostHeader = defaultPort ? bracketed : bracketed + ":" + std::to_string(parsed.port);
  return parsed;
}

}  // namespace agentguard::gate::server

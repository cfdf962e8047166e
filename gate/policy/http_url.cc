#include "gate/policy/http_url.h"

#include <string>

#include "common/text/ascii.h"

namespace agentguard::gate::policy {
namespace {

Error refused(std::string message) { return makeError(ErrorCode::kInvalidArgument, std::move(message)); }

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (text::toLower(a[i]) != text::toLower(b[i])) return false;
  }
  return true;
}

}  // namespace

Result<HttpUrl> parseHttpUrl(std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return refused("has whitespace or a control character; percent-encode it");
    if (c == '\\') return refused("has a backslash, which browsers read as '/'; write '/' or %5C");
  }
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) return refused("is not an absolute URL; write http://host/ or https://host/");
  HttpUrl url;
  const std::string_view scheme = text.substr(0, colon);
  if (equalsIgnoringCase(scheme, "https")) {
    url.scheme = "https";
  } else if (equalsIgnoringCase(scheme, "http")) {
    url.scheme = "http";
  } else {
    return refused("has a scheme other than http or https");
  }
  if (text.substr(colon, 3) != "://") return refused("does not continue with \"://\" after the scheme");
  const std::string_view afterScheme = text.substr(colon + 3);
  const size_t authorityEnd = afterScheme.find_first_of("/?#");
  const std::string_view authority = afterScheme.substr(0, authorityEnd);
  if (authorityEnd != std::string_view::npos) {
    url.hasFragment = afterScheme.find('#', authorityEnd) != std::string_view::npos;
  }
  if (authority.find('@') != std::string_view::npos) {
    return refused("has userinfo ('@' before the path); remove the user and password");
  }
  if (authority.find('%') != std::string_view::npos) return refused("has a percent-escape in its host");
  if (authority.empty()) return refused("has no host");

  std::string_view host = authority;
  std::string_view port;
  bool hasPort = false;
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return refused("opens '[' in its host without closing it");
    host = authority.substr(0, close + 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return refused("has characters after its IPv6 address");
      port = after.substr(1);
      hasPort = true;
    }
  } else {
    const size_t portColon = authority.find(':');
    if (portColon != std::string_view::npos) {
      host = authority.substr(0, portColon);
      port = authority.substr(portColon + 1);
      hasPort = true;
    }
  }
  if (hasPort) {
    if (port.empty() || port.size() > 5) return refused("has a port that is not 1..65535");
    uint32_t value = 0;
    for (char c : port) {
      if (!text::isDigit(c)) return refused("has a port that is not 1..65535");
      value = value * 10 + static_cast<uint32_t>(c - '0');
    }
    if (value == 0 || value > 65535) return refused("has a port that is not 1..65535");
    url.port = static_cast<uint16_t>(value);
  }
  Result<HostName> name = parseHostName(host);
  if (!name) return refused("has a host that " + name.error().message);
  url.host = std::move(name).value();
  return url;
}

}  // namespace agentguard::gate::policy

#include "gate/policy/egress_hosts.h"

#include "common/text/ascii.h"
#include "gate/policy/sandbox_tool_policy.h"

namespace agentguard::gate::policy {

Result<EgressHostPattern> EgressHostPattern::parse(std::string_view text) {
  const size_t colon = text.rfind(':');
  const size_t bracket = text.rfind(']');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) {
    return makeError(ErrorCode::kInvalidArgument,
                     "\"" + std::string(text) + "\" has no port; write host:port, e.g. api.github.com:443");
  }
  const std::string_view port = text.substr(colon + 1);
  uint32_t value = 0;
  bool digits = !port.empty() && port.size() <= 5;
  for (char c : port) {
    digits = digits && text::isDigit(c);
    if (digits) value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (!digits || value == 0 || value > 65535) {
    return makeError(ErrorCode::kInvalidArgument,
                     "\"" + std::string(text) + "\" has a port that is not 1..65535; write host:port");
  }
  Result<HostPattern> host = HostPattern::parse(text.substr(0, colon));
  if (!host) return std::move(host).error();
  EgressHostPattern pattern;
  pattern.host_ = std::move(host).value();
  pattern.port_ = static_cast<uint16_t>(value);
  pattern.text_ = pattern.host_.text() + ":" + std::to_string(value);
  return pattern;
}

bool egressHostAllowed(const SandboxToolPolicy& policy, std::string_view host, uint16_t port) {
  // CONNECT targets name IPv6 addresses in brackets; accept the bare form too.
  std::string bracketed;
  if (host.find(':') != std::string_view::npos && !host.starts_with('[')) {
    bracketed = "[" + std::string(host) + "]";
    host = bracketed;
  }
  Result<HostName> name = parseHostName(host);
  if (!name) return false;
  for (const EgressHostPattern& pattern : policy.egressHosts) {
    if (pattern.matches(*name, port)) return true;
  }
  return false;
}

}  // namespace agentguard::gate::policy

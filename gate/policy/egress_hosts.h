#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result/result.h"
#include "gate/policy/host_pattern.h"

namespace agentguard::gate::policy {

struct SandboxToolPolicy;

// One entry of spec.network.egressHosts: "api.github.com:443", "*.pypi.org:443", "10.0.0.5:8443",
// "[fd00::1]:443". The port is required; the host follows HostPattern's rules.
class EgressHostPattern {
 public:
  static Result<EgressHostPattern> parse(std::string_view text);

  bool matches(const HostName& host, uint16_t port) const { return port == port_ && host_.matches(host); }
  const std::string& text() const { return text_; }

 private:
  HostPattern host_;
  uint16_t port_ = 0;
  std::string text_;
};

// Whether the sandbox may open a tunnel to host:port through the gate's CONNECT proxy. `host` is the
// CONNECT target's host as the client wrote it ("API.GitHub.com.", "[::1]" or "::1"); anything
// parseHostName refuses (IDN, numeric forms of IPv4 other than dotted decimal) is not allowed.
// Resolving the name and refusing private addresses is the caller's part.
bool egressHostAllowed(const SandboxToolPolicy& policy, std::string_view host, uint16_t port);

}  // namespace agentguard::gate::policy

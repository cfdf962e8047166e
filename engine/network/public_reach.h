#pragma once

#include <vector>

#include "engine/network/egress_grants.h"

namespace agentguard::engine {

// How much of the public internet a set of egress grants opens on one protocol.
struct PublicReach {
  Protocol protocol = Protocol::kTcp;
  // Share, between 0 and 1, of all (port, public address) pairs reached: for IPv4 (including addresses
  // reached through NAT64) and for IPv6.
  double ipv4Share = 0;
  double ipv6Share = 0;
  // True when at least one public address is reached on every port 1-65535.
  bool somePublicAddressOnEveryPort = false;

  double widerShare() const { return ipv4Share > ipv6Share ? ipv4Share : ipv6Share; }
};

// The public reach of the union of `grants` (grants of several rules and several policies add up), one
// entry per protocol in kProtocols order.
std::vector<PublicReach> publicReachOf(const std::vector<const EgressGrant*>& grants);

}  // namespace agentguard::engine

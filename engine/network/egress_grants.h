#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result/result.h"
#include "engine/network/address_range.h"

namespace agentguard::engine {

enum class Protocol { kTcp, kUdp, kSctp };
inline constexpr std::array<Protocol, 3> kProtocols = {Protocol::kTcp, Protocol::kUdp, Protocol::kSctp};
std::string_view protocolName(Protocol protocol);

inline constexpr int kLowestPort = 1;
inline constexpr int kHighestPort = 65535;

// Ports first..last, both included.
struct PortRange {
  int first = kLowestPort;
  int last = kHighestPort;
};

// Addresses a NetworkPolicy egress rule reaches outside the cluster's pod selectors: the union of its
// ipBlocks with their `except` ranges carved out, or every address when the rule has no `to`.
struct Destinations {
  AddressSet ipv4;
  AddressSet ipv6;
};

// What one egress rule allows on one protocol: these ports to these addresses. Named ports (resolved
// against destination pods' container ports) reach no address outside the cluster and grant nothing here.
struct EgressGrant {
  Protocol protocol = Protocol::kTcp;
  PortRange ports;
  Destinations to;
  int rule = 0;  // index in spec.egress
};

// The grants of a NetworkPolicy's spec.egress, read as the API server validates it: protocol defaults to
// TCP, no `ports` means every port of every protocol, a port without a number means every port of its
// protocol, endPort extends a numbered port, no `to` means every destination, `except` must lie inside
// its cidr. InvalidArgument names the field path and what is wrong.
Result<std::vector<EgressGrant>> egressGrantsOf(const nlohmann::json& policy);

}  // namespace agentguard::engine

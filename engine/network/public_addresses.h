#pragma once

#include "engine/network/address_range.h"

namespace agentguard::engine {

// The globally reachable addresses of each family: IPv4 without the IANA special-purpose ranges
// (this network, private, shared, loopback, link-local, documentation, benchmarking, multicast,
// reserved), IPv6 global unicast 2000::/3 without its documentation prefixes.
const AddressSet& publicIPv4();
const AddressSet& publicIPv6();

// The IPv4 addresses an IPv6 set reaches through the well-known NAT64 prefix 64:ff9b::/96 (RFC 6052):
// on a NAT64 cluster, allowing 64:ff9b::/96 allows the whole IPv4 internet.
AddressSet ipv4ThroughNat64(const AddressSet& ipv6);

}  // namespace agentguard::engine

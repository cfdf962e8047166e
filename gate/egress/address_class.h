#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace agentguard::gate::egress {

// The class of a resolved address, for refusing connections into the cluster, the node or the cloud's
// metadata service through a public name (DNS rebinding). Everything but kPublic is refused by default.
enum class AddressClass {
  kPublic,
  kUnspecified,    // 0.0.0.0/8, ::/128
  kLoopback,       // 127.0.0.0/8, ::1
  kPrivate,        // 10/8, 172.16/12, 192.168/16 (RFC 1918)
  kSharedAddress,  // 100.64.0.0/10 (CGNAT, RFC 6598)
  kLinkLocal,      // 169.254.0.0/16 (the metadata service 169.254.169.254), fe80::/10
  kMulticast,      // 224.0.0.0/4, ff00::/8
  kBroadcast,      // 255.255.255.255
  kReserved,       // 240.0.0.0/4, 192.0.0.0/24, 198.18.0.0/15 (benchmarking), 192.88.99.0/24, IPv6 reserved
  kDocumentation,  // 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20
  kUniqueLocal,    // fc00::/7
};

// "private (RFC 1918)", ... for reasons.
std::string_view addressClassName(AddressClass addressClass);

using Ipv4Bytes = std::array<uint8_t, 4>;
using Ipv6Bytes = std::array<uint8_t, 16>;

AddressClass classifyIpv4(const Ipv4Bytes& address);
// IPv6; an address that embeds an IPv4 one (v4-mapped, v4-compatible, NAT64 64:ff9b::/96, 6to4
// 2002::/16) has the class of the embedded address unless its own prefix is refused.
AddressClass classifyIpv6(const Ipv6Bytes& address);
// An IPv4 or IPv6 literal ("10.0.0.1", "fe80::1"); nullopt when `text` is not one.
std::optional<AddressClass> classifyAddress(std::string_view text);

}  // namespace agentguard::gate::egress

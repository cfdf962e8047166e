#include "gate/egress/address_class.h"

#include <arpa/inet.h>

#include <string>

namespace agentguard::gate::egress {
namespace {

// True when the first `bits` bits of `address` equal those of `prefix`.
template <size_t N>
bool inPrefix(const std::array<uint8_t, N>& address, const std::array<uint8_t, N>& prefix, unsigned bits) {
  for (size_t i = 0; i < N && bits > 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<uint8_t>(0xffu << (8 - take));
    if ((address[i] & mask) != (prefix[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

struct V4Range {
  Ipv4Bytes prefix;
  unsigned bits;
  AddressClass addressClass;
};

// IANA IPv4 Special-Purpose Address Registry, the ranges not globally reachable (and 192.88.99/24,
// the deprecated 6to4 relay anycast).
constexpr V4Range kV4Ranges[] = {
    {{0, 0, 0, 0}, 8, AddressClass::kUnspecified},
    {{10, 0, 0, 0}, 8, AddressClass::kPrivate},
    {{100, 64, 0, 0}, 10, AddressClass::kSharedAddress},
    {{127, 0, 0, 0}, 8, AddressClass::kLoopback},
    {{169, 254, 0, 0}, 16, AddressClass::kLinkLocal},
    {{172, 16, 0, 0}, 12, AddressClass::kPrivate},
    {{192, 0, 0, 0}, 24, AddressClass::kReserved},
    {{192, 0, 2, 0}, 24, AddressClass::kDocumentation},
    {{192, 88, 99, 0}, 24, AddressClass::kReserved},
    {{192, 168, 0, 0}, 16, AddressClass::kPrivate},
    {{198, 18, 0, 0}, 15, AddressClass::kReserved},
    {{198, 51, 100, 0}, 24, AddressClass::kDocumentation},
    {{203, 0, 113, 0}, 24, AddressClass::kDocumentation},
    {{224, 0, 0, 0}, 4, AddressClass::kMulticast},
    {{255, 255, 255, 255}, 32, AddressClass::kBroadcast},
    {{240, 0, 0, 0}, 4, AddressClass::kReserved},
};

struct V6Range {
  Ipv6Bytes prefix;
  unsigned bits;
  AddressClass addressClass;
};

// IANA IPv6 Special-Purpose Address Registry. Prefixes that embed an IPv4 address are handled first.
constexpr V6Range kV6Ranges[] = {
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 128, AddressClass::kUnspecified},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, AddressClass::kLoopback},
    {{0x01, 0x00, 0, 0, 0, 0, 0, 0}, 64, AddressClass::kReserved},           // 100::/64 discard-only
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, AddressClass::kReserved},     // 64:ff9b:1::/48 local NAT64
    {{0x20, 0x01, 0x00, 0x00}, 32, AddressClass::kReserved},                 // 2001::/32 Teredo (hides the peer)
    {{0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, 48, AddressClass::kReserved},     // 2001:2::/48 benchmarking
    {{0x20, 0x01, 0x00, 0x10}, 28, AddressClass::kReserved},                 // 2001:10::/28 ORCHID
    {{0x20, 0x01, 0x00, 0x20}, 28, AddressClass::kReserved},                 // 2001:20::/28 ORCHIDv2
    {{0x20, 0x01, 0x0d, 0xb8}, 32, AddressClass::kDocumentation},            // 2001:db8::/32
    {{0x3f, 0xff}, 20, AddressClass::kDocumentation},                        // 3fff::/20
    {{0x5f, 0x00}, 16, AddressClass::kReserved},                             // 5f00::/16 SRv6 SIDs
    {{0xfc, 0x00}, 7, AddressClass::kUniqueLocal},
    {{0xfe, 0x80}, 10, AddressClass::kLinkLocal},
    {{0xfe, 0xc0}, 10, AddressClass::kReserved},                             // fec0::/10 site-local
    {{0xff, 0x00}, 8, AddressClass::kMulticast},
};

Ipv4Bytes embeddedAt(const Ipv6Bytes& address, size_t offset) {
  return {address[offset], address[offset + 1], address[offset + 2], address[offset + 3]};
}

bool allZero(const Ipv6Bytes& address, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) {
    if (address[i] != 0) return false;
  }
  return true;
}

}  // namespace

std::string_view addressClassName(AddressClass addressClass) {
  switch (addressClass) {
    case AddressClass::kPublic: return "public";
    case AddressClass::kUnspecified: return "unspecified";
    case AddressClass::kLoopback: return "loopback";
    case AddressClass::kPrivate: return "private (RFC 1918)";
    case AddressClass::kSharedAddress: return "shared CGNAT (100.64.0.0/10)";
    case AddressClass::kLinkLocal: return "link-local (includes the metadata service 169.254.169.254)";
    case AddressClass::kMulticast: return "multicast";
    case AddressClass::kBroadcast: return "broadcast";
    case AddressClass::kReserved: return "reserved";
    case AddressClass::kDocumentation: return "documentation";
    case AddressClass::kUniqueLocal: return "unique local (fc00::/7)";
  }
  return "unknown";
}

AddressClass classifyIpv4(const Ipv4Bytes& address) {
  for (const auto& range : kV4Ranges) {
    if (inPrefix(address, range.prefix, range.bits)) return range.addressClass;
  }
  return AddressClass::kPublic;
}

AddressClass classifyIpv6(const Ipv6Bytes& address) {
  // ::ffff:a.b.c.d (v4-mapped) reaches a.b.c.d on a dual-stack socket.
  if (allZero(address, 0, 10) && address[10] == 0xff && address[11] == 0xff) return classifyIpv4(embeddedAt(address, 12));
  // ::a.b.c.d (deprecated v4-compatible), past :: and ::1 which the table names.
  if (allZero(address, 0, 12) && !allZero(address, 12, 15)) {
    const AddressClass embedded = classifyIpv4(embeddedAt(address, 12));
    return embedded == AddressClass::kPublic ? AddressClass::kReserved : embedded;
  }
  // 64:ff9b::/96 (NAT64 well-known prefix) translates to the embedded address.
  if (inPrefix(address, Ipv6Bytes{0x00, 0x64, 0xff, 0x9b}, 96)) return classifyIpv4(embeddedAt(address, 12));
  // 2002::/16 (6to4) routes through the embedded address.
  if (address[0] == 0x20 && address[1] == 0x02) return classifyIpv4(embeddedAt(address, 2));
  for (const auto& range : kV6Ranges) {
    if (inPrefix(address, range.prefix, range.bits)) return range.addressClass;
  }
  // Outside 2000::/3 nothing is globally unicast today.
  if ((address[0] & 0xe0) != 0x20) return AddressClass::kReserved;
  return AddressClass::kPublic;
}

std::optional<AddressClass> classifyAddress(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  const std::string terminated(text);
  Ipv4Bytes v4{};
  if (inet_pton(AF_INET, terminated.c_str(), v4.data()) == 1) return classifyIpv4(v4);
  Ipv6Bytes v6{};
  if (inet_pton(AF_INET6, terminated.c_str(), v6.data()) == 1) return classifyIpv6(v6);
  return std::nullopt;
}

}  // namespace agentguard::gate::egress

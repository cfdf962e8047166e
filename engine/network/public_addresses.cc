#include "engine/network/public_addresses.h"

#include <initializer_list>
#include <string_view>

#include "engine/network/cidr.h"

namespace agentguard::engine {
namespace {

AddressSet allBut(std::string_view whole, std::initializer_list<std::string_view> excluded) {
  AddressSet set({Cidr::parse(whole)->range()});
  for (const auto text : excluded) set.remove(Cidr::parse(text)->range());
  return set;
}

}  // namespace

const AddressSet& publicIPv4() {
  static const AddressSet set =
      allBut("0.0.0.0/0", {"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
                           "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
                           "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4"});
  return set;
}

const AddressSet& publicIPv6() {
  static const AddressSet set = allBut("2000::/3", {"2001:db8::/32", "3fff::/20"});
  return set;
}

AddressSet ipv4ThroughNat64(const AddressSet& ipv6) {
  const AddressRange prefix = Cidr::parse("64:ff9b::/96")->range();
  AddressSet mapped;
  const AddressSet inPrefix = ipv6.intersection(AddressSet({prefix}));
  for (const auto& range : inPrefix.ranges()) {
    mapped.add({range.first - prefix.first, range.last - prefix.first});
  }
  return mapped;
}

}  // namespace agentguard::engine

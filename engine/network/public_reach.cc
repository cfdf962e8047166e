#include "engine/network/public_reach.h"

#include <algorithm>
#include <optional>

#include "engine/network/public_addresses.h"

namespace agentguard::engine {
namespace {

// The public addresses reached on one stretch of ports.
struct Stretch {
  int ports = 0;
  AddressSet ipv4;
  AddressSet ipv6;
};

// Cuts 1-65535 into stretches on which the same grants apply; ports no grant covers reach nothing.
std::vector<Stretch> stretchesOf(const std::vector<const EgressGrant*>& grants, Protocol protocol) {
  std::vector<int> cuts = {kLowestPort, kHighestPort + 1};
  for (const EgressGrant* grant : grants) {
    if (grant->protocol != protocol) continue;
    cuts.push_back(grant->ports.first);
    cuts.push_back(grant->ports.last + 1);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::vector<Stretch> stretches;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    std::vector<AddressRange> ipv4, ipv6;
    for (const EgressGrant* grant : grants) {
      if (grant->protocol != protocol || grant->ports.first > cuts[i] || grant->ports.last < cuts[i]) continue;
      ipv4.insert(ipv4.end(), grant->to.ipv4.ranges().begin(), grant->to.ipv4.ranges().end());
      ipv6.insert(ipv6.end(), grant->to.ipv6.ranges().begin(), grant->to.ipv6.ranges().end());
    }
    Stretch stretch{cuts[i + 1] - cuts[i], AddressSet(std::move(ipv4)), AddressSet(std::move(ipv6))};
    stretch.ipv4.add(ipv4ThroughNat64(stretch.ipv6));
    stretch.ipv4 = stretch.ipv4.intersection(publicIPv4());
    stretch.ipv6 = stretch.ipv6.intersection(publicIPv6());
    stretches.push_back(std::move(stretch));
  }
  return stretches;
}

PublicReach reachOn(const std::vector<const EgressGrant*>& grants, Protocol protocol) {
  PublicReach reach;
  reach.protocol = protocol;
  const long double ports = kHighestPort - kLowestPort + 1;
  const long double ipv4 = publicIPv4().count();
  const long double ipv6 = publicIPv6().count();
  long double pairs4 = 0, pairs6 = 0;
  std::optional<AddressSet> everyPort4, everyPort6;
  for (const Stretch& stretch : stretchesOf(grants, protocol)) {
    pairs4 += stretch.ports * stretch.ipv4.count();
    pairs6 += stretch.ports * stretch.ipv6.count();
    everyPort4 = everyPort4 ? everyPort4->intersection(stretch.ipv4) : stretch.ipv4;
    everyPort6 = everyPort6 ? everyPort6->intersection(stretch.ipv6) : stretch.ipv6;
  }
  reach.ipv4Share = static_cast<double>(pairs4 / (ports * ipv4));
  reach.ipv6Share = static_cast<double>(pairs6 / (ports * ipv6));
  reach.somePublicAddressOnEveryPort = (everyPort4 && !everyPort4->empty()) || (everyPort6 && !everyPort6->empty());
  return reach;
}

}  // namespace

std::vector<PublicReach> publicReachOf(const std::vector<const EgressGrant*>& grants) {
  std::vector<PublicReach> reaches;
  for (const Protocol protocol : kProtocols) reaches.push_back(reachOn(grants, protocol));
  return reaches;
}

}  // namespace agentguard::engine

#include "engine/network/egress_grants.h"

#include <optional>

#include "engine/network/cidr.h"
#include "engine/workload/object_view.h"

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;

Error invalid(const std::string& path, const std::string& problem) {
  return makeError(ErrorCode::kInvalidArgument, path + ": " + problem);
}

Destinations everywhere() {
  Destinations all;
  all.ipv4.add(Cidr::parse("0.0.0.0/0")->range());
  all.ipv6.add(Cidr::parse("::/0")->range());
  return all;
}

Status addIpBlock(const Json& block, const std::string& path, Destinations& to) {
  const auto cidr = Cidr::parse(stringField(&block, "cidr").value_or(""));
  if (!cidr) return invalid(path + ".cidr", "is not a CIDR");
  AddressSet& set = cidr->isV4() ? to.ipv4 : to.ipv6;
  AddressSet reached({cidr->range()});
  if (const Json* except = field(&block, "except"); except != nullptr && !except->is_null()) {
    if (!except->is_array()) return invalid(path + ".except", "is not a list");
    for (size_t i = 0; i < except->size(); ++i) {
      const std::string itemPath = path + ".except[" + std::to_string(i) + "]";
      const Json& item = (*except)[i];
      const auto carved = item.is_string() ? Cidr::parse(item.get_ref<const std::string&>()) : std::nullopt;
      if (!carved) return invalid(itemPath, "is not a CIDR");
      if (!cidr->contains(*carved)) return invalid(itemPath, "is not inside " + path + ".cidr");
      reached.remove(carved->range());
    }
  }
  set.add(reached);
  return Status{};
}

// Addresses of spec.egress[i].to; selector peers reach cluster pods only and add no address.
Result<Destinations> destinationsOf(const Json& rule, const std::string& path) {
  const Json* to = field(&rule, "to");
  if (to == nullptr || to->is_null() || (to->is_array() && to->empty())) return everywhere();
  if (!to->is_array()) return invalid(path + ".to", "is not a list");
  Destinations reached;
  for (size_t i = 0; i < to->size(); ++i) {
    const Json& peer = (*to)[i];
    const std::string peerPath = path + ".to[" + std::to_string(i) + "]";
    if (!peer.is_object()) return invalid(peerPath, "is not a mapping");
    const Json* block = field(&peer, "ipBlock");
    if (block != nullptr && !block->is_null()) {
      if (!block->is_object()) return invalid(peerPath + ".ipBlock", "is not a mapping");
      if (auto added = addIpBlock(*block, peerPath + ".ipBlock", reached); !added.ok()) return added.error();
    } else if (field(&peer, "podSelector") == nullptr && field(&peer, "namespaceSelector") == nullptr) {
      return invalid(peerPath, "names no podSelector, namespaceSelector or ipBlock");
    }
  }
  return reached;
}

Result<Protocol> protocolOf(const Json& port, const std::string& path) {
  const auto text = stringField(&port, "protocol");
  if (!text) {
    if (field(&port, "protocol") != nullptr && !port["protocol"].is_null()) return invalid(path, "is not a string");
    return Protocol::kTcp;
  }
  for (const Protocol protocol : kProtocols) {
    if (*text == protocolName(protocol)) return protocol;
  }
  return invalid(path, "must be TCP, UDP or SCTP");
}

// The numbered ports of one spec.egress[i].ports item; nullopt for a named port.
Result<std::optional<PortRange>> portsOf(const Json& port, const std::string& path) {
  const Json* number = field(&port, "port");
  const Json* end = field(&port, "endPort");
  const bool hasEnd = end != nullptr && !end->is_null();
  if (number == nullptr || number->is_null()) {
    if (hasEnd) return invalid(path + ".endPort", "needs a numbered port");
    return std::optional<PortRange>(PortRange{});
  }
  if (number->is_string()) {
    const auto& name = number->get_ref<const std::string&>();
    if (name.empty() || name.find_first_not_of("0123456789") == std::string::npos) {
      return invalid(path + ".port", "a named port must contain a letter");
    }
    if (hasEnd) return invalid(path + ".endPort", "needs a numbered port, not the named port \"" + name + "\"");
    return std::optional<PortRange>();
  }
  if (!number->is_number_integer()) return invalid(path + ".port", "is not a port number or name");
  const int64_t first = number->get<int64_t>();
  if (first < kLowestPort || first > kHighestPort) return invalid(path + ".port", "must be between 1 and 65535");
  int64_t last = first;
  if (hasEnd) {
    if (!end->is_number_integer()) return invalid(path + ".endPort", "is not a port number");
    last = end->get<int64_t>();
    if (last < first || last > kHighestPort) return invalid(path + ".endPort", "must be between port and 65535");
  }
  return std::optional<PortRange>(PortRange{static_cast<int>(first), static_cast<int>(last)});
}

Status addRuleGrants(const Json& rule, int index, std::vector<EgressGrant>& grants) {
  const std::string path = "spec.egress[" + std::to_string(index) + "]";
  if (!rule.is_object()) return invalid(path, "is not a mapping");
  auto to = destinationsOf(rule, path);
  if (!to) return to.error();
  const Json* ports = field(&rule, "ports");
  if (ports == nullptr || ports->is_null() || (ports->is_array() && ports->empty())) {
    for (const Protocol protocol : kProtocols) grants.push_back({protocol, PortRange{}, *to, index});
    return Status{};
  }
  if (!ports->is_array()) return invalid(path + ".ports", "is not a list");
  for (size_t i = 0; i < ports->size(); ++i) {
    const std::string portPath = path + ".ports[" + std::to_string(i) + "]";
    if (!(*ports)[i].is_object()) return invalid(portPath, "is not a mapping");
    auto protocol = protocolOf((*ports)[i], portPath + ".protocol");
    if (!protocol) return protocol.error();
    auto range = portsOf((*ports)[i], portPath);
    if (!range) return range.error();
    if (*range) grants.push_back({*protocol, **range, *to, index});
  }
  return Status{};
}

}  // namespace

std::string_view protocolName(Protocol protocol) {
  switch (protocol) {
    case Protocol::kTcp: return "TCP";
    case Protocol::kUdp: return "UDP";
    case Protocol::kSctp: return "SCTP";
  }
  return "TCP";
}

Result<std::vector<EgressGrant>> egressGrantsOf(const Json& policy) {
  std::vector<EgressGrant> grants;
  const Json* egress = field(objectField(&policy, "spec"), "egress");
  if (egress == nullptr || egress->is_null()) return grants;
  if (!egress->is_array()) return invalid("spec.egress", "is not a list");
  for (size_t i = 0; i < egress->size(); ++i) {
    if (auto added = addRuleGrants((*egress)[i], static_cast<int>(i), grants); !added.ok()) return added.error();
  }
  return grants;
}

}  // namespace agentguard::engine

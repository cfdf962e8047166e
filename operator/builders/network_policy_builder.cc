#include "operator/builders/network_policy_builder.h"

#include "operator/builders/owned_objects.h"

namespace agentguard::op {
namespace {

using nlohmann::json;

json portList(const std::vector<PortRange>& ranges) {
  json ports = json::array();
  for (const PortRange& range : ranges) {
    const int last = range.endPort.value_or(range.port);
    for (int port = range.port; port <= last; ++port) {
      ports.push_back({{"protocol", range.protocol}, {"port", port}});
    }
  }
  return ports;
}

json ipBlock(const std::string& cidr, const std::vector<std::string>& except) {
  json block = {{"cidr", cidr}};
  if (!except.empty()) block["except"] = except;
  return block;
}

// As the API server stores a LabelSelector: empty lists and maps are dropped.
json normalizedSelector(const json& selector) {
  json out = json::object();
  if (const auto labels = selector.find("matchLabels"); labels != selector.end() && labels->is_object() && !labels->empty()) {
    out["matchLabels"] = *labels;
  }
  if (const auto expressions = selector.find("matchExpressions");
      expressions != selector.end() && expressions->is_array() && !expressions->empty()) {
    json list = json::array();
    for (const json& expression : *expressions) {
      json item = {{"key", expression.value("key", "")}, {"operator", expression.value("operator", "")}};
      if (const auto values = expression.find("values"); values != expression.end() && values->is_array() && !values->empty()) {
        item["values"] = *values;
      }
      list.push_back(std::move(item));
    }
    out["matchExpressions"] = std::move(list);
  }
  return out;
}

json dnsRule(const DnsSpec& dns) {
  json peers = json::array();
  json podLabels = json::object();
  for (const auto& [key, value] : dns.podSelector) podLabels[key] = value;
  peers.push_back({{"namespaceSelector", {{"matchLabels", {{"kubernetes.io/metadata.name", dns.ns}}}}},
                   {"podSelector", {{"matchLabels", podLabels}}}});
  if (dns.nodeLocalCacheIp) {
    const bool v6 = dns.nodeLocalCacheIp->find(':') != std::string::npos;
    peers.push_back({{"ipBlock", {{"cidr", *dns.nodeLocalCacheIp + (v6 ? "/128" : "/32")}}}});
  }
  return {{"to", peers},
          {"ports", json::array({{{"protocol", "UDP"}, {"port", 53}}, {{"protocol", "TCP"}, {"port", 53}}})}};
}

}  // namespace

json buildNetworkPolicy(const SandboxMeta& sandbox, const NetworkSpec& network) {
  json egress = json::array();
  if (network.dns.mode == DnsMode::kClusterDns) egress.push_back(dnsRule(network.dns));
  for (const EgressDestination& destination : network.egress) {
    json rule = {{"to", json::array({{{"ipBlock", ipBlock(destination.cidr, destination.except)}}})}};
    if (!destination.ports.empty()) rule["ports"] = portList(destination.ports);
    egress.push_back(std::move(rule));
  }
  json ingress = json::array();
  for (const IngressSource& source : network.ingress) {
    json peer = json::object();
    if (source.cidr) peer["ipBlock"] = ipBlock(*source.cidr, source.except);
    if (source.podSelector) peer["podSelector"] = normalizedSelector(*source.podSelector);
    if (source.namespaceSelector) peer["namespaceSelector"] = normalizedSelector(*source.namespaceSelector);
    json rule = {{"from", json::array({peer})}};
    if (!source.ports.empty()) rule["ports"] = portList(source.ports);
    ingress.push_back(std::move(rule));
  }
  json spec = {{"podSelector", {{"matchLabels", {{std::string(kSandboxLabel), sandbox.name}}}}},
               {"policyTypes", json::array({"Ingress", "Egress"})}};
  if (!egress.empty()) spec["egress"] = std::move(egress);
  if (!ingress.empty()) spec["ingress"] = std::move(ingress);
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "NetworkPolicy"},
          {"metadata",
           {{"name", networkPolicyName(sandbox)},
            {"namespace", sandbox.ns},
            {"labels", sandboxLabels(sandbox)},
            {"finalizers", json::array({std::string(kFinalizer)})},
            {"ownerReferences", json::array({controllerReference(sandbox)})}}},
          {"spec", std::move(spec)}};
}

bool networkPolicyMatches(const json& desired, const json& live) {
  if (!live.is_object() || live.value("spec", json()) != desired.at("spec")) return false;
  const json liveLabels = live.contains("metadata") ? live["metadata"].value("labels", json::object()) : json::object();
  for (const auto& [key, value] : desired["metadata"]["labels"].items()) {
    if (!liveLabels.is_object() || liveLabels.value(key, json()) != value) return false;
  }
  const json& owner = desired["metadata"]["ownerReferences"][0];
  SandboxMeta sandbox;
  sandbox.uid = owner.value("uid", "");
  return isControlledBy(live, sandbox);
}

}  // namespace agentguard::op

#include "engine/workload/agent_sandbox_view.h"

#include <string>

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;

constexpr const char* kDefaultRuntimeClass = "gvisor";

void setIfAbsent(Json& object, const char* key, Json value) {
  if (!object.contains(key) || object[key].is_null()) object[key] = std::move(value);
}

Json& objectAt(Json& parent, const char* key) {
  if (!parent.contains(key) || !parent[key].is_object()) parent[key] = Json::object();
  return parent[key];
}

void enforceContainer(Json& container) {
  if (!container.is_object()) return;
  Json& context = objectAt(container, "securityContext");
  setIfAbsent(context, "privileged", false);
  setIfAbsent(context, "allowPrivilegeEscalation", false);
  setIfAbsent(context, "readOnlyRootFilesystem", true);
  setIfAbsent(context, "runAsNonRoot", true);
  setIfAbsent(context, "seccompProfile", {{"type", "RuntimeDefault"}});
  objectAt(context, "capabilities")["drop"] = Json::array({"ALL"});  // always set by the operator, never refused
}

Json dnsRule(const Json& dns) {
  const std::string ns = dns.is_object() ? dns.value("namespace", "kube-system") : "kube-system";
  Json selector = dns.is_object() ? dns.value("podSelector", Json::object()) : Json::object();
  if (!selector.is_object() || selector.empty()) selector = {{"k8s-app", "kube-dns"}};
  return {{"to", Json::array({{{"namespaceSelector", {{"matchLabels", {{"kubernetes.io/metadata.name", ns}}}}},
                               {"podSelector", {{"matchLabels", selector}}}}})},
          {"ports", Json::array({{{"protocol", "UDP"}, {"port", 53}}, {{"protocol", "TCP"}, {"port", 53}}})}};
}

}  // namespace

bool isAgentSandbox(const Json& object) {
  return object.is_object() && object.value("kind", "") == "AgentSandbox" &&
         object.value("apiVersion", "").rfind("agentguard.io/", 0) == 0;
}

Json agentSandboxAsRun(const Json& sandbox) {
  Json out = sandbox;
  Json& spec = objectAt(out, "spec");
  Json& podTemplate = objectAt(spec, "template");
  const std::string name = sandbox.value("metadata", Json::object()).value("name", "");
  Json& labels = objectAt(objectAt(podTemplate, "metadata"), "labels");
  labels["agentguard.io/sandbox"] = name;
  labels["app.kubernetes.io/managed-by"] = "agentguard-operator";
  Json& podSpec = objectAt(podTemplate, "spec");
  const Json runtimeClass = spec.value("runtimeClassName", Json(kDefaultRuntimeClass));
  setIfAbsent(podSpec, "runtimeClassName", runtimeClass);
  setIfAbsent(podSpec, "automountServiceAccountToken", false);
  setIfAbsent(podSpec, "enableServiceLinks", false);
  for (const char* host : {"hostNetwork", "hostPID", "hostIPC"}) setIfAbsent(podSpec, host, false);
  Json& podContext = objectAt(podSpec, "securityContext");
  setIfAbsent(podContext, "runAsNonRoot", true);
  setIfAbsent(podContext, "seccompProfile", {{"type", "RuntimeDefault"}});
  for (const char* list : {"initContainers", "containers"}) {
    if (!podSpec.contains(list) || !podSpec[list].is_array()) continue;
    for (Json& container : podSpec[list]) enforceContainer(container);
  }
  return out;
}

Json agentSandboxOwnPolicy(const Json& sandbox) {
  const Json metadata = sandbox.value("metadata", Json::object());
  const std::string name = metadata.value("name", "");
  const Json spec = sandbox.value("spec", Json::object());
  const Json network = spec.is_object() ? spec.value("network", Json::object()) : Json::object();
  Json egress = Json::array();
  const Json dns = network.is_object() ? network.value("dns", Json::object()) : Json::object();
  if (!dns.is_object() || dns.value("mode", "ClusterDNS") != "None") egress.push_back(dnsRule(dns));
  const Json destinations = network.is_object() ? network.value("egress", Json::array()) : Json::array();
  if (destinations.is_array()) {
    for (const Json& destination : destinations) {
      if (!destination.is_object()) continue;
      Json block = {{"cidr", destination.value("cidr", "")}};
      if (destination.contains("except")) block["except"] = destination["except"];
      Json rule = {{"to", Json::array({{{"ipBlock", block}}})}};
      if (destination.contains("ports") && destination["ports"].is_array() && !destination["ports"].empty()) {
        rule["ports"] = destination["ports"];
      }
      egress.push_back(std::move(rule));
    }
  }
  Json policySpec = {{"podSelector", {{"matchLabels", {{"agentguard.io/sandbox", name}}}}},
                     {"policyTypes", Json::array({"Ingress", "Egress"})}};
  if (!egress.empty()) policySpec["egress"] = std::move(egress);
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "NetworkPolicy"},
          {"metadata", {{"name", name + "-isolation"}, {"namespace", metadata.value("namespace", "")}}},
          {"spec", std::move(policySpec)}};
}

Result<NamespacePoliciesPtr> PolicySourceWith::policiesIn(std::string_view ns) const {
  std::vector<SharedObject> policies;
  if (inner_ != nullptr) {
    auto listed = inner_->policiesIn(ns);
    if (!listed) return listed;
    policies = (*listed)->objects();
  }
  policies.push_back(added_);
  return std::make_shared<const NamespacePolicies>(std::move(policies));
}

}  // namespace agentguard::engine

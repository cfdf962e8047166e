// Network isolation: every workload's pods must be selected for egress by a NetworkPolicy of their namespace.
#include <string>

#include "engine/network/cidr.h"
#include "engine/network/label_selector.h"
#include "engine/network/network_policy_source.h"
#include "engine/policy/parameter_reader.h"
#include "engine/rules/check_rule.h"
#include "engine/rules/rule_catalog.h"

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;

// A NetworkPolicy restricts egress when policyTypes lists Egress, or (policyTypes unset) when it has an
// egress section — the API server's defaulting rule.
bool governsEgress(const Json& policy) {
  const Json* spec = objectField(&policy, "spec");
  if (const Json* types = arrayField(spec, "policyTypes")) {
    for (const auto& type : *types) {
      if (type.is_string() && type.get_ref<const std::string&>() == "Egress") return true;
    }
    return false;
  }
  const Json* egress = field(spec, "egress");
  return egress != nullptr && !egress->is_null();
}

bool selectsPods(const Json& policy, const Json* podLabels) {
  const Json* spec = objectField(&policy, "spec");
  const Json* selector = field(spec, "podSelector");
  if (selector == nullptr) return true;  // unset decodes to the empty selector: every pod
  const auto matched = selectorMatches(*selector, podLabels);
  return matched.ok() && *matched;  // a malformed selector selects nothing (fail closed)
}

// An egress rule that admits every destination on every port: no `to` (or a peer of 0.0.0.0/0 or ::/0
// without exceptions, or an empty peer) and no `ports`.
bool allowsEverything(const Json& rule) {
  const Json* ports = field(&rule, "ports");
  if (ports != nullptr && ports->is_array() && !ports->empty()) return false;
  const Json* to = field(&rule, "to");
  if (to == nullptr || to->is_null() || (to->is_array() && to->empty())) return true;
  if (!to->is_array()) return false;
  for (const auto& peer : *to) {
    if (peer.is_object() && peer.empty()) return true;
    const Json* block = objectField(&peer, "ipBlock");
    if (block == nullptr) continue;
    const auto cidr = Cidr::parse(stringField(block, "cidr").value_or(""));
    const Json* except = arrayField(block, "except");
    if (cidr && cidr->isEverything() && (except == nullptr || except->empty())) return true;
  }
  return false;
}

std::string policyName(const Json& policy) {
  return std::string(stringField(objectField(&policy, "metadata"), "name").value_or("(unnamed)"));
}

std::string labelsText(const Json* labels) {
  if (labels == nullptr || labels->empty()) return "{}";
  std::string text = "{";
  for (const auto& [key, value] : labels->items()) {
    if (text.size() > 1) text += ", ";
    text += key + ": " + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return text + "}";
}

// The pod's labels path (where a fix would go) and labels.
std::string labelsPath(const PodTemplateRef& pod) { return pod.metadataPath + ".labels"; }
const Json* podLabels(const PodTemplateRef& pod) { return objectField(pod.metadata, "labels"); }

// Finds the egress policies selecting the pod; reports when the source cannot answer. Returns false
// when evaluation cannot go on (a violation was already reported).
bool egressPoliciesFor(const ObjectView& object, const PodTemplateRef& pod, const RuleContext& context,
                       std::vector<SharedObject>& selecting, std::vector<Violation>& out) {
  if (context.networkPolicies == nullptr) {
    out.push_back({labelsPath(pod), "no NetworkPolicy source is available, so egress isolation cannot be verified",
                   "run the check with the namespace's NetworkPolicies in the input"});
    return false;
  }
  auto policies = context.networkPolicies->policiesIn(object.namespaceName());
  if (!policies) {
    out.push_back({labelsPath(pod),
                   "the NetworkPolicies of namespace \"" + object.namespaceName() +
                       "\" cannot be read (" + policies.error().message + "), so egress isolation cannot be verified",
                   "retry once the admission controller's NetworkPolicy cache is synced"});
    return false;
  }
  for (const auto& policy : *policies) {
    if (policy && governsEgress(*policy) && selectsPods(*policy, podLabels(pod))) selecting.push_back(policy);
  }
  return true;
}

RuleDefinition egressUnrestrictedRule() {
  RuleDefinition d;
  d.info = {"network-isolation.egress-unrestricted", "network-isolation", "Pods without an egress NetworkPolicy",
            "Pods that no NetworkPolicy of their namespace selects for Egress can connect to any address: other "
            "services, cloud metadata endpoints, the internet. Offline, the NetworkPolicies in the same input are "
            "the namespace's policies; in admission, the cluster's.",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makeCheckRule([](const ObjectView& object, const RuleContext& context, std::vector<Violation>& out) {
      const PodTemplateRef* pod = object.podTemplate();
      if (pod == nullptr) return;
      std::vector<SharedObject> selecting;
      if (!egressPoliciesFor(object, *pod, context, selecting, out)) return;
      if (!selecting.empty()) return;
      out.push_back({labelsPath(*pod),
                     "no NetworkPolicy in namespace \"" + object.namespaceName() + "\" selects pods labelled " +
                         labelsText(podLabels(*pod)) + " for egress, so they can connect to any address",
                     "add a NetworkPolicy in namespace \"" + object.namespaceName() +
                         "\" whose podSelector matches these labels, with policyTypes [Egress] and only the "
                         "destinations the workload needs (plus DNS to kube-dns)"});
    });
  };
  return d;
}

RuleDefinition egressAllowAllRule() {
  RuleDefinition d;
  d.info = {"network-isolation.egress-allow-all", "network-isolation", "Egress NetworkPolicies that allow everything",
            "A NetworkPolicy that selects the pods but has an egress rule with no destination and no port "
            "restriction (or 0.0.0.0/0 without exceptions) isolates nothing.",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makeCheckRule([](const ObjectView& object, const RuleContext& context, std::vector<Violation>& out) {
      const PodTemplateRef* pod = object.podTemplate();
      if (pod == nullptr) return;
      std::vector<SharedObject> selecting;
      std::vector<Violation> unavailable;  // reported by egress-unrestricted; not repeated here
      if (!egressPoliciesFor(object, *pod, context, selecting, unavailable)) return;
      for (const auto& policy : selecting) {
        const Json* egress = arrayField(objectField(policy.get(), "spec"), "egress");
        if (egress == nullptr) continue;
        for (size_t i = 0; i < egress->size(); ++i) {
          if (!allowsEverything((*egress)[i])) continue;
          out.push_back({labelsPath(*pod),
                         "NetworkPolicy \"" + policyName(*policy) + "\" (spec.egress[" + std::to_string(i) +
                             "]) lets these pods connect to every address on every port",
                         "narrow that egress rule to the CIDRs or pod selectors and ports the workload needs"});
          break;
        }
      }
    });
  };
  return d;
}

}  // namespace

void addNetworkIsolationRules(RuleCatalog& catalog) {
  catalog.add(egressUnrestrictedRule());
  catalog.add(egressAllowAllRule());
}

}  // namespace agentguard::engine

#include "operator/reconciler/foreign_selection.h"

#include "engine/network/label_selector.h"

namespace agentguard::op {
namespace {

using nlohmann::json;

std::string identity(const json& object) {
  const json metadata = object.value("metadata", json::object());
  return metadata.value("namespace", "") + "/" + metadata.value("name", "");
}

bool hasRules(const json& spec, const char* direction) {
  const auto rules = spec.find(direction);
  return rules != spec.end() && rules->is_array() && !rules->empty();
}

bool policySelects(const json& policy, const json& labels) {
  const json spec = policy.value("spec", json::object());
  if (!hasRules(spec, "ingress") && !hasRules(spec, "egress")) return false;  // denies only
  const auto matched =
      engine::selectorMatch(spec.value("podSelector", json::object()), engine::PodLabels::exactly(&labels));
  // A selector the API server accepted but this reader cannot evaluate is taken to select: fail closed.
  return !matched.ok() || *matched != engine::SelectorMatch::kNone;
}

bool serviceSelects(const json& service, const json& labels) {
  const json selector = service.value("spec", json::object()).value("selector", json::object());
  if (!selector.is_object() || selector.empty()) return false;
  for (const auto& [key, value] : selector.items()) {
    const auto label = labels.find(key);
    if (label == labels.end() || *label != value) return false;
  }
  return true;
}

}  // namespace

std::optional<Problem> foreignSelection(const json& podLabels, const std::vector<kube::SharedObject>& policies,
                                        const std::vector<kube::SharedObject>& services, const std::string& what) {
  const json labels = podLabels.is_object() ? podLabels : json::object();
  for (const kube::SharedObject& policy : policies) {
    if (policy && policySelects(*policy, labels)) {
      return Problem{std::string(reasons::kSelectedByOtherObject),
                     "NetworkPolicy " + identity(*policy) + " selects the sandbox's Pod by " + what +
                         " and allows traffic; NetworkPolicies add up, so it would widen the sandbox's isolation. "
                         "Change the labels so that it does not select them, or have its podSelector narrowed"};
    }
  }
  for (const kube::SharedObject& service : services) {
    if (service && serviceSelects(*service, labels)) {
      return Problem{std::string(reasons::kSelectedByOtherObject),
                     "Service " + identity(*service) + " selects the sandbox's Pod by " + what +
                         " and would route traffic to the agent. Change the labels so that its selector does not "
                         "match them (use spec.network.ingress to admit traffic)"};
    }
  }
  return std::nullopt;
}

}  // namespace agentguard::op

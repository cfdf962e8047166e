#include "engine/network/namespace_policies.h"

#include <optional>
#include <set>

#include "engine/workload/object_view.h"

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;

const Json& podSelectorOf(const EgressPolicy& policy) {
  static const Json kEverything = Json::object();
  const Json* selector = field(objectField(policy.object.get(), "spec"), "podSelector");
  return selector == nullptr ? kEverything : *selector;
}

// A label the selector requires, with the values it accepts: its first matchLabels entry, else its
// first In expression. Null when it has none (the selector may match pods without any given value).
struct Requirement {
  std::string key;
  std::vector<std::string> values;
};

std::optional<Requirement> requiredLabel(const Json& selector) {
  const Json* matchLabels = objectField(&selector, "matchLabels");
  if (matchLabels != nullptr && !matchLabels->empty() && matchLabels->begin().value().is_string()) {
    return Requirement{matchLabels->begin().key(), {matchLabels->begin().value().get<std::string>()}};
  }
  const Json* expressions = arrayField(&selector, "matchExpressions");
  if (expressions == nullptr) return std::nullopt;
  for (const auto& expression : *expressions) {
    if (stringField(&expression, "operator").value_or("") != "In") continue;
    const auto key = stringField(&expression, "key");
    const Json* values = arrayField(&expression, "values");
    if (!key || values == nullptr) continue;
    Requirement requirement{std::string(*key), {}};
    for (const auto& value : *values) {
      if (value.is_string()) requirement.values.push_back(value.get<std::string>());
    }
    return requirement;
  }
  return std::nullopt;
}

}  // namespace

bool governsEgress(const Json& policy) {
  const Json* spec = objectField(&policy, "spec");
  const Json* types = arrayField(spec, "policyTypes");
  if (types != nullptr && !types->empty()) {
    for (const auto& type : *types) {
      if (type.is_string() && type.get_ref<const std::string&>() == "Egress") return true;
    }
    return false;
  }
  const Json* egress = arrayField(spec, "egress");
  return egress != nullptr && !egress->empty();
}

NamespacePolicies::NamespacePolicies(std::vector<SharedObject> objects) : objects_(std::move(objects)) {
  for (const auto& object : objects_) {
    if (!object || !governsEgress(*object)) continue;
    EgressPolicy policy;
    policy.object = object;
    policy.name = std::string(stringField(objectField(object.get(), "metadata"), "name").value_or("(unnamed)"));
    if (auto valid = selectorMatch(podSelectorOf(policy), PodLabels()); !valid) {
      policy.problem = "spec.podSelector: " + valid.error().message;
    } else if (auto grants = egressGrantsOf(*object)) {
      policy.grants = std::move(grants).value();
    } else {
      policy.problem = grants.error().message;
    }
    policies_.push_back(std::move(policy));
  }
  // Pointers into policies_ are taken once it no longer grows.
  for (const auto& policy : policies_) {
    if (!policy.problem.empty()) {
      malformed_.push_back(&policy);
    } else {
      index(policy);
    }
  }
}

void NamespacePolicies::index(const EgressPolicy& policy) {
  const auto requirement = requiredLabel(podSelectorOf(policy));
  if (!requirement) {
    unindexed_.push_back(&policy);
    return;
  }
  auto& byValue = byLabel_[requirement->key];
  for (const auto& value : requirement->values) byValue[value].push_back(&policy);
}

void NamespacePolicies::consider(const EgressPolicy& policy, const PodLabels& labels,
                                 std::vector<SelectingPolicy>& out) const {
  const auto match = selectorMatch(podSelectorOf(policy), labels);
  if (match && *match != SelectorMatch::kNone) out.push_back({&policy, *match});
}

std::vector<SelectingPolicy> NamespacePolicies::egressPoliciesFor(const PodLabels& labels) const {
  std::vector<SelectingPolicy> selecting;
  for (const EgressPolicy* policy : unindexed_) consider(*policy, labels, selecting);
  for (const auto& [key, value] : labels.all()) {
    const auto byValue = byLabel_.find(key);
    if (byValue == byLabel_.end()) continue;
    if (!value.varies) {
      const auto found = byValue->second.find(value.text);
      if (found == byValue->second.end()) continue;
      for (const EgressPolicy* policy : found->second) consider(*policy, labels, selecting);
      continue;
    }
    // A value not known in advance may be any of them: each policy can select only some pods.
    std::set<const EgressPolicy*> candidates;
    for (const auto& [indexedValue, policies] : byValue->second) candidates.insert(policies.begin(), policies.end());
    for (const EgressPolicy* policy : candidates) consider(*policy, labels, selecting);
  }
  return selecting;
}

}  // namespace agentguard::engine

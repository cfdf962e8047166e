#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/network/egress_grants.h"
#include "engine/network/label_selector.h"
#include "engine/network/pod_labels.h"

namespace agentguard::engine {

using SharedObject = std::shared_ptr<const nlohmann::json>;

// A NetworkPolicy read once for egress decisions.
struct EgressPolicy {
  SharedObject object;
  std::string name;
  // Non-empty when the policy is malformed (the API server would refuse it): it restricts nothing.
  std::string problem;
  std::vector<EgressGrant> grants;
};

// An egress policy and how much of a workload's pods its podSelector selects.
struct SelectingPolicy {
  const EgressPolicy* policy = nullptr;
  SelectorMatch match = SelectorMatch::kAll;
};

// The NetworkPolicies of one namespace, with those that govern Egress indexed by their podSelector so
// that finding the policies of a pod costs what its labels cost, not what the namespace's policy count
// costs (3,000 policies x 3,000 pods took ~25 s when every pod scanned every policy).
class NamespacePolicies {
 public:
  // Every networking.k8s.io/v1 NetworkPolicy of the namespace.
  explicit NamespacePolicies(std::vector<SharedObject> objects);

  const std::vector<SharedObject>& objects() const { return objects_; }
  // Well-formed policies governing Egress whose podSelector selects some or all of these pods.
  std::vector<SelectingPolicy> egressPoliciesFor(const PodLabels& labels) const;
  // Malformed policies governing Egress (their `problem` says why); they are never credited.
  const std::vector<const EgressPolicy*>& malformed() const { return malformed_; }

 private:
  void index(const EgressPolicy& policy);
  void consider(const EgressPolicy& policy, const PodLabels& labels, std::vector<SelectingPolicy>& out) const;

  std::vector<SharedObject> objects_;
  std::vector<EgressPolicy> policies_;
  std::vector<const EgressPolicy*> malformed_;
  // Policies whose selector requires label key = one of some values, by key then value.
  std::map<std::string, std::map<std::string, std::vector<const EgressPolicy*>, std::less<>>, std::less<>> byLabel_;
  // Policies whose selector names no required value (empty selector, Exists, NotIn, ...): tried for every pod.
  std::vector<const EgressPolicy*> unindexed_;
};

// Whether a NetworkPolicy governs Egress, with the API server's defaulting: policyTypes absent or empty
// becomes [Ingress], plus Egress when spec.egress has at least one rule.
bool governsEgress(const nlohmann::json& policy);

}  // namespace agentguard::engine

#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/finding.h"
#include "engine/network/network_policy_source.h"
#include "engine/policy/policy_set.h"
#include "engine/workload/workload_source.h"

namespace agentguard::engine {

struct EvaluationContext {
  const NetworkPolicySource* networkPolicies = nullptr;  // see RuleContext
  const WorkloadSource* workloads = nullptr;              // see RuleContext
  bool removal = false;                                   // see RuleContext
  std::string_view defaultNamespace = "default";          // for objects that name no namespace
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();  // for exemption expiry
  // Whether the object's agentguard.io/skip annotation is honoured (skip_annotations.h). Off unless the
  // caller knows who set it: `agentguard check` turns it on (it has no user); the webhook only when the
  // annotations were set by an exemption admin or left as they were. A malformed skip is refused either way.
  bool honourSkipAnnotations = false;
  // When set, receives the id of every enabled rule an exemption kept from judging the object (the
  // background audit reports those as skipped rather than passed).
  std::vector<std::string>* exemptedRules = nullptr;
};

// The policy engine shared by `agentguard check` and the admission webhook: one compiled PolicySet,
// applied to one object at a time. Thread-safe; evaluation does no I/O beyond the NetworkPolicySource.
class Engine {
 public:
  explicit Engine(std::shared_ptr<const PolicySet> policies);

  Findings evaluate(const nlohmann::json& object, const EvaluationContext& context) const;

  const PolicySet& policies() const { return *policies_; }

 private:
  bool exempted(const RuleBinding& binding, const ObjectView& object, const EvaluationContext& context) const;
  Findings evaluateAsGiven(const nlohmann::json& object, const EvaluationContext& context) const;

  std::shared_ptr<const PolicySet> policies_;
};

}  // namespace agentguard::engine

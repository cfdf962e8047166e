#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/network/egress_verdict.h"
#include "engine/network/network_policy_source.h"
#include "engine/rules/rule.h"

namespace agentguard::engine {

// A workload's egress verdict, with what the messages need.
struct JudgedEgress {
  NamespacePoliciesPtr policies;
  PodLabels labels;
  std::string labelsPath;  // where a fix to the pods' labels goes, e.g. spec.template.metadata.labels
  EgressVerdict verdict;
};

// Judges the pods `object` creates. Nullopt when the object creates no pods, or when the namespace's
// NetworkPolicies cannot be read: then a violation saying so is added to `out` (every rule using this
// reports it itself, so that turning one rule off never silences another).
std::optional<JudgedEgress> judgeWorkloadEgress(const ObjectView& object, const RuleContext& context,
                                                UnrestrictedWhen when, std::vector<Violation>& out);

// No policy selects every pod for egress.
Violation notIsolatedViolation(const ObjectView& object, const JudgedEgress& judged);
// The policies selecting the pods together open the internet.
Violation unrestrictedViolation(const ObjectView& object, const JudgedEgress& judged);

// "\"a\", \"b\"" for messages.
std::string policyNames(const std::vector<const EgressPolicy*>& policies);

}  // namespace agentguard::engine

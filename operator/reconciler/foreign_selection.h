#pragma once

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/informer.h"
#include "operator/status/sandbox_status.h"

namespace agentguard::op {

// The sandbox's Pod must be selected by its own NetworkPolicy alone. NetworkPolicies add up, so another policy
// that selects the Pod and allows anything widens its isolation; a Service that selects it routes traffic to the
// agent. Given the labels a Pod has (or will have) and the other NetworkPolicies and Services of its namespace,
// returns the first one that selects it (reason SelectedByOtherObject), or nothing.
//
// A NetworkPolicy with no ingress and no egress rules only denies and is never a problem (a namespace-wide
// default-deny is fine); a Service without a selector selects no Pod. `what` names the labels' owner in the
// message ("spec.template.metadata.labels", "Pod agents/analyst").
std::optional<Problem> foreignSelection(const nlohmann::json& podLabels, const std::vector<kube::SharedObject>& policies,
                                        const std::vector<kube::SharedObject>& services, const std::string& what);

}  // namespace agentguard::op

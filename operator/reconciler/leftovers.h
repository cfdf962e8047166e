#pragma once

#include <string>

#include "operator/reconciler/cluster_access.h"
#include "operator/reconciler/reconcile_result.h"

namespace agentguard::op {

// Objects left without an owner after their AgentSandbox is gone (--cascade=orphan, a finalizer removed by force):
// found by their labels and torn down in the usual order, the Pod (confirmed gone) before the NetworkPolicy.
ReconcileResult removeLeftovers(const ClusterAccess& cluster, const std::string& ns, const std::string& name);

}  // namespace agentguard::op

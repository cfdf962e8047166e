#pragma once

#include "operator/reconciler/cluster_access.h"
#include "operator/reconciler/observe.h"
#include "operator/reconciler/plan.h"
#include "operator/reconciler/reconcile_result.h"

namespace agentguard::op {

// Performs a plan: the only step of a reconcile that writes. Actions run in the plan's order (the NetworkPolicy is
// in force, confirmed by the API server, before a Pod is created; in teardown the Pod is gone before the policy,
// and the policy before the finalizer). What a write finds that the plan did not assume (a failure, a policy the
// cache missed, a refused object) corrects the status; status is then written if it changed.
ReconcileResult apply(const ClusterAccess& cluster, const Observed& observed, const Plan& plan);

}  // namespace agentguard::op

#pragma once

#include <string>

#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "operator/controller/clock.h"
#include "operator/events/event_recorder.h"
#include "operator/metrics/operator_metrics.h"
#include "operator/reconciler/cluster_access.h"
#include "operator/reconciler/cluster_view.h"
#include "operator/reconciler/reconcile_result.h"
#include "operator/reconciler/reconciler_options.h"
#include "operator/reconciler/recent_writes.h"

namespace agentguard::op {

// The level-triggered reconcile of one AgentSandbox, in three steps:
//
//   Observed observed = observe(cluster, sandbox);   // observe.h: one snapshot (caches, GETs where they matter)
//   Plan plan = planFor(observed, now);               // plan.h: pure; actions, status, timers
//   return apply(cluster, observed, plan);            // apply.h: the only writes
//
// The NetworkPolicy is always in force (confirmed by the API server) before a Pod is created, and status is written
// only when it changed.
//
// Teardown is ordered by the finalizer agentguard.io/isolation-teardown on the AgentSandbox (and on its
// NetworkPolicy, so that no other deleter — foreground garbage collection, a person — can lift isolation while
// the Pod lives): the Pod is deleted and confirmed gone, then the NetworkPolicy, then the finalizer is removed.
class Reconciler {
 public:
  // `writes` holds what this reconciler wrote and the caches may not show yet; the owner feeds it informer events.
  Reconciler(const ClusterView& view, RecentWrites& writes, kube::KubeClient& client, EventSink& events,
             OperatorMetrics* metrics, const Clock& clock, log::Logger& logger, ReconcilerOptions options);
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  ReconcileResult reconcile(const std::string& ns, const std::string& name);

 private:
  const ReconcilerOptions options_;
  const ClusterAccess cluster_;  // refers to options_
};

}  // namespace agentguard::op

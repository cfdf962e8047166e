#pragma once

#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "operator/controller/clock.h"
#include "operator/events/event_recorder.h"
#include "operator/metrics/operator_metrics.h"
#include "operator/reconciler/cluster_view.h"
#include "operator/reconciler/reconciler_options.h"
#include "operator/reconciler/recent_writes.h"

namespace agentguard::op {

// What a reconcile reads and writes through. Everything here is owned by the operator's main and outlives every
// reconcile. observe() only reads; apply() is the one place that writes.
struct ClusterAccess {
  const ClusterView& view;
  RecentWrites& writes;  // what this reconciler wrote and the caches may not show yet
  kube::KubeClient& client;
  EventSink& events;
  OperatorMetrics* metrics;  // may be null
  const Clock& clock;
  log::Logger& logger;
  const ReconcilerOptions& options;
};

}  // namespace agentguard::op

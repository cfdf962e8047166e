#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "common/result/result.h"
#include "operator/api/agent_sandbox.h"
#include "operator/api/ip_block.h"
#include "operator/controller/clock.h"
#include "operator/events/event_recorder.h"
#include "operator/metrics/operator_metrics.h"
#include "operator/reconciler/cluster_view.h"
#include "operator/reconciler/recent_writes.h"
#include "operator/status/sandbox_status.h"

namespace agentguard::op {

struct ReconcilerOptions {
  std::string defaultRuntimeClass = "gvisor";
  std::set<std::string> allowedRuntimeClasses{"gvisor"};
  // The cluster's pod and service ranges: no AgentSandboxClass may open them (--cluster-cidrs).
  std::vector<IpBlock> clusterCidrs;
  // While tearing down, how soon to look again for a Pod that is still terminating (its deletion also wakes us).
  std::chrono::milliseconds teardownRecheck{2000};
  // While a Secret or PersistentVolumeClaim the template names is missing or unbound, how soon to look again
  // (they are not watched).
  std::chrono::milliseconds referenceRecheck{10000};
};

struct ReconcileResult {
  std::optional<Error> error;                             // retry with backoff (at least Retry-After)
  std::optional<std::chrono::milliseconds> requeueAfter;  // a timer: expiry, TTL, teardown

  std::string_view label() const { return error ? "error" : requeueAfter ? "requeue" : "success"; }
};

// The level-triggered reconcile of one AgentSandbox: read the world (caches, confirmed by GET where a stale
// cache would matter), compute the desired NetworkPolicy and Pod with the pure builders, create or correct what
// differs — the NetworkPolicy always before the Pod — and write status only when it changed.
//
// Teardown is ordered by the finalizer agentguard.io/isolation-teardown on the AgentSandbox (and on its
// NetworkPolicy, so that no other deleter — foreground garbage collection, a person — can lift isolation while
// the Pod lives): the Pod is deleted and confirmed gone, then the NetworkPolicy, then the finalizer is removed.
class Reconciler {
 public:
  // `writes` holds what this reconciler wrote and the caches may not show yet; the owner feeds it informer events.
  Reconciler(const ClusterView& view, RecentWrites& writes, kube::KubeClient& client, EventSink& events,
             OperatorMetrics* metrics, const Clock& clock, log::Logger& logger, ReconcilerOptions options);

  ReconcileResult reconcile(const std::string& ns, const std::string& name);

 private:
  struct NetworkOutcome;
  class Pass;

  // Deletes a Pod and NetworkPolicy left with this sandbox's labels and no owner after the sandbox is gone.
  ReconcileResult removeLeftovers(const std::string& ns, const std::string& name);

  const ClusterView& view_;
  RecentWrites& writes_;
  kube::KubeClient& client_;
  EventSink& events_;
  OperatorMetrics* metrics_;
  const Clock& clock_;
  log::Logger& logger_;
  const ReconcilerOptions options_;
};

}  // namespace agentguard::op

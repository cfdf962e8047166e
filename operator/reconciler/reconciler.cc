#include "operator/reconciler/reconciler.h"

#include "operator/reconciler/apply.h"
#include "operator/reconciler/leftovers.h"
#include "operator/reconciler/observe.h"
#include "operator/reconciler/plan.h"

namespace agentguard::op {

Reconciler::Reconciler(const ClusterView& view, RecentWrites& writes, kube::KubeClient& client, EventSink& events,
                       OperatorMetrics* metrics, const Clock& clock, log::Logger& logger, ReconcilerOptions options)
    : options_(std::move(options)), cluster_{view, writes, client, events, metrics, clock, logger, options_} {}

ReconcileResult Reconciler::reconcile(const std::string& ns, const std::string& name) {
  const kube::SharedObject cached =
      cluster_.writes.resolve(RecentWrites::Kind::kSandbox, ns, name, cluster_.view.sandbox(ns, name));
  if (!cached) return removeLeftovers(cluster_, ns, name);  // normally its Pod and NetworkPolicy went first (finalizer)
  const Observed observed = observe(cluster_, *cached);
  const Plan plan = planFor(observed, cluster_.clock.wallNow());
  return apply(cluster_, observed, plan);
}

}  // namespace agentguard::op

#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "common/metrics/process_collector.h"

namespace agentguard::op {

// The operator's Prometheus metrics. Label values come from fixed sets.
//   agentguard_operator_reconcile_total{result="success|requeue|error"}
//   agentguard_operator_reconcile_errors_total
//   agentguard_operator_reconcile_duration_seconds
//   agentguard_operator_workqueue_depth
//   agentguard_sandboxes{phase}                  (counted from the informer cache at scrape time)
//   agentguard_sandbox_pod_creation_seconds      (AgentSandbox creationTimestamp -> its first Pod created)
//   agentguard_operator_leader                   (1 while this replica leads)
// and agentguard_build_info with the process_* metrics (common/metrics).
class OperatorMetrics {
 public:
  explicit OperatorMetrics(std::shared_ptr<prometheus::Registry> registry);

  void observeReconcile(std::string_view result, double seconds);
  void setQueueDepth(size_t depth);
  void observePodCreation(double seconds);
  void setLeader(bool leading);
  // Counts sandboxes by phase when scraped (phase "" counts as Pending).
  void setPhaseSource(std::function<std::map<std::string, int>()> source);

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }
  // Register this next to the registry with the exposer (agentguard_sandboxes).
  std::shared_ptr<prometheus::Collectable> phaseCollector() const { return phases_; }
  // And this (agentguard_build_info, process_*).
  std::shared_ptr<prometheus::Collectable> processCollector() const { return process_; }
  double reconcileCount(std::string_view result) const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& reconcileTotal_;
  prometheus::Counter& reconcileErrors_;
  prometheus::Histogram& reconcileDuration_;
  prometheus::Gauge& queueDepth_;
  prometheus::Histogram& podCreation_;
  prometheus::Gauge& leader_;
  std::shared_ptr<prometheus::Collectable> phases_;
  std::shared_ptr<prometheus::Collectable> process_ = std::make_shared<metrics::ProcessCollector>();
};

}  // namespace agentguard::op

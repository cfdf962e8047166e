#include "operator/metrics/operator_metrics.h"

#include <mutex>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace agentguard::op {
namespace {

constexpr const char* kPhases[] = {"Pending", "Running", "Succeeded", "Failed", "Expired", "Blocked"};

// agentguard_sandboxes{phase}, computed at scrape time from a callback.
class PhaseCollector final : public prometheus::Collectable {
 public:
  void setSource(std::function<std::map<std::string, int>()> source) {
    std::lock_guard<std::mutex> lock(mutex_);
    source_ = std::move(source);
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::map<std::string, int> counts;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (source_) counts = source_();
    }
    prometheus::MetricFamily family;
    family.name = "agentguard_sandboxes";
    family.help = "AgentSandboxes by phase";
    family.type = prometheus::MetricType::Gauge;
    for (const char* phase : kPhases) {
      prometheus::ClientMetric metric;
      metric.label.push_back({"phase", phase});
      const auto it = counts.find(phase);
      metric.gauge.value = it == counts.end() ? 0 : it->second;
      family.metric.push_back(std::move(metric));
    }
    return {family};
  }

 private:
  mutable std::mutex mutex_;
  std::function<std::map<std::string, int>()> source_;
};

prometheus::Histogram::BucketBoundaries durationBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace

OperatorMetrics::OperatorMetrics(std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)),
      reconcileTotal_(prometheus::BuildCounter()
                          .Name("agentguard_operator_reconcile_total")
                          .Help("Reconciles of AgentSandboxes by result")
                          .Register(*registry_)),
      reconcileErrors_(prometheus::BuildCounter()
                           .Name("agentguard_operator_reconcile_errors_total")
                           .Help("Reconciles that failed and were requeued with backoff")
                           .Register(*registry_)
                           .Add({})),
      reconcileDuration_(prometheus::BuildHistogram()
                             .Name("agentguard_operator_reconcile_duration_seconds")
                             .Help("Time spent in one reconcile")
                             .Register(*registry_)
                             .Add({}, durationBuckets())),
      queueDepth_(prometheus::BuildGauge()
                      .Name("agentguard_operator_workqueue_depth")
                      .Help("Keys waiting to be reconciled")
                      .Register(*registry_)
                      .Add({})),
      podCreation_(prometheus::BuildHistogram()
                       .Name("agentguard_sandbox_pod_creation_seconds")
                       .Help("Time from an AgentSandbox's creation to its first Pod being created (creationTimestamp "
                             "has one-second resolution)")
                       .Register(*registry_)
                       .Add({}, prometheus::Histogram::BucketBoundaries{0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300})),
      leader_(prometheus::BuildGauge()
                  .Name("agentguard_operator_leader")
                  .Help("1 while this replica holds the leader lease")
                  .Register(*registry_)
                  .Add({})),
      phases_(std::make_shared<PhaseCollector>()) {
  for (const char* result : {"success", "requeue", "error"}) reconcileTotal_.Add({{"result", result}});
}

void OperatorMetrics::observeReconcile(std::string_view result, double seconds) {
  reconcileTotal_.Add({{"result", std::string(result)}}).Increment();
  if (result == "error") reconcileErrors_.Increment();
  reconcileDuration_.Observe(seconds);
}

void OperatorMetrics::setQueueDepth(size_t depth) { queueDepth_.Set(static_cast<double>(depth)); }
void OperatorMetrics::observePodCreation(double seconds) { podCreation_.Observe(seconds); }
void OperatorMetrics::setLeader(bool leading) { leader_.Set(leading ? 1 : 0); }

void OperatorMetrics::setPhaseSource(std::function<std::map<std::string, int>()> source) {
  std::static_pointer_cast<PhaseCollector>(phases_)->setSource(std::move(source));
}

double OperatorMetrics::reconcileCount(std::string_view result) const {
  return reconcileTotal_.Add({{"result", std::string(result)}}).Value();
}

}  // namespace agentguard::op

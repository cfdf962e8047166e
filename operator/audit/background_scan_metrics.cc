#include "operator/audit/background_scan_metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace agentguard::op {

// agentguard_background_scan_results: replaced whole at the end of each scan, so a rule that no longer
// reports leaves no stale series behind.
class BackgroundScanMetrics::ResultsCollector final : public prometheus::Collectable {
 public:
  void set(std::map<ResultKey, double> results) {
    std::lock_guard<std::mutex> lock(mutex_);
    results_ = std::move(results);
  }
  double get(const ResultKey& key) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = results_.find(key);
    return found == results_.end() ? 0 : found->second;
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily family;
    family.name = "agentguard_background_scan_results";
    family.help = "Report results of the last completed background scan by result, severity and rule";
    family.type = prometheus::MetricType::Gauge;
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [key, count] : results_) {
      prometheus::ClientMetric metric;
      metric.label.push_back({"result", std::get<0>(key)});
      metric.label.push_back({"severity", std::get<1>(key)});
      metric.label.push_back({"rule", std::get<2>(key)});
      metric.gauge.value = count;
      family.metric.push_back(std::move(metric));
    }
    return {family};
  }

 private:
  mutable std::mutex mutex_;
  std::map<ResultKey, double> results_;
};

BackgroundScanMetrics::BackgroundScanMetrics(std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)),
      runs_(prometheus::BuildCounter()
                .Name("agentguard_background_scan_runs_total")
                .Help("Background scans started, by what started them")
                .Register(*registry_)),
      reports_(prometheus::BuildCounter()
                   .Name("agentguard_background_scan_reports_total")
                   .Help("Reports the background scan created, updated, left unchanged or deleted")
                   .Register(*registry_)),
      errors_(prometheus::BuildCounter()
                  .Name("agentguard_background_scan_errors_total")
                  .Help("Background scan failures by stage (policies, list, write)")
                  .Register(*registry_)),
      duration_(prometheus::BuildHistogram()
                    .Name("agentguard_background_scan_duration_seconds")
                    .Help("Duration of one whole background scan")
                    .Register(*registry_)
                    .Add({}, prometheus::Histogram::BucketBoundaries{0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600})),
      objects_(prometheus::BuildGauge()
                   .Name("agentguard_background_scan_objects")
                   .Help("Objects the last completed background scan evaluated")
                   .Register(*registry_)
                   .Add({})),
      lastSuccess_(prometheus::BuildGauge()
                       .Name("agentguard_background_scan_last_success_timestamp_seconds")
                       .Help("Unix time the last background scan completed")
                       .Register(*registry_)
                       .Add({})),
      results_(std::make_shared<ResultsCollector>()) {
  for (const char* trigger : {"interval", "policy-change"}) runs_.Add({{"trigger", trigger}});
  for (const char* operation : {"created", "updated", "unchanged", "deleted"}) reports_.Add({{"operation", operation}});
  for (const char* stage : {"policies", "list", "write"}) errors_.Add({{"stage", stage}});
}

void BackgroundScanMetrics::scanStarted(std::string_view trigger) { runs_.Add({{"trigger", std::string(trigger)}}).Increment(); }

void BackgroundScanMetrics::scanFinished(double seconds, size_t objects, const std::map<ResultKey, double>& results,
                                         double nowSeconds) {
  duration_.Observe(seconds);
  objects_.Set(static_cast<double>(objects));
  lastSuccess_.Set(nowSeconds);
  results_->set(results);
}

void BackgroundScanMetrics::reportWritten(std::string_view operation) {
  reports_.Add({{"operation", std::string(operation)}}).Increment();
}

void BackgroundScanMetrics::failed(std::string_view stage) { errors_.Add({{"stage", std::string(stage)}}).Increment(); }

double BackgroundScanMetrics::errors(std::string_view stage) const {
  return errors_.Add({{"stage", std::string(stage)}}).Value();
}

double BackgroundScanMetrics::reports(std::string_view operation) const {
  return reports_.Add({{"operation", std::string(operation)}}).Value();
}

double BackgroundScanMetrics::results(const ResultKey& key) const { return results_->get(key); }

std::shared_ptr<prometheus::Collectable> BackgroundScanMetrics::resultsCollector() const { return results_; }

}  // namespace agentguard::op

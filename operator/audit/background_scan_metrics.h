#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace agentguard::op {

// (result, severity, rule) of one report result.
using ResultKey = std::tuple<std::string, std::string, std::string>;

// The background audit's Prometheus metrics. Label values come from fixed sets (rule ids are the
// engine's catalogue).
//   agentguard_background_scan_results{result,severity,rule}        results of the last completed scan
//   agentguard_background_scan_duration_seconds                      one whole scan
//   agentguard_background_scan_runs_total{trigger="interval|policy-change"}
//   agentguard_background_scan_reports_total{operation="created|updated|unchanged|deleted"}
//   agentguard_background_scan_errors_total{stage="policies|list|write"}
//   agentguard_background_scan_objects                               objects evaluated by the last scan
//   agentguard_background_scan_last_success_timestamp_seconds
class BackgroundScanMetrics {
 public:
  explicit BackgroundScanMetrics(std::shared_ptr<prometheus::Registry> registry);

  void scanStarted(std::string_view trigger);
  void scanFinished(double seconds, size_t objects, const std::map<ResultKey, double>& results, double nowSeconds);
  void reportWritten(std::string_view operation);
  void failed(std::string_view stage);

  // For tests.
  double errors(std::string_view stage) const;
  double reports(std::string_view operation) const;
  double results(const ResultKey& key) const;

  // Registered with the exposer next to the registry (agentguard_background_scan_results).
  std::shared_ptr<prometheus::Collectable> resultsCollector() const;

 private:
  class ResultsCollector;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& runs_;
  prometheus::Family<prometheus::Counter>& reports_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Histogram& duration_;
  prometheus::Gauge& objects_;
  prometheus::Gauge& lastSuccess_;
  std::shared_ptr<ResultsCollector> results_;
};

}  // namespace agentguard::op

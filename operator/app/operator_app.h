#pragma once

#include <memory>
#include <string>

#include <prometheus/registry.h>

#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "operator/app/options.h"
#include "operator/audit/background_scan.h"
#include "operator/audit/background_scan_metrics.h"
#include "operator/controller/clock.h"
#include "operator/controller/controller.h"
#include "operator/controller/throttled_client.h"
#include "operator/events/event_recorder.h"
#include "operator/leader/leader_guarded_client.h"
#include "operator/leader/lease_elector.h"
#include "operator/metrics/operator_metrics.h"

namespace agentguard::op {

// The operator, wired: informers on `client`; writes through a client-side rate limit and the leadership
// guard; events; metrics; leader election when asked. main() adds flags, signals and the HTTP endpoints; tests
// run one or several of these in-process against the local API server.
class OperatorApp {
 public:
  OperatorApp(kube::KubeClient& client, const OperatorOptions& options, log::Logger& logger, const Clock& clock,
              std::string identity);
  ~OperatorApp();  // stop()
  OperatorApp(const OperatorApp&) = delete;
  OperatorApp& operator=(const OperatorApp&) = delete;

  void start();
  // Releases the lease (when leading), stops the workers, the informers and the event sender.
  void stop();

  bool ready() const { return controller_->synced(); }
  bool isLeader() const { return leadership_->isLeader(); }
  const std::string& identity() const { return identity_; }
  OperatorMetrics& metrics() { return *metrics_; }
  Controller& controller() { return *controller_; }
  BackgroundScanMetrics& backgroundScanMetrics() { return *scanMetrics_; }
  // Null when the background audit is off (no --background-scan-policies, or a 0s interval).
  BackgroundScanner* backgroundScanner() { return scanner_.get(); }

 private:
  const OperatorOptions options_;
  log::Logger& logger_;
  const Clock& clock_;
  const std::string identity_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<OperatorMetrics> metrics_;
  std::unique_ptr<ThrottledClient> throttled_;
  std::unique_ptr<LeaseElector> elector_;
  std::unique_ptr<Leadership> soleLeader_;
  const Leadership* leadership_ = nullptr;
  std::unique_ptr<LeaderGuardedClient> guarded_;
  std::unique_ptr<ThrottledClient> eventsThrottled_;
  std::unique_ptr<LeaderGuardedClient> eventsGuarded_;
  std::unique_ptr<EventRecorder> events_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<BackgroundScanMetrics> scanMetrics_;
  std::unique_ptr<ThrottledClient> reportsThrottled_;
  std::unique_ptr<LeaderGuardedClient> reportsGuarded_;
  std::unique_ptr<BackgroundScanner> scanner_;
  bool started_ = false;
  bool stopped_ = false;
};

// hostname + "_" + random suffix: unique per process.
std::string makeIdentity();

}  // namespace agentguard::op

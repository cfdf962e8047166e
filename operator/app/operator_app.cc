#include "operator/app/operator_app.h"

#include <algorithm>
#include <random>

#include "common/process/host_name.h"

namespace agentguard::op {

OperatorApp::OperatorApp(kube::KubeClient& client, const OperatorOptions& options, log::Logger& logger,
                         const Clock& clock, std::string identity)
    : options_(options),
      logger_(logger),
      clock_(clock),
      identity_(std::move(identity)),
      registry_(std::make_shared<prometheus::Registry>()),
      metrics_(std::make_unique<OperatorMetrics>(registry_)),
      throttled_(std::make_unique<ThrottledClient>(client, options.kubeApiQps, options.kubeApiBurst)) {
  if (options_.leaderElect) {
    LeaseOptions lease;
    lease.ns = options_.leaderElectionNamespace;
    lease.name = options_.leaderElectionId;
    lease.identity = identity_;
    lease.leaseDuration = options_.leaseDuration;
    lease.renewDeadline = options_.renewDeadline;
    lease.retryPeriod = options_.retryPeriod;
    // Lease renewals bypass the rate limit: a busy operator must not lose its lease to its own queue.
    elector_ = std::make_unique<LeaseElector>(client, clock_, logger_, lease);
    leadership_ = elector_.get();
  } else {
    soleLeader_ = std::make_unique<SoleLeader>();
    leadership_ = soleLeader_.get();
  }
  guarded_ = std::make_unique<LeaderGuardedClient>(*throttled_, *leadership_);
  EventRecorderOptions eventOptions;
  eventOptions.instance = identity_;
  // Events have their own, lower budget: they never delay the writes that isolate and start sandboxes.
  eventsThrottled_ = std::make_unique<ThrottledClient>(client, std::max(1.0, options_.kubeApiQps / 4),
                                                       std::max(1, options_.kubeApiBurst / 4));
  eventsGuarded_ = std::make_unique<LeaderGuardedClient>(*eventsThrottled_, *leadership_);
  events_ = std::make_unique<EventRecorder>(*eventsGuarded_, clock_, logger_, eventOptions);

  ControllerOptions controllerOptions;
  controllerOptions.ns = options_.ns;
  controllerOptions.workers = options_.workers;
  controllerOptions.resyncPeriod = options_.resyncPeriod;
  controllerOptions.reconciler.defaultRuntimeClass = options_.defaultRuntimeClass;
  controllerOptions.reconciler.allowedRuntimeClasses = options_.allowedRuntimeClasses;
  controllerOptions.reconciler.clusterCidrs = options_.clusterCidrs;
  controllerOptions.reconciler.gate = options_.gate;
  controller_ = std::make_unique<Controller>(client, *guarded_, *events_, metrics_.get(), clock_, logger_,
                                             controllerOptions);
  metrics_->setPhaseSource([controller = controller_.get()] { return controller->countByPhase(); });

  // The background audit lives here rather than in a component of its own: it needs the same client,
  // leader election and metrics endpoint, and only one replica may write reports. It lists page by page
  // at each scan instead of caching every ConfigMap and Pod of the cluster in informers between scans.
  scanMetrics_ = std::make_unique<BackgroundScanMetrics>(registry_);
  if (!options_.backgroundScanPolicies.empty() && options_.backgroundScanInterval.count() > 0) {
    // Report writes have their own budget: a scan of thousands of objects never delays sandbox writes.
    reportsThrottled_ = std::make_unique<ThrottledClient>(
        client, options_.backgroundScanWriteQps, std::max(1, static_cast<int>(options_.backgroundScanWriteQps)));
    reportsGuarded_ = std::make_unique<LeaderGuardedClient>(*reportsThrottled_, *leadership_);
    BackgroundScanOptions scan;
    scan.interval = options_.backgroundScanInterval;
    scan.policyLayers = options_.backgroundScanPolicies;
    scan.namespaceSelector = options_.backgroundScanNamespaceSelector;
    scan.family = options_.backgroundScanReports;
    scanner_ = std::make_unique<BackgroundScanner>(*throttled_, *reportsGuarded_, std::move(scan), *scanMetrics_,
                                                   logger_, [leadership = leadership_] { return leadership->isLeader(); });
  }
}

OperatorApp::~OperatorApp() { stop(); }

void OperatorApp::start() {
  if (started_) return;
  started_ = true;
  controller_->start();
  if (scanner_) scanner_->start();
  logger_.info("Started agentguard-operator", {{"identity", identity_},
                                               {"namespace", options_.ns.empty() ? "*" : options_.ns},
                                               {"leaderElect", options_.leaderElect}});
  // Warm caches first: a replica that starts leading acts on what it knows at once, and the election thread
  // must never stall in a callback (its renewals would stop).
  if (!controller_->waitForSync(std::chrono::seconds(30))) {
    logger_.warn("Caches not synced after 30s; starting anyway", {{"identity", identity_}});
  }
  if (elector_) {
    elector_->start(
        [this] {
          metrics_->setLeader(true);
          controller_->setLeading(true);
        },
        [this] {
          controller_->setLeading(false);
          metrics_->setLeader(false);
        });
  } else {
    metrics_->setLeader(true);
    controller_->setLeading(true);
  }
}

void OperatorApp::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  if (scanner_) scanner_->stop();
  if (elector_) elector_->stop();
  controller_->setLeading(false);
  controller_->stop();
  events_->stop();
  logger_.info("Stopped agentguard-operator", {{"identity", identity_}});
}

std::string makeIdentity() {
  const std::string host = process::hostName();
  std::random_device random;
  std::mt19937_64 generator(random());
  const uint64_t suffix = generator();
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(suffix));
  return (host.empty() ? std::string("agentguard-operator") : host) + "_" + hex;
}

}  // namespace agentguard::op

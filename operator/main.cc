// agentguard-operator: reads flags, builds the operator and its endpoints, runs until SIGTERM or SIGINT, then
// releases its lease and stops.
#include <malloc.h>

#include <thread>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/exposer.h>

#include "common/http/server.h"
#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "common/process/stop_signals.h"
#include "operator/app/health_endpoints.h"
#include "operator/app/operator_app.h"
#include "operator/app/options.h"
#include "operator/crds/crd_upgrade.h"

int main(int argc, char** argv) {
  using namespace agentguard;
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = op::parseOptions(args);
  if (!parsed.ok()) {
    std::cerr << "agentguard-operator: " << parsed.error().message << "\n";
    return 2;
  }
  const op::OperatorOptions& options = *parsed;
  if (options.help) {
    std::cout << op::usage();
    return 0;
  }
  log::Logger logger(std::cerr, options.logLevel, "operator");

  // Block the stop signals before any thread starts, so only the wait below receives them.
  process::blockStopSignals();

  auto client = kube::connectToCluster(options.kubeconfig);
  if (!client.ok()) {
    logger.error("Failed to connect to the cluster", {{"error", client.error().describe()}});
    return 1;
  }
  if (!options.upgradeCrds.empty()) {
    auto crds = op::readCrdDirectory(options.upgradeCrds);
    if (!crds.ok()) {
      logger.error("Failed to read the CustomResourceDefinitions", {{"error", crds.error().describe()}});
      return 1;
    }
    constexpr auto kEstablishedTimeout = std::chrono::seconds(60);
    if (Status upgraded = op::upgradeCrds(**client, *crds, logger, time::systemClock(), kEstablishedTimeout);
        !upgraded.ok()) {
      logger.error("Failed to upgrade the CustomResourceDefinitions", {{"error", upgraded.error().describe()}});
      return 1;
    }
    return 0;
  }
  op::SystemClock clock;
  op::OperatorApp app(**client, options, logger, clock, op::makeIdentity());

  std::unique_ptr<prometheus::Exposer> exposer;
  if (!options.metricsListen.empty()) {
    try {
      std::string address = options.metricsListen;
      if (!address.empty() && address.front() == ':') address = "0.0.0.0" + address;
      exposer = std::make_unique<prometheus::Exposer>(address);
      exposer->RegisterCollectable(app.metrics().registry());
      exposer->RegisterCollectable(app.metrics().phaseCollector());
      exposer->RegisterCollectable(app.metrics().processCollector());
      exposer->RegisterCollectable(app.backgroundScanMetrics().resultsCollector());
    } catch (const std::exception& e) {
      logger.error("Failed to listen for metrics", {{"address", options.metricsListen}, {"error", e.what()}});
      return 1;
    }
  }
  std::unique_ptr<http::Server> health;
  if (!options.healthListen.empty()) {
    http::ServerOptions serverOptions;
    serverOptions.listen = options.healthListen;
    health = std::make_unique<http::Server>(serverOptions, logger);
    op::registerHealthEndpoints(*health, [&app] { return app.ready(); });
    if (Status started = health->start(); !started.ok()) {
      logger.error("Failed to listen for health checks",
                   {{"address", options.healthListen}, {"error", started.error().describe()}});
      return 1;
    }
  }

  app.start();
  // Cached objects are replaced on every change; hand the freed pages back to the system now and then so the
  // resident size tracks what is cached, not the high-water mark of allocation churn.
  kube::StopSignal stopTrimming;
  std::thread trimmer([&stopTrimming] {
    while (!stopTrimming.waitFor(std::chrono::seconds(10))) malloc_trim(0);
  });
  const int received = process::waitForStopSignal();
  stopTrimming.stop();
  trimmer.join();
  logger.info("Stopping on signal", {{"signal", received}});
  app.stop();
  if (health) health->stop();
  return 0;
}

// agentguard-gate: reads flags, builds the gate and its endpoints, runs until SIGTERM or SIGINT, then
// stops.
#include <iostream>
#include <string>
#include <vector>

#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "common/process/stop_signals.h"
#include "gate/app/gate_app.h"
#include "gate/app/gate_flags.h"

int main(int argc, char** argv) {
  using namespace agentguard;
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = gate::app::parseGateFlags(args);
  if (!parsed.ok()) {
    std::cerr << "agentguard-gate: " << parsed.error().message << "\n";
    return 2;
  }
  const gate::app::GateFlags& flags = *parsed;
  if (flags.help) {
    std::cout << gate::app::gateUsage();
    return 0;
  }
  log::Logger logger(std::cerr, flags.logLevel, "gate");

  // Block the stop signals before any thread starts, so only the wait below receives them; a client that
  // goes away mid-write must not kill the process.
  process::blockStopSignals();
  process::ignoreBrokenPipes();

  auto client = kube::connectToCluster(flags.kubeconfig);
  if (!client.ok()) {
    logger.error("Failed to connect to the cluster", {{"error", client.error().describe()}});
    return 1;
  }
  gate::app::GateApp app(flags, **client, logger);
  if (Status started = app.start(); !started.ok()) {
    logger.error("Failed to start the gate", {{"error", started.error().describe()}});
    return 1;
  }
  const int received = process::waitForStopSignal();
  logger.info("Stopping on signal", {{"signal", received}});
  app.stop();
  return 0;
}

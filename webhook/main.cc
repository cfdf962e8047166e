// agentguard-webhook: reads flags, builds the webhook (WebhookApp), serves until SIGTERM or SIGINT.

#include <iostream>
#include <string>
#include <vector>

#include "common/log/logger.h"
#include "common/process/stop_signals.h"
#include "webhook/app/webhook_app.h"
#include "webhook/options/webhook_flags.h"

int main(int argc, char** argv) {
  using namespace agentguard;
  // Before any thread starts, so only the wait below takes the stop signals.
  process::blockStopSignals();
  process::ignoreBrokenPipes();

  auto flags = webhook::parseWebhookFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!flags) {
    std::cerr << "agentguard-webhook: " << flags.error().message << "\n\n" << webhook::webhookUsage();
    return 2;
  }
  if (flags->help) {
    std::cout << webhook::webhookUsage();
    return 0;
  }
  log::Logger logger(std::cout, flags->logLevel, "webhook");
  webhook::WebhookApp app(*flags, logger);
  if (Status started = app.start(); !started.ok()) return 1;

  // Refreshing the cache gauge and the HTTP server counters meanwhile.
  const int received = process::waitForStopSignal([&app] { app.observe(); });
  logger.info("Received signal; shutting down", {{"signal", process::stopSignalName(received)}});
  app.stop();
  logger.info("Stopped admission webhook");
  return 0;
}

// The webhook's request path for benchmarks: the same policy reloader, certificate store, review
// handler, metrics, logging and HTTPS server as agentguard-webhook, with every NetworkPolicy coming from
// a file instead of an informer (no cluster needed). Stops on SIGTERM/SIGINT.

#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "common/http/server.h"
#include "webhook/cache/network_policy_cache.h"
#include "webhook/metrics/webhook_metrics.h"
#include "webhook/options/webhook_flags.h"
#include "webhook/policy/policy_reloader.h"
#include "webhook/server/webhook_endpoints.h"
#include "webhook/tls/certificate_store.h"

using namespace agentguard;

int main(int argc, char** argv) {
  if (argc != 6 && argc != 7) {
    std::cerr << "usage: webhook_bench_server LISTEN CERT KEY POLICIES NETWORKPOLICY_JSON [WORKER_THREADS]\n";
    return 2;
  }
  // As agentguard-webhook runs it, unless the benchmark compares thread counts.
  const size_t workerThreads = argc == 7 ? std::stoul(argv[6]) : webhook::workerThreadsToRun(webhook::WebhookFlags());
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::ofstream discard("/dev/null");
  log::Logger logger(discard, log::Level::kInfo, "webhook");  // formatted like production, then dropped
  webhook::WebhookMetrics metrics;
  webhook::PolicyReloader policies(argv[4], logger);
  if (!policies.load().ok()) return 1;
  auto certificates = std::make_shared<webhook::CertificateStore>(argv[2], argv[3], logger);
  if (!certificates->load().ok()) return 1;
  webhook::NetworkPolicyCache networkPolicies(std::chrono::seconds(60));
  networkPolicies.setFeedState([] { return webhook::NetworkPolicyCache::FeedState{true, true}; });
  std::ifstream policyFile(argv[5]);
  networkPolicies.upsert(std::make_shared<const nlohmann::json>(nlohmann::json::parse(policyFile)));

  webhook::Readiness readiness;
  webhook::ReviewHandler handler(policies, &networkPolicies);
  http::ServerOptions options;
  options.listen = argv[1];
  options.tls = certificates;
  options.threads = workerThreads;
  http::Server server(options, logger);
  webhook::registerWebhookEndpoints(server, handler, metrics, readiness, logger);
  if (!server.start().ok()) return 1;
  std::cout << "ready " << server.localUrl() << " worker-threads " << workerThreads << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  server.stop();
  return 0;
}

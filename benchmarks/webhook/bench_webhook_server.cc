// The webhook's request path for benchmarks: the same policy reloader, certificate store, review
// handler, metrics, logging and HTTPS server as agentguard-webhook, with every NetworkPolicy coming from
// a file instead of an informer (no cluster needed). Stops on SIGTERM/SIGINT.
// With AGENTGUARD_BENCH_DECISION_LOG=FILE and AGENTGUARD_BENCH_DECISION_KEY=PEM it also records every
// decision as agentguard-webhook --decision-log-file does (queue, writer thread, batched fsync),
// for benchmarks/webhook/signing.sh.

#include <csignal>
#include <cstdlib>
#include <optional>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "common/decision/decision_log_queue.h"
#include "common/decision/decision_log_writer.h"
#include "common/http/server.h"
#include "webhook/admission/decision_recorder.h"
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

  std::unique_ptr<decision::DecisionLogWriter> decisionLog;
  std::optional<decision::DecisionLogQueue> decisionQueue;
  std::optional<webhook::DecisionRecorder> decisionRecorder;
  webhook::ReviewOptions reviewOptions;
  const char* logFile = std::getenv("AGENTGUARD_BENCH_DECISION_LOG");
  const char* keyFile = std::getenv("AGENTGUARD_BENCH_DECISION_KEY");
  if (logFile != nullptr && keyFile != nullptr) {
    auto key = decision::SigningKey::fromPemFile(keyFile);
    if (!key) return 1;
    auto writer = decision::DecisionLogWriter::open(logFile, std::move(*key), "bench");
    if (!writer) return 1;
    decisionLog = std::move(*writer);
    decisionQueue.emplace(*decisionLog);
    decisionRecorder.emplace(*decisionQueue, [&policies] { return policies.policyDigest(); }, "file://policies");
    reviewOptions.decisionRecorder = &*decisionRecorder;
  }

  webhook::Readiness readiness;
  webhook::ReviewHandler handler(policies, &networkPolicies, reviewOptions);
  http::ServerOptions options;
  options.listen = argv[1];
  options.tls = certificates;
  options.threads = workerThreads;
  http::Server server(options, logger);
  webhook::registerWebhookEndpoints(server, handler, metrics, readiness, logger);
  if (!server.start().ok()) return 1;
  std::cout << "ready " << server.localUrl() << " worker-threads " << workerThreads
            << (decisionRecorder ? " decision-log on" : " decision-log off") << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  server.stop();
  return 0;
}

// agentguard-webhook: reads flags, builds the webhook's parts, serves until SIGTERM or SIGINT.

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <prometheus/exposer.h>

#include "common/decision/checkpoint_sink.h"
#include "common/decision/decision_log_queue.h"
#include "common/decision/decision_log_writer.h"
#include "common/http/server.h"
#include "common/kube/cluster_config.h"
#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "webhook/admission/review_handler.h"
#include "webhook/cache/informer_binding.h"
#include "webhook/checkpoints/checkpoint_sinks.h"
#include "webhook/checkpoints/trust_configmap.h"
#include "webhook/cache/live_workloads.h"
#include "webhook/cache/network_policy_cache.h"
#include "webhook/metrics/decision_log_metrics.h"
#include "webhook/metrics/webhook_metrics.h"
#include "webhook/options/webhook_flags.h"
#include "webhook/policy/policy_reloader.h"
#include "webhook/registration/webhook_registration.h"
#include "webhook/server/webhook_endpoints.h"
#include "webhook/tls/certificate_store.h"
#include "webhook/tls/serving_secret.h"

namespace {

using namespace agentguard;

constexpr size_t kKubeClientThreads = 4;

int fail(log::Logger& logger, std::string_view what, const Error& error) {
  logger.error(what, {{"error", error.message}, {"problems", error.causes}});
  return 1;
}

int run(const webhook::WebhookFlags& flags) {
  log::Logger logger(std::cout, flags.logLevel, "webhook");
  // Before the Kubernetes client (cpprestsdk) exists; its pool only runs the NetworkPolicy watch.
  if (auto sized = http::configureWorkerThreads(kKubeClientThreads); !sized) {
    return fail(logger, "Failed to size the worker thread pool", sized.error());
  }
  webhook::WebhookMetrics metrics;

  webhook::PolicyReloader policies(flags.policyLayers, logger);
  policies.onReload([&metrics](bool ok) { metrics.policyReloaded(ok); });
  if (auto loaded = policies.load(); !loaded) return fail(logger, "Failed to compile the policies", loaded.error());

  auto clusterConfig = kube::resolveClusterConfig(flags.kubeconfig);
  if (!clusterConfig) return fail(logger, "Failed to find the Kubernetes API server", clusterConfig.error());
  auto client = kube::makeKubeClient(*clusterConfig);
  if (!client) return fail(logger, "Failed to build the Kubernetes client", client.error());

  // Self-signed mode: the certificate comes from (or is generated into) a Secret and is written to the
  // files the certificate store serves.
  std::unique_ptr<webhook::ServingSecretSync> servingSecret;
  if (!flags.tlsSelfSignedSecret.empty()) {
    const auto slash = flags.tlsSelfSignedSecret.find('/');
    webhook::ServingSecretOptions secret;
    secret.namespace_ = flags.tlsSelfSignedSecret.substr(0, slash);
    secret.name = flags.tlsSelfSignedSecret.substr(slash + 1);
    secret.ownerClusterRole = flags.registrationOwner;
    char podName[256] = {};
    gethostname(podName, sizeof(podName) - 1);
    secret.fieldManager = "agentguard-webhook/" + std::string(podName).substr(0, 100);
    secret.identity = webhook::servingIdentityFor(
        flags.tlsSelfSignedNames, std::chrono::duration_cast<std::chrono::hours>(flags.tlsSelfSignedValidity));
    servingSecret = std::make_unique<webhook::ServingSecretSync>(
        **client, std::move(secret),
        webhook::ServingFiles{flags.tlsCertFile, flags.tlsPrivateKeyFile, flags.registrationCaFile}, logger);
    if (auto synced = servingSecret->sync(); !synced) {
      return fail(logger, "Failed to read or create the serving certificate Secret", synced.error());
    }
    logger.info("Wrote the serving certificate from its Secret", {{"secret", flags.tlsSelfSignedSecret}});
  }

  auto certificates = std::make_shared<webhook::CertificateStore>(flags.tlsCertFile, flags.tlsPrivateKeyFile, logger);
  certificates->onHandshakeFailure([&metrics] { metrics.handshakeFailed(); });
  if (auto loaded = certificates->load(); !loaded) {
    return fail(logger, "Failed to load the serving certificate", loaded.error());
  }
  webhook::NetworkPolicyCache networkPolicies(flags.cacheStaleness);
  auto informer = webhook::startNetworkPolicyInformer(**client, networkPolicies, logger);

  std::unique_ptr<prometheus::Exposer> exposer;
  if (flags.metricsListen != "0") {
    auto address = http::parseListenAddress(flags.metricsListen);
    if (!address) return fail(logger, "Failed to parse --metrics-listen", address.error());
    try {
      exposer = std::make_unique<prometheus::Exposer>(address->host + ":" + std::to_string(address->port));
      exposer->RegisterCollectable(metrics.registry());
    } catch (const std::exception& error) {
      return fail(logger, "Failed to serve metrics", makeError(ErrorCode::kUnavailable, error.what()));
    }
  }

  webhook::Readiness readiness;
  readiness.add("certificate", [&certificates] {
    return webhook::Readiness::State{certificates->loaded(),
                                     certificates->loaded() ? "serial " + certificates->current().serial : "not loaded"};
  });
  readiness.add("policies", [&policies] {
    return webhook::Readiness::State{policies.engine() != nullptr, policies.status()};
  });
  readiness.add("networkpolicy-cache", [&networkPolicies] {
    const auto reason = networkPolicies.unavailableReason();
    return webhook::Readiness::State{!reason, reason ? *reason : std::to_string(networkPolicies.size()) + " cached"};
  });

  // Decision log: one writer per replica, its origin the host (Pod) name.
  std::optional<decision::CheckpointPublisher> checkpointPublisher;  // outlives the writer's last checkpoint
  std::unique_ptr<decision::DecisionLogWriter> decisionLog;
  std::optional<decision::DecisionLogQueue> decisionQueue;
  std::optional<webhook::DecisionLogMetrics> decisionMetrics;
  std::optional<webhook::DecisionRecorder> decisionRecorder;
  if (!flags.decisionLogFile.empty()) {
    auto key = decision::SigningKey::fromPemFile(flags.decisionSigningKey);
    if (!key) return fail(logger, "Failed to load the decision signing key", key.error());
    if (!flags.decisionTrustConfigMap.empty()) {
      const auto slash = flags.decisionTrustConfigMap.find('/');
      if (auto listed = webhook::publishTrustedKey(**client, flags.decisionTrustConfigMap.substr(0, slash),
                                                   flags.decisionTrustConfigMap.substr(slash + 1), *key);
          !listed) {
        logger.warn("Failed to list the decision signing key in its trust ConfigMap", {{"error", listed.error().message}});
      }
    }
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    decision::CheckpointPolicy checkpoints{.everyRecords = flags.decisionCheckpointRecords,
                                           .every = flags.decisionCheckpointInterval};
    if (auto sinks = webhook::checkpointSinksFor(flags, **client); !sinks.empty()) {
      checkpointPublisher.emplace(std::move(sinks), decision::CheckpointPublisher::Options{
          .onFailure = [&logger](const decision::CheckpointSink& sink, const Error& error) {
            logger.warn("Failed to publish a decision log checkpoint", {{"sink", sink.describe()}, {"error", error.message}});
          }});
      checkpoints.published = [&checkpointPublisher](const decision::Checkpoint& checkpoint, const std::string& note) {
        checkpointPublisher->offer(checkpoint, note);
      };
    }
    auto writer = decision::DecisionLogWriter::open(flags.decisionLogFile, std::move(*key), host, std::move(checkpoints));
    if (!writer) return fail(logger, "Failed to open the decision log", writer.error());
    decisionLog = std::move(*writer);
    decisionQueue.emplace(*decisionLog, decision::DecisionLogQueueOptions{.waitForRecord = flags.decisionLogWait});
    decisionMetrics.emplace(*metrics.registry());
    decisionRecorder.emplace(*decisionQueue, [&policies] { return policies.policyDigest(); },
                             "file://" + flags.policies, flags.decisionLogOnFailure);
    logger.info("Recording decisions", {{"file", flags.decisionLogFile}, {"origin", host},
                                        {"nextSeq", decisionLog->nextSeq()}});
  }

  webhook::ReviewOptions reviewOptions;
  if (decisionRecorder) reviewOptions.decisionRecorder = &*decisionRecorder;
  reviewOptions.limits.maxInputBytes = flags.maxRequestBytes;
  reviewOptions.limits.maxDocumentBytes = flags.maxRequestBytes;
  reviewOptions.exemptionAdmins.groups = flags.exemptionAdminGroups;
  reviewOptions.exemptionAdmins.users = flags.exemptionAdminUsers;
  reviewOptions.mode = flags.enforcementMode;
  metrics.setEnforcementMode(flags.enforcementMode);
  webhook::LiveWorkloads liveWorkloads(**client);
  reviewOptions.workloads = &liveWorkloads;
  reviewOptions.pods = &liveWorkloads;
  webhook::ReviewHandler handler(policies, &networkPolicies, reviewOptions);

  http::ServerOptions serverOptions;
  serverOptions.listen = flags.listen;
  serverOptions.tls = certificates;
  serverOptions.maxRequestBytes = flags.maxRequestBytes;
  serverOptions.threads = webhook::workerThreadsToRun(flags);
  http::Server server(serverOptions, logger);
  webhook::registerWebhookEndpoints(server, handler, metrics, readiness, logger);
  if (auto started = server.start(); !started) return fail(logger, "Failed to listen", started.error());

  policies.watch(flags.reloadInterval);
  // Registered only once ready, so the API server never calls a webhook that cannot answer.
  std::optional<webhook::WebhookRegistration> registration;
  if (!flags.registrationTemplate.empty()) {
    registration.emplace(**client,
                         webhook::RegistrationOptions{flags.registrationTemplate, flags.registrationCaFile,
                                                      flags.registrationOwner},
                         [&readiness] { return readiness.ready(); }, logger);
    certificates->holdNewCertificatesUntil(
        [&registration](const std::string& certPem) { return registration->trusts(certPem); });
    registration->start(flags.reloadInterval);
  }
  certificates->watch(flags.reloadInterval);
  // One GET per replica every 10 s (or --reload-interval when longer): a rotation (the Secret deleted)
  // reaches every replica within that.
  if (servingSecret) {
    servingSecret->start(std::max<std::chrono::milliseconds>(flags.reloadInterval, std::chrono::seconds(10)));
  }
  logger.info("Started admission webhook", {{"listen", server.localUrl()},
                                            {"metricsListen", flags.metricsListen},
                                            {"policies", flags.policies},
                                            {"enforcementMode", webhook::enforcementModeName(flags.enforcementMode)},
                                            {"workerThreads", serverOptions.threads},
                                            {"exemptionAdmins", reviewOptions.exemptionAdmins.describe()}});

  // Signals were blocked in every thread before any was created; wait for them here, refreshing the
  // cache gauge and the HTTP server counters meanwhile.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  const timespec tick{1, 0};
  int received = -1;
  while (received < 0) {
    metrics.setNetworkPolicyCacheSynced(!networkPolicies.unavailableReason());
    metrics.observeServer(server.stats());
    if (decisionQueue) decisionMetrics->observe(decisionQueue->stats());
    if (checkpointPublisher) decisionMetrics->observePublisher(checkpointPublisher->stats());
    received = sigtimedwait(&signals, nullptr, &tick);
  }
  logger.info("Received signal; shutting down", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  // The registration stays: the other replicas answer, and failurePolicy decides while none does.
  if (registration) registration->stop();
  server.stop();
  if (servingSecret) servingSecret->stop();
  certificates->stop();
  policies.stop();
  informer->stop();
  logger.info("Stopped admission webhook");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Block the shutdown signals before any thread starts, so only the main thread's wait takes them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto flags = agentguard::webhook::parseWebhookFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!flags) {
    std::cerr << "agentguard-webhook: " << flags.error().message << "\n\n" << agentguard::webhook::webhookUsage();
    return 2;
  }
  if (flags->help) {
    std::cout << agentguard::webhook::webhookUsage();
    return 0;
  }
  return run(*flags);
}

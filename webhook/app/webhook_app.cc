#include "webhook/app/webhook_app.h"

#include <algorithm>
#include <string>
#include <utility>

#include "common/process/host_name.h"
#include "webhook/cache/informer_binding.h"
#include "webhook/checkpoints/checkpoint_sinks.h"
#include "webhook/checkpoints/trust_configmap.h"

namespace agentguard::webhook {
namespace {

constexpr size_t kKubeClientThreads = 4;

}  // namespace

WebhookApp::WebhookApp(const WebhookFlags& flags, log::Logger& logger) : flags_(flags), logger_(logger) {}

WebhookApp::~WebhookApp() { stop(); }

Status WebhookApp::fail(std::string_view what, const Error& error) {
  logger_.error(what, {{"error", error.message}, {"problems", error.causes}});
  return makeError(error.code, std::string(what) + ": " + error.message);
}

Status WebhookApp::start() {
  // Before the Kubernetes client (cpprestsdk) exists; its pool only runs the NetworkPolicy watch.
  if (auto sized = http::configureWorkerThreads(kKubeClientThreads); !sized) {
    return fail("Failed to size the worker thread pool", sized.error());
  }

  policies_ = std::make_unique<PolicyReloader>(flags_.policyLayers, logger_);
  policies_->onReload([this](bool ok) { metrics_.policyReloaded(ok); });
  if (auto loaded = policies_->load(); !loaded) return fail("Failed to compile the policies", loaded.error());

  auto client = kube::connectToCluster(flags_.kubeconfig);
  if (!client) return fail("Failed to connect to the cluster", client.error());
  client_ = std::move(*client);

  if (!flags_.tlsSelfSignedSecret.empty()) {
    if (Status synced = startServingSecret(); !synced.ok()) return synced;
  }
  certificates_ = std::make_shared<CertificateStore>(flags_.tlsCertFile, flags_.tlsPrivateKeyFile, logger_);
  certificates_->onHandshakeFailure([this] { metrics_.handshakeFailed(); });
  if (auto loaded = certificates_->load(); !loaded) {
    return fail("Failed to load the serving certificate", loaded.error());
  }
  networkPolicies_ = std::make_unique<NetworkPolicyCache>(flags_.cacheStaleness);
  informer_ = startNetworkPolicyInformer(*client_, *networkPolicies_, logger_);

  if (Status served = startMetrics(); !served.ok()) return served;
  addReadinessChecks();
  if (!flags_.decisionLogFile.empty()) {
    if (Status opened = openDecisionLog(); !opened.ok()) return opened;
  }
  if (Status listening = startServer(); !listening.ok()) return listening;
  startReloading();
  return okStatus();
}

Status WebhookApp::startMetrics() {
  if (flags_.metricsListen == "0") return okStatus();
  auto address = http::parseListenAddress(flags_.metricsListen);
  if (!address) return fail("Failed to parse --metrics-listen", address.error());
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address->host + ":" + std::to_string(address->port));
    exposer_->RegisterCollectable(metrics_.registry());
    exposer_->RegisterCollectable(metrics_.processCollector());
  } catch (const std::exception& error) {
    return fail("Failed to serve metrics", makeError(ErrorCode::kUnavailable, error.what()));
  }
  return okStatus();
}

// The review handler with everything it consults, on the HTTPS server.
Status WebhookApp::startServer() {
  ReviewOptions reviewOptions;
  if (decisionRecorder_) reviewOptions.decisionRecorder = &*decisionRecorder_;
  reviewOptions.limits.maxInputBytes = flags_.maxRequestBytes;
  reviewOptions.limits.maxDocumentBytes = flags_.maxRequestBytes;
  reviewOptions.exemptionAdmins.groups = flags_.exemptionAdminGroups;
  reviewOptions.exemptionAdmins.users = flags_.exemptionAdminUsers;
  reviewOptions.mode = flags_.enforcementMode;
  metrics_.setEnforcementMode(flags_.enforcementMode);
  liveWorkloads_ = std::make_unique<LiveWorkloads>(*client_);
  reviewOptions.workloads = liveWorkloads_.get();
  reviewOptions.pods = liveWorkloads_.get();
  const std::string exemptionAdmins = reviewOptions.exemptionAdmins.describe();
  handler_ = std::make_unique<ReviewHandler>(*policies_, networkPolicies_.get(), std::move(reviewOptions));

  http::ServerOptions serverOptions;
  serverOptions.listen = flags_.listen;
  serverOptions.tls = certificates_;
  serverOptions.maxRequestBytes = flags_.maxRequestBytes;
  serverOptions.threads = workerThreadsToRun(flags_);
  server_ = std::make_unique<http::Server>(serverOptions, logger_);
  registerWebhookEndpoints(*server_, *handler_, metrics_, readiness_, logger_);
  if (auto started = server_->start(); !started) return fail("Failed to listen", started.error());
  logger_.info("Started admission webhook", {{"listen", server_->localUrl()},
                                             {"metricsListen", flags_.metricsListen},
                                             {"policies", flags_.policies},
                                             {"enforcementMode", enforcementModeName(flags_.enforcementMode)},
                                             {"workerThreads", serverOptions.threads},
                                             {"exemptionAdmins", exemptionAdmins}});
  return okStatus();
}

// Once serving: the policy and certificate reloads, the serving Secret's sync, and the registration.
void WebhookApp::startReloading() {
  policies_->watch(flags_.reloadInterval);
  // Registered only once ready, so the API server never calls a webhook that cannot answer.
  if (!flags_.registrationTemplate.empty()) {
    registration_.emplace(*client_,
                          RegistrationOptions{flags_.registrationTemplate, flags_.registrationCaFile,
                                              flags_.registrationOwner},
                          [this] { return readiness_.ready(); }, logger_);
    certificates_->holdNewCertificatesUntil(
        [this](const std::string& certPem) { return registration_->trusts(certPem); });
    registration_->start(flags_.reloadInterval);
  }
  certificates_->watch(flags_.reloadInterval);
  // One GET per replica every 10 s (or --reload-interval when longer): a rotation (the Secret deleted)
  // reaches every replica within that.
  if (servingSecret_) {
    servingSecret_->start(std::max<std::chrono::milliseconds>(flags_.reloadInterval, std::chrono::seconds(10)));
  }
}

// Self-signed mode: the certificate comes from (or is generated into) a Secret and is written to the
// files the certificate store serves.
Status WebhookApp::startServingSecret() {
  const auto slash = flags_.tlsSelfSignedSecret.find('/');
  ServingSecretOptions secret;
  secret.namespace_ = flags_.tlsSelfSignedSecret.substr(0, slash);
  secret.name = flags_.tlsSelfSignedSecret.substr(slash + 1);
  secret.ownerClusterRole = flags_.registrationOwner;
  secret.fieldManager = "agentguard-webhook/" + process::hostName().substr(0, 100);
  secret.identity = servingIdentityFor(flags_.tlsSelfSignedNames,
                                       std::chrono::duration_cast<std::chrono::hours>(flags_.tlsSelfSignedValidity));
  servingSecret_ = std::make_unique<ServingSecretSync>(
      *client_, std::move(secret), ServingFiles{flags_.tlsCertFile, flags_.tlsPrivateKeyFile, flags_.registrationCaFile},
      logger_);
  if (auto synced = servingSecret_->sync(); !synced) {
    return fail("Failed to read or create the serving certificate Secret", synced.error());
  }
  logger_.info("Wrote the serving certificate from its Secret", {{"secret", flags_.tlsSelfSignedSecret}});
  return okStatus();
}

void WebhookApp::addReadinessChecks() {
  readiness_.add("certificate", [this] {
    return Readiness::State{certificates_->loaded(),
                            certificates_->loaded() ? "serial " + certificates_->current().serial : "not loaded"};
  });
  readiness_.add("policies", [this] { return Readiness::State{policies_->engine() != nullptr, policies_->status()}; });
  readiness_.add("networkpolicy-cache", [this] {
    const auto reason = networkPolicies_->unavailableReason();
    return Readiness::State{!reason, reason ? *reason : std::to_string(networkPolicies_->size()) + " cached"};
  });
}

// Decision log: one writer per replica, its origin the host (Pod) name.
Status WebhookApp::openDecisionLog() {
  auto key = decision::SigningKey::fromPemFile(flags_.decisionSigningKey);
  if (!key) return fail("Failed to load the decision signing key", key.error());
  if (!flags_.decisionTrustConfigMap.empty()) {
    const auto slash = flags_.decisionTrustConfigMap.find('/');
    if (auto listed = publishTrustedKey(*client_, flags_.decisionTrustConfigMap.substr(0, slash),
                                        flags_.decisionTrustConfigMap.substr(slash + 1), *key);
        !listed) {
      logger_.warn("Failed to list the decision signing key in its trust ConfigMap", {{"error", listed.error().message}});
    }
  }
  const std::string origin = process::hostName();
  auto log = decision::DecisionLog::open(
      std::move(*key),
      {.file = flags_.decisionLogFile,
       .origin = origin,
       .checkpoints = {.everyRecords = flags_.decisionCheckpointRecords, .every = flags_.decisionCheckpointInterval},
       .checkpointSinks = checkpointSinksFor(flags_, *client_),
       .queue = {.waitForRecord = flags_.decisionLogWait}},
      logger_);
  if (!log) return fail("Failed to open the decision log", log.error());
  decisionLog_ = std::move(*log);
  decisionMetrics_.emplace(*metrics_.registry());
  decisionRecorder_.emplace(decisionLog_->queue(), [this] { return policies_->policyDigest(); },
                            "file://" + flags_.policies, flags_.decisionLogOnFailure);
  logger_.info("Recording decisions", {{"file", flags_.decisionLogFile}, {"origin", origin},
                                       {"nextSeq", decisionLog_->nextSeq()}});
  return okStatus();
}

void WebhookApp::observe() {
  metrics_.setNetworkPolicyCacheSynced(networkPolicies_ && !networkPolicies_->unavailableReason());
  if (server_) metrics_.observeServer(server_->stats());
  if (decisionLog_) decisionMetrics_->observe(*decisionLog_);
}

void WebhookApp::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (registration_) registration_->stop();
  if (server_) server_->stop();
  if (servingSecret_) servingSecret_->stop();
  if (certificates_) certificates_->stop();
  if (policies_) policies_->stop();
  if (informer_) informer_->stop();
}

}  // namespace agentguard::webhook

#pragma once

#include <memory>
#include <optional>

#include <prometheus/exposer.h>

#include "common/decision/decision_log.h"
#include "common/http/server.h"
#include "common/kube/informer.h"
#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "common/metrics/decision_log_metrics.h"
#include "common/result/result.h"
#include "webhook/admission/decision_recorder.h"
#include "webhook/admission/review_handler.h"
#include "webhook/cache/live_workloads.h"
#include "webhook/cache/network_policy_cache.h"
#include "webhook/metrics/webhook_metrics.h"
#include "webhook/options/webhook_flags.h"
#include "webhook/policy/policy_reloader.h"
#include "webhook/registration/webhook_registration.h"
#include "webhook/server/webhook_endpoints.h"
#include "webhook/tls/certificate_store.h"
#include "webhook/tls/serving_secret.h"

namespace agentguard::webhook {

// agentguard-webhook assembled, beside op::OperatorApp and gate::app::GateApp: policies, the serving
// certificate, the NetworkPolicy cache and its watch, metrics, readiness, the decision log and its
// checkpoint publishers, the HTTPS server and the self-registration. main() reads the flags, handles
// signals and calls observe() while it waits. Every callback a part is given reaches the others through
// this object, which stops them all before it goes.
class WebhookApp {
 public:
  WebhookApp(const WebhookFlags& flags, log::Logger& logger);
  ~WebhookApp();  // stop()
  WebhookApp(const WebhookApp&) = delete;
  WebhookApp& operator=(const WebhookApp&) = delete;

  // Builds and starts every part in order; logs and returns the first failure.
  Status start();
  // Refreshes what the metrics sample rather than count: the cache's sync, the server's and the decision
  // log's counters. main() calls it every second.
  void observe();
  // Stops serving and watching; the registration stays (the other replicas answer, and failurePolicy
  // decides while none does).
  void stop();

 private:
  Status fail(std::string_view what, const Error& error);
  Status openDecisionLog();
  Status startServingSecret();
  Status startMetrics();
  Status startServer();
  void startReloading();
  void addReadinessChecks();

  const WebhookFlags flags_;
  log::Logger& logger_;
  WebhookMetrics metrics_;
  std::unique_ptr<PolicyReloader> policies_;
  std::shared_ptr<CertificateStore> certificates_;
  std::unique_ptr<kube::KubeClient> client_;
  std::unique_ptr<ServingSecretSync> servingSecret_;  // self-signed mode; before the certificate store
  std::unique_ptr<NetworkPolicyCache> networkPolicies_;
  std::unique_ptr<kube::Informer> informer_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  Readiness readiness_;
  std::unique_ptr<decision::DecisionLog> decisionLog_;
  std::optional<metrics::DecisionLogMetrics> decisionMetrics_;
  std::optional<DecisionRecorder> decisionRecorder_;
  std::unique_ptr<LiveWorkloads> liveWorkloads_;
  std::unique_ptr<ReviewHandler> handler_;
  std::unique_ptr<http::Server> server_;
  std::optional<WebhookRegistration> registration_;
  bool stopped_ = false;
};

}  // namespace agentguard::webhook

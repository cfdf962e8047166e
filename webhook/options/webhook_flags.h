#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/decision/decision_log_queue.h"
#include "common/log/logger.h"
#include "common/result/result.h"
#include "webhook/admission/enforcement_mode.h"

namespace agentguard::webhook {

// agentguard-webhook's command line.
struct WebhookFlags {
  std::string listen = ":8443";
  std::string tlsCertFile;
  std::string tlsPrivateKeyFile;
  // Self-signed mode (webhook/tls/serving_secret.h): the Secret NAMESPACE/NAME holding the CA and serving
  // certificate, generated there by the first replica when absent, then written to the two files above
  // (and the CA to registrationCaFile). Empty: the files are provided (cert-manager, a mounted Secret).
  std::string tlsSelfSignedSecret;
  std::vector<std::string> tlsSelfSignedNames;  // DNS names and IP addresses the certificate is for
  std::chrono::milliseconds tlsSelfSignedValidity = std::chrono::hours(24 * 3650);
  // Each --policies is one policy layer, in order ("builtin" or a file or directory; later layers override
  // earlier ones: engine::compilePolicyLayers). `policies` names them all for logs and records
  // (the layers joined by ",").
  std::vector<std::string> policyLayers;
  std::string policies;
  // The ceiling on what policy findings do: enforce, warn or audit (docs/rollout.md).
  EnforcementMode enforcementMode = EnforcementMode::kEnforce;
  std::string kubeconfig;  // empty: $KUBECONFIG, in-cluster, then ~/.kube/config
  std::string metricsListen = ":9090";  // "0" disables the metrics endpoint
  log::Level logLevel = log::Level::kInfo;
  size_t maxRequestBytes = 3u * 1024u * 1024u;
  std::chrono::milliseconds cacheStaleness = std::chrono::seconds(60);
  std::chrono::milliseconds reloadInterval = std::chrono::seconds(2);
  // Threads that serve HTTPS: accepts, TLS, parsing and evaluation (http::ServerOptions::threads);
  // 0 for one per CPU the process may use (process::cpuBudget). See workerThreadsToRun.
  size_t workerThreads = 0;
  // Who may add, change or remove the agentguard.io/exempt namespace label.
  std::vector<std::string> exemptionAdminGroups = {"system:masters"};
  std::vector<std::string> exemptionAdminUsers;
  // Signed decision records (docs/decision-log.md); both empty or both set.
  std::string decisionLogFile;
  std::string decisionSigningKey;  // PKCS#8 Ed25519 or ECDSA P-256 private key PEM
  decision::OnRecordFailure decisionLogOnFailure = decision::OnRecordFailure::kDeny;
  std::chrono::milliseconds decisionLogWait = std::chrono::seconds(1);  // bounded wait for a record
  std::uint64_t decisionCheckpointRecords = 1000;
  std::chrono::milliseconds decisionCheckpointInterval = std::chrono::seconds(10);
  // Where checkpoints are also published (docs/decision-log.md); each empty for none.
  std::string decisionCheckpointFile;
  std::string decisionCheckpointUrl;
  std::string decisionCheckpointConfigMap;  // NAMESPACE/NAME
  std::string decisionTrustConfigMap;       // NAMESPACE/NAME: list the public key there on start
  // Self-registration (webhook/registration): all three set or none. Empty: someone else registers
  // the webhook (a ValidatingWebhookConfiguration applied by hand, or a webhook run outside a cluster).
  std::string registrationTemplate;  // the ValidatingWebhookConfiguration to register, JSON, no caBundle
  std::string registrationCaFile;    // the CA that signed the serving certificate, PEM
  std::string registrationOwner;     // the ClusterRole whose deletion removes the registration
  bool help = false;
};

// Parses `--name value` and `--name=value` (common/flags; durations in common/time's grammar).
// InvalidArgument names the flag and what is wrong.
Result<WebhookFlags> parseWebhookFlags(const std::vector<std::string>& args);
std::string webhookUsage();
// Every flag parseWebhookFlags reads ("--listen", ...), for the test that webhookUsage lists them all.
std::vector<std::string> webhookFlagNames();
// The number of worker threads to start: flags.workerThreads, or the process's CPU budget for auto.
size_t workerThreadsToRun(const WebhookFlags& flags);

}  // namespace agentguard::webhook

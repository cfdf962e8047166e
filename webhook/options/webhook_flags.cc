#include "webhook/options/webhook_flags.h"

#include <cstdint>
#include <optional>

#include "common/flags/flag_set.h"
#include "common/process/cpu_budget.h"
#include "common/text/comma_list.h"

namespace agentguard::webhook {
namespace {

// NAMESPACE/NAME of a ConfigMap or Secret.
flags::ValueReader namespacedName(std::string& target) {
  return [&target](const std::string& value) -> std::optional<std::string> {
    const auto slash = value.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == value.size() ||
        value.find('/', slash + 1) != std::string::npos) {
      return "expected NAMESPACE/NAME";
    }
    target = value;
    return std::nullopt;
  };
}

}  // namespace

std::string webhookUsage() {
  return R"(Usage: agentguard-webhook [FLAGS]

The agentguard validating admission webhook: POST /validate (admission.k8s.io/v1 AdmissionReview),
GET /healthz, GET /readyz over HTTPS; Prometheus metrics on a separate plain HTTP port.

Flags:
  --listen ADDR:PORT              HTTPS address (default :8443)
  --tls-cert-file FILE            serving certificate (PEM, leaf first); reloaded when it changes
  --tls-private-key-file FILE     its private key (PEM); reloaded when it changes
  --tls-self-signed-secret-name NAMESPACE/NAME
                                  self-signed mode: read the CA, certificate and key from this Secret,
                                  generating them there first when it does not exist (the first
                                  replica to start wins), and write them to the two files above and
                                  the CA to --registration-ca-file
  --tls-self-signed-names LIST    comma-separated DNS names and IP addresses of a generated
                                  certificate; required with --tls-self-signed-secret-name
  --tls-self-signed-validity DURATION
                                  validity of a generated CA and certificate (default 87600h)
  --policies DIR                  policy directory or file, or builtin (the policies built into
                                  agentguard); repeatable: each is a layer, in order, and later
                                  layers override earlier ones (--policies builtin --policies
                                  /etc/agentguard/overrides); recompiled when any layer changes
  --enforcement-mode MODE         enforce | warn | audit (default enforce): enforce refuses what deny
                                  rules find; warn admits it with a warning naming field and fix;
                                  audit admits it silently and records it (audit annotations,
                                  decision log, metrics). A rule's own action can be looser, never
                                  stricter (docs/rollout.md)
  --kubeconfig FILE               kubeconfig for the NetworkPolicy watch (default: $KUBECONFIG,
                                  in-cluster service account, then ~/.kube/config)
  --metrics-listen ADDR:PORT      Prometheus /metrics address (default :9090; 0 disables)
  --log-level LEVEL               debug | info | warn | error (default info)
  --max-request-bytes N           larger request bodies are refused with 413 (default 3145728)
  --cache-staleness DURATION      refuse pod-creating objects once the NetworkPolicy watch has been
                                  down this long (default 60s)
  --reload-interval DURATION      how often certificate and policy files are checked (default 2s)
  --worker-threads N|auto         threads serving HTTPS: accepts, TLS, parsing and evaluation
                                  (default auto: one per CPU the process may use, from its CPU
                                  affinity and cgroup CPU limit)
  --exemption-admin-groups LIST   comma-separated groups whose members may add, change or remove
                                  the agentguard.io/exempt namespace label (default system:masters)
  --exemption-admin-users LIST    comma-separated users who may do the same (default none)
  --decision-log-file PATH        append a signed record of every answered request to PATH
                                  (docs/decision-log.md); a request whose record cannot be written
                                  is refused
  --decision-signing-key FILE     the Ed25519 or ECDSA P-256 private key (PKCS#8 PEM) that signs
                                  the records; required with --decision-log-file
  --decision-log-on-failure deny|allow
                                  when a record cannot be written within --decision-log-wait (disk
                                  full, unwritable, queue full): deny refuses the request (default),
                                  allow answers it as decided and logs that it went unrecorded
  --decision-log-wait DURATION    how long a request waits for its record to be written (default 1s)
  --decision-checkpoint-records N sign a checkpoint of the log every N records (default 1000)
  --decision-checkpoint-interval DURATION
                                  and at most this long after a record it does not cover yet, even
                                  when no other record follows (default 10s)
  --decision-checkpoint-file PATH append every checkpoint to PATH as well
  --decision-checkpoint-url URL   POST every checkpoint to URL (http:// or https://)
  --decision-checkpoint-configmap NAMESPACE/NAME
                                  keep the newest checkpoint per replica in this ConfigMap (it must
                                  exist) and create an Event for every checkpoint
  --decision-trust-configmap NAMESPACE/NAME
                                  list the signing key's public key in this ConfigMap (it must
                                  exist) on start, as data.<keyid>.pem; older keys stay listed
  --registration-template FILE    register the webhook once it is ready: the
                                  ValidatingWebhookConfiguration in FILE (JSON), with the CA below as
                                  caBundle, kept current while the webhook runs (the Helm chart's way;
                                  until then the API server sends the webhook nothing)
  --registration-ca-file FILE     the CA that signed the serving certificate (PEM); with the above
  --registration-owner NAME       the ClusterRole the registration is owned by: deleting it (helm
                                  uninstall) removes the registration; with the above
  --help                          print this help
)";
}

namespace {

// Every flag and what reads its value.
void declareWebhookFlags(flags::FlagSet& set, WebhookFlags& flags) {
  set.help(flags.help);
  set.value("listen", flags::text(flags.listen));
  set.value("tls-cert-file", flags::text(flags.tlsCertFile));
  set.value("tls-private-key-file", flags::text(flags.tlsPrivateKeyFile));
  set.value("policies", [&flags](const std::string& value) -> std::optional<std::string> {
    if (value.empty()) return "needs a policy file or directory, or builtin";
    flags.policyLayers.push_back(value);
    flags.policies += (flags.policies.empty() ? "" : ",") + value;
    return std::nullopt;
  });
  set.value("tls-self-signed-secret-name", namespacedName(flags.tlsSelfSignedSecret));
  set.value("tls-self-signed-names", [&flags](const std::string& value) -> std::optional<std::string> {
    flags.tlsSelfSignedNames = text::splitCommaList(value);
    return std::nullopt;
  });
  set.value("tls-self-signed-validity", [&flags](const std::string& value) -> std::optional<std::string> {
    if (auto problem = flags::duration(flags.tlsSelfSignedValidity)(value)) return problem;
    if (flags.tlsSelfSignedValidity < std::chrono::hours(1)) return "must be at least 1h";
    return std::nullopt;
  });
  set.value("enforcement-mode", [&flags](const std::string& value) -> std::optional<std::string> {
    if (!parseEnforcementMode(value, flags.enforcementMode)) return "expected enforce, warn or audit";
    return std::nullopt;
  });
  set.value("kubeconfig", flags::text(flags.kubeconfig));
  set.value("metrics-listen", flags::text(flags.metricsListen));
  set.value("log-level", flags::logLevel(flags.logLevel));
  set.value("max-request-bytes", flags::count(flags.maxRequestBytes, 1024, SIZE_MAX,
                                              "expected a number of bytes, at least 1024"));
  set.value("cache-staleness", flags::duration(flags.cacheStaleness, flags::Zero::kAllowed));
  set.value("reload-interval", flags::duration(flags.reloadInterval));
  set.value("worker-threads", [&flags](const std::string& value) -> std::optional<std::string> {
    if (value == "auto") {
      flags.workerThreads = 0;
      return std::nullopt;
    }
    return flags::count(flags.workerThreads, 1, 256, "expected auto or a number of threads from 1 to 256")(value);
  });
  set.value("exemption-admin-groups", [&flags](const std::string& value) -> std::optional<std::string> {
    flags.exemptionAdminGroups = text::splitCommaList(value);
    return std::nullopt;
  });
  set.value("exemption-admin-users", [&flags](const std::string& value) -> std::optional<std::string> {
    flags.exemptionAdminUsers = text::splitCommaList(value);
    return std::nullopt;
  });
  set.value("decision-log-file", flags::text(flags.decisionLogFile));
  set.value("decision-signing-key", flags::text(flags.decisionSigningKey));
  set.value("decision-log-on-failure", flags::choice(flags.decisionLogOnFailure, {{"deny", decision::OnRecordFailure::kDeny},
                                                                      {"allow", decision::OnRecordFailure::kAllow}}));
  set.value("decision-log-wait", flags::duration(flags.decisionLogWait));
  set.value("decision-checkpoint-records",
            flags::count(flags.decisionCheckpointRecords, 1, UINT64_MAX, "expected a number of records, at least 1"));
  set.value("decision-checkpoint-interval", flags::duration(flags.decisionCheckpointInterval));
  set.value("decision-checkpoint-file", flags::text(flags.decisionCheckpointFile));
  set.value("decision-checkpoint-url", [&flags](const std::string& value) -> std::optional<std::string> {
    if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0) return "expected an http:// or https:// URL";
    flags.decisionCheckpointUrl = value;
    return std::nullopt;
  });
  set.value("decision-checkpoint-configmap", namespacedName(flags.decisionCheckpointConfigMap));
  set.value("decision-trust-configmap", namespacedName(flags.decisionTrustConfigMap));
  set.value("registration-template", flags::text(flags.registrationTemplate));
  set.value("registration-ca-file", flags::text(flags.registrationCaFile));
  set.value("registration-owner", flags::text(flags.registrationOwner));
}

}  // namespace

Result<WebhookFlags> parseWebhookFlags(const std::vector<std::string>& args) {
  WebhookFlags flags;
  flags::FlagSet set;
  declareWebhookFlags(set, flags);
  if (Status parsed = set.parse(args); !parsed.ok()) return parsed.error();

  if (flags.help) return flags;
  if (flags.tlsCertFile.empty() || flags.tlsPrivateKeyFile.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "--tls-cert-file and --tls-private-key-file are required");
  }
  if (flags.policies.empty()) return makeError(ErrorCode::kInvalidArgument, "--policies is required");
  if (flags.tlsSelfSignedSecret.empty() != flags.tlsSelfSignedNames.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "--tls-self-signed-secret-name and --tls-self-signed-names go together");
  }
  if (flags.decisionLogFile.empty() != flags.decisionSigningKey.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "--decision-log-file and --decision-signing-key go together");
  }
  const int registrationFlags = !flags.registrationTemplate.empty() + !flags.registrationCaFile.empty() +
                                !flags.registrationOwner.empty();
  if (registrationFlags != 0 && registrationFlags != 3) {
    return makeError(ErrorCode::kInvalidArgument,
                     "--registration-template, --registration-ca-file and --registration-owner go together");
  }
  const bool publishes = !flags.decisionCheckpointFile.empty() || !flags.decisionCheckpointUrl.empty() ||
                         !flags.decisionCheckpointConfigMap.empty() || !flags.decisionTrustConfigMap.empty();
  if (publishes && flags.decisionLogFile.empty()) {
    return makeError(ErrorCode::kInvalidArgument,
                     "--decision-checkpoint-file, -url, -configmap and --decision-trust-configmap publish the "
                     "decision log's checkpoints and key; they need --decision-log-file");
  }
  return flags;
}

std::vector<std::string> webhookFlagNames() {
  WebhookFlags unused;
  flags::FlagSet set;
  declareWebhookFlags(set, unused);
  return set.names();
}

size_t workerThreadsToRun(const WebhookFlags& flags) {
  return flags.workerThreads > 0 ? flags.workerThreads : process::cpuBudget();
}

}  // namespace agentguard::webhook

#include "webhook/options/webhook_flags.h"

#include <charconv>
#include <map>
#include <set>

#include "common/process/cpu_budget.h"
#include "common/text/comma_list.h"

namespace agentguard::webhook {
namespace {

Error badFlag(const std::string& flag, const std::string& problem) {
  return makeError(ErrorCode::kInvalidArgument, "--" + flag + ": " + problem);
}

}  // namespace

Result<std::chrono::milliseconds> parseDuration(const std::string& text) {
  static const std::map<std::string, int64_t> kUnits = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  const std::string unit(end, text.data() + text.size());
  const auto found = kUnits.find(unit);
  if (text.empty() || error != std::errc() || value < 0 || found == kUnits.end()) {
    return makeError(ErrorCode::kInvalidArgument, "\"" + text + "\" is not a duration like 500ms, 60s, 5m or 1h");
  }
  // Clocks and waits count in nanoseconds: a longer duration would overflow there, or in the multiply.
  const int64_t maxMs = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds::max()).count();
  if (value > maxMs / found->second) {
    return makeError(ErrorCode::kInvalidArgument, "\"" + text + "\" is too long: at most " +
                                                      std::to_string(maxMs / found->second) + found->first +
                                                      " (about 292 years)");
  }
  return std::chrono::milliseconds(value * found->second);
}

std::string webhookUsage() {
  return R"(Usage: agentguard-webhook [FLAGS]

The agentguard validating admission webhook: POST /validate (admission.k8s.io/v1 AdmissionReview),
GET /healthz, GET /readyz over HTTPS; Prometheus metrics on a separate plain HTTP port.

Flags:
  --listen ADDR:PORT              HTTPS address (default :8443)
  --tls-cert-file FILE            serving certificate (PEM, leaf first); reloaded when it changes
  --tls-private-key-file FILE     its private key (PEM); reloaded when it changes
  --tls-self-signed-secret NAMESPACE/NAME
                                  self-signed mode: read the CA, certificate and key from this Secret,
                                  generating them there first when it does not exist (the first
                                  replica to start wins), and write them to the two files above and
                                  the CA to --registration-ca-file
  --tls-self-signed-names LIST    comma-separated DNS names and IP addresses of a generated
                                  certificate; required with --tls-self-signed-secret
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

Result<WebhookFlags> parseWebhookFlags(const std::vector<std::string>& args) {
  WebhookFlags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) return makeError(ErrorCode::kInvalidArgument, "unexpected argument \"" + arg + "\"");
    std::string name = arg.substr(2);
    std::string value;
    const auto equals = name.find('=');
    if (equals != std::string::npos) {
      value = name.substr(equals + 1);
      name = name.substr(0, equals);
    }
    static const std::set<std::string> kKnown = {"listen", "tls-cert-file", "tls-private-key-file", "policies",
                                                 "tls-self-signed-secret", "tls-self-signed-names",
                                                 "tls-self-signed-validity",
                                                 "enforcement-mode", "kubeconfig", "metrics-listen", "log-level",
                                                 "max-request-bytes",
                                                 "cache-staleness", "reload-interval", "worker-threads",
                                                 "exemption-admin-groups", "exemption-admin-users",
                                                 "decision-log-file", "decision-signing-key",
                                                 "registration-template", "registration-ca-file",
                                                 "registration-owner",
                                                 "decision-log-on-failure", "decision-log-wait",
                                                 "decision-checkpoint-records", "decision-checkpoint-interval",
                                                 "decision-checkpoint-file", "decision-checkpoint-url",
                                                 "decision-checkpoint-configmap", "decision-trust-configmap"};
    if (kKnown.count(name) == 0) return makeError(ErrorCode::kInvalidArgument, "unknown flag --" + name);
    if (equals == std::string::npos) {
      if (i + 1 >= args.size()) return badFlag(name, "needs a value");
      value = args[++i];
    }
    if (name == "listen") {
      flags.listen = value;
    } else if (name == "tls-cert-file") {
      flags.tlsCertFile = value;
    } else if (name == "tls-private-key-file") {
      flags.tlsPrivateKeyFile = value;
    } else if (name == "tls-self-signed-secret") {
      const auto slash = value.find('/');
      if (slash == std::string::npos || slash == 0 || slash + 1 == value.size() ||
          value.find('/', slash + 1) != std::string::npos) {
        return badFlag(name, "expected NAMESPACE/NAME");
      }
      flags.tlsSelfSignedSecret = value;
    } else if (name == "tls-self-signed-names") {
      flags.tlsSelfSignedNames = text::splitCommaList(value);
    } else if (name == "tls-self-signed-validity") {
      auto duration = parseDuration(value);
      if (!duration) return badFlag(name, duration.error().message);
      if (*duration < std::chrono::hours(1)) return badFlag(name, "must be at least 1h");
      flags.tlsSelfSignedValidity = *duration;
    } else if (name == "policies") {
      if (value.empty()) return badFlag(name, "needs a policy file or directory, or builtin");
      flags.policyLayers.push_back(value);
      flags.policies += (flags.policies.empty() ? "" : ",") + value;
    } else if (name == "enforcement-mode") {
      if (!parseEnforcementMode(value, flags.enforcementMode)) return badFlag(name, "expected enforce, warn or audit");
    } else if (name == "kubeconfig") {
      flags.kubeconfig = value;
    } else if (name == "metrics-listen") {
      flags.metricsListen = value;
    } else if (name == "log-level") {
      if (!log::parseLevel(value, flags.logLevel)) return badFlag(name, "expected debug, info, warn or error");
    } else if (name == "max-request-bytes") {
      size_t bytes = 0;
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), bytes);
      if (error != std::errc() || end != value.data() + value.size() || bytes < 1024) {
        return badFlag(name, "expected a number of bytes, at least 1024");
      }
      flags.maxRequestBytes = bytes;
    } else if (name == "worker-threads") {
      if (value == "auto") {
        flags.workerThreads = 0;
        continue;
      }
      size_t threads = 0;
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), threads);
      if (error != std::errc() || end != value.data() + value.size() || threads < 1 || threads > 256) {
        return badFlag(name, "expected auto or a number of threads from 1 to 256");
      }
      flags.workerThreads = threads;
    } else if (name == "exemption-admin-groups") {
      flags.exemptionAdminGroups = text::splitCommaList(value);
    } else if (name == "exemption-admin-users") {
      flags.exemptionAdminUsers = text::splitCommaList(value);
    } else if (name == "decision-log-file") {
      flags.decisionLogFile = value;
    } else if (name == "decision-signing-key") {
      flags.decisionSigningKey = value;
    } else if (name == "registration-template") {
      flags.registrationTemplate = value;
    } else if (name == "registration-ca-file") {
      flags.registrationCaFile = value;
    } else if (name == "registration-owner") {
      flags.registrationOwner = value;
    } else if (name == "decision-log-on-failure") {
      if (value == "deny") {
        flags.decisionLogOnFailure = decision::OnRecordFailure::kDeny;
      } else if (value == "allow") {
        flags.decisionLogOnFailure = decision::OnRecordFailure::kAllow;
      } else {
        return badFlag(name, "expected deny or allow");
      }
    } else if (name == "decision-checkpoint-file") {
      flags.decisionCheckpointFile = value;
    } else if (name == "decision-checkpoint-url") {
      if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0) {
        return badFlag(name, "expected an http:// or https:// URL");
      }
      flags.decisionCheckpointUrl = value;
    } else if (name == "decision-checkpoint-configmap" || name == "decision-trust-configmap") {
      const auto slash = value.find('/');
      if (slash == std::string::npos || slash == 0 || slash + 1 == value.size() ||
          value.find('/', slash + 1) != std::string::npos) {
        return badFlag(name, "expected NAMESPACE/NAME");
      }
      (name == "decision-checkpoint-configmap" ? flags.decisionCheckpointConfigMap : flags.decisionTrustConfigMap) = value;
    } else if (name == "decision-checkpoint-records") {
      std::uint64_t records = 0;
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), records);
      if (error != std::errc() || end != value.data() + value.size() || records < 1) {
        return badFlag(name, "expected a number of records, at least 1");
      }
      flags.decisionCheckpointRecords = records;
    } else if (name == "decision-log-wait" || name == "decision-checkpoint-interval") {
      auto duration = parseDuration(value);
      if (!duration) return badFlag(name, duration.error().message);
      if (duration->count() == 0) return badFlag(name, "must be more than 0");
      (name == "decision-log-wait" ? flags.decisionLogWait : flags.decisionCheckpointInterval) = *duration;
    } else if (name == "cache-staleness" || name == "reload-interval") {
      auto duration = parseDuration(value);
      if (!duration) return badFlag(name, duration.error().message);
      (name == "cache-staleness" ? flags.cacheStaleness : flags.reloadInterval) = *duration;
    } else {
      return makeError(ErrorCode::kInvalidArgument, "unknown flag --" + name);
    }
  }
  if (flags.help) return flags;
  if (flags.tlsCertFile.empty() || flags.tlsPrivateKeyFile.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "--tls-cert-file and --tls-private-key-file are required");
  }
  if (flags.policies.empty()) return makeError(ErrorCode::kInvalidArgument, "--policies is required");
  if (flags.tlsSelfSignedSecret.empty() != flags.tlsSelfSignedNames.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "--tls-self-signed-secret and --tls-self-signed-names go together");
  }
  if (flags.reloadInterval.count() == 0) return badFlag("reload-interval", "must be more than 0");
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

size_t workerThreadsToRun(const WebhookFlags& flags) {
  return flags.workerThreads > 0 ? flags.workerThreads : process::cpuBudget();
}

}  // namespace agentguard::webhook

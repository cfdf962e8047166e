#include "operator/app/options.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "common/text/comma_list.h"
#include "operator/api/time_format.h"

namespace agentguard::op {
namespace {

Error flagError(const std::string& flag, const std::string& what) {
  return makeError(ErrorCode::kInvalidArgument, "--" + flag + ": " + what + " (see --help)");
}

bool parseInt(const std::string& text, int64_t min, int64_t max, int64_t& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (end == nullptr || *end != '\0' || value < min || value > max) return false;
  out = value;
  return true;
}

bool parseBool(const std::string& text, bool& out) {
  if (text == "true" || text == "1") {
    out = true;
  } else if (text == "false" || text == "0") {
    out = false;
  } else {
    return false;
  }
  return true;
}

// The items of a comma-separated flag value, each once, in sorted order.
std::set<std::string> commaSet(const std::string& text) {
  const std::vector<std::string> items = text::splitCommaList(text);
  return {items.begin(), items.end()};
}

}  // namespace

Result<OperatorOptions> parseOptions(const std::vector<std::string>& args) {
  OperatorOptions options;
  bool allowedGiven = false;
  const std::set<std::string> switches = {"leader-elect", "help"};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) return makeError(ErrorCode::kInvalidArgument, "unexpected argument '" + arg + "' (see --help)");
    std::string name = arg.substr(2);
    std::string value;
    bool hasValue = false;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      hasValue = true;
    }
    if (switches.count(name) != 0) {
      bool on = true;
      if (hasValue && !parseBool(value, on)) return flagError(name, "expected true or false");
      if (name == "help") options.help = on;
      if (name == "leader-elect") options.leaderElect = on;
      continue;
    }
    if (!hasValue) {
      if (i + 1 >= args.size()) return flagError(name, "needs a value");
      value = args[++i];
    }
    int64_t number = 0;
    if (name == "kubeconfig") {
      options.kubeconfig = value;
    } else if (name == "namespace") {
      options.ns = value;
    } else if (name == "default-runtime-class") {
      if (value.empty()) return flagError(name, "needs a RuntimeClass name");
      options.defaultRuntimeClass = value;
    } else if (name == "allowed-runtime-classes") {
      options.allowedRuntimeClasses = commaSet(value);
      if (options.allowedRuntimeClasses.empty()) return flagError(name, "needs at least one RuntimeClass name");
      allowedGiven = true;
    } else if (name == "cluster-cidrs") {
      for (const std::string& item : commaSet(value)) {
        const auto block = IpBlock::parse(item);
        if (!block) return flagError(name, "expected CIDR blocks separated by commas, e.g. 10.244.0.0/16,10.96.0.0/12");
        options.clusterCidrs.push_back(*block);
      }
    } else if (name == "workers") {
      if (!parseInt(value, 1, 64, number)) return flagError(name, "expected a number from 1 to 64");
      options.workers = static_cast<int>(number);
    } else if (name == "leader-election-namespace") {
      options.leaderElectionNamespace = value;
    } else if (name == "leader-election-id") {
      options.leaderElectionId = value;
    } else if (name == "leader-election-lease-duration" || name == "leader-election-renew-deadline" ||
               name == "leader-election-retry-period") {
      const auto duration = parseDuration(value);
      if (!duration || duration->count() <= 0) return flagError(name, "expected a duration such as 15s");
      (name == "leader-election-lease-duration"   ? options.leaseDuration
       : name == "leader-election-renew-deadline" ? options.renewDeadline
                                                  : options.retryPeriod) = *duration;
    } else if (name == "metrics-listen") {
      options.metricsListen = value;
    } else if (name == "health-listen") {
      options.healthListen = value;
    } else if (name == "resync-period") {
      const auto duration = parseDuration(value);
      if (!duration) return flagError(name, "expected a duration such as 5m (0s turns resync off)");
      options.resyncPeriod = std::chrono::duration_cast<std::chrono::seconds>(*duration);
    } else if (name == "kube-api-qps") {
      const double qps = std::strtod(value.c_str(), nullptr);
      if (!(qps > 0)) return flagError(name, "expected a positive number");
      options.kubeApiQps = qps;
    } else if (name == "kube-api-burst") {
      if (!parseInt(value, 1, 100000, number)) return flagError(name, "expected a positive number");
      options.kubeApiBurst = static_cast<int>(number);
    } else if (name == "gate-image") {
      options.gate.image = value;
    } else if (name == "gate-replicas") {
      if (!parseInt(value, 1, 10, number)) return flagError(name, "expected a number from 1 to 10");
      options.gate.replicas = static_cast<int>(number);
    } else if (name == "gate-resources") {
      nlohmann::json resources = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
      bool known = resources.is_object();
      if (known) {
        for (const auto& item : resources.items()) {
          known = known && (item.key() == "limits" || item.key() == "requests") && item.value().is_object();
        }
      }
      if (!known) {
        return flagError(name, "expected a JSON object with limits and requests, e.g. {\"limits\":{\"memory\":\"256Mi\"}}");
      }
      options.gate.resources = std::move(resources);
    } else if (name == "gate-cluster-role") {
      if (value.empty()) return flagError(name, "needs a ClusterRole name");
      options.gate.clusterRole = value;
    } else if (name == "gate-token-review-binding") {
      if (value.empty()) return flagError(name, "needs a ClusterRoleBinding name");
      options.gate.tokenReviewBinding = value;
    } else if (name == "background-scan-interval") {
      const auto duration = parseDuration(value);
      if (!duration || duration->count() < 0) return flagError(name, "expected a duration such as 1h (0s turns the scan off)");
      options.backgroundScanInterval = *duration;
    } else if (name == "background-scan-policies") {
      if (value.empty()) return flagError(name, "needs a policy file or directory, or builtin");
      options.backgroundScanPolicies.push_back(value);
    } else if (name == "background-scan-namespace-selector") {
      nlohmann::json selector = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
      bool known = selector.is_object();
      if (known) {
        for (const auto& item : selector.items()) {
          known = known && (item.key() == "matchLabels" || item.key() == "matchExpressions");
        }
      }
      if (!known) {
        return flagError(name, "expected a JSON LabelSelector, e.g. {\"matchExpressions\":[{\"key\":"
                               "\"kubernetes.io/metadata.name\",\"operator\":\"NotIn\",\"values\":[\"kube-system\"]}]}");
      }
      options.backgroundScanNamespaceSelector = std::move(selector);
    } else if (name == "background-scan-reports") {
      if (!parseReportFamily(value, options.backgroundScanReports)) {
        return flagError(name, "expected openreports or policyreport");
      }
    } else if (name == "background-scan-write-qps") {
      const double qps = std::strtod(value.c_str(), nullptr);
      if (!(qps > 0)) return flagError(name, "expected a positive number");
      options.backgroundScanWriteQps = qps;
    } else if (name == "log-level") {
      if (!log::parseLevel(value, options.logLevel)) return flagError(name, "expected debug, info, warn or error");
    } else {
      return makeError(ErrorCode::kInvalidArgument, "unknown flag --" + name + " (see --help)");
    }
  }
  if (!allowedGiven) options.allowedRuntimeClasses = {options.defaultRuntimeClass};
  if (options.allowedRuntimeClasses.count(options.defaultRuntimeClass) == 0) {
    return flagError("default-runtime-class", "'" + options.defaultRuntimeClass + "' is not in --allowed-runtime-classes");
  }
  if (options.leaderElect && !(options.retryPeriod < options.renewDeadline && options.renewDeadline < options.leaseDuration)) {
    return flagError("leader-election-renew-deadline",
                     "leader election needs retry-period < renew-deadline < lease-duration");
  }
  return options;
}

std::string usage() {
  return R"(Usage: agentguard-operator [flags]

Reconciles AgentSandbox resources (agentguard.io/v1alpha1) into a NetworkPolicy that denies all traffic but
an allow-list, then a Pod pinned to a sandboxed RuntimeClass.

Flags:
  --kubeconfig PATH                   kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)
  --namespace NS                      watch one namespace (default: all)
  --default-runtime-class NAME        RuntimeClass for sandboxes that name none (default gvisor)
  --allowed-runtime-classes A,B       RuntimeClasses sandboxes may ask for (default: the default class)
  --cluster-cidrs A,B                 the cluster's pod and service ranges; no sandbox may reach them
  --workers N                         concurrent reconciles (default 8)
  --leader-elect                      elect one active replica through a Lease
  --leader-election-namespace NS      the Lease's namespace (default agentguard-system)
  --leader-election-id NAME           the Lease's name (default agentguard-operator)
  --leader-election-lease-duration D  (default 15s)
  --leader-election-renew-deadline D  (default 10s)
  --leader-election-retry-period D    (default 2s)
  --metrics-listen HOST:PORT          Prometheus /metrics ("" turns it off; default :9090)
  --health-listen HOST:PORT           /healthz and /readyz ("" turns it off; default :8081)
  --resync-period D                   re-reconcile every sandbox this often (default 5m)
  --kube-api-qps N, --kube-api-burst N  client-side limit on API requests (default 300, 600)
  --log-level LEVEL                   debug, info, warn or error (default info)
  --gate-image IMAGE                  the agentguard-gate image run in each namespace whose sandboxes declare
                                      spec.tools or spec.network.egressHosts (unset: such sandboxes are blocked)
  --gate-replicas N                   the gate Deployment's replicas (default 2)
  --gate-resources JSON               the gate container's resources, e.g. {"limits":{"memory":"256Mi"}}
  --gate-cluster-role NAME            the ClusterRole bound to each gate in its namespace (default agentguard-gate)
  --gate-token-review-binding NAME    the ClusterRoleBinding (tokenreviews create) whose subjects the operator keeps
                                      to the namespaces' gates (default agentguard-gate-tokenreview)
  --background-scan-policies SOURCE   policy layer of the background audit, as the webhook's --policies
                                      (repeatable; none turns the audit off; docs/background-audit.md)
  --background-scan-interval D        scan everything the webhook guards this often (default 1h; 0s: off);
                                      a change of the compiled policies starts a scan at once
  --background-scan-namespace-selector JSON
                                      the webhook's namespaceSelector: which namespaces are scanned
                                      (default {}: every namespace)
  --background-scan-reports FAMILY    openreports (openreports.io/v1alpha1 Report, ClusterReport; default) or
                                      policyreport (wgpolicyk8s.io/v1alpha2 PolicyReport, ClusterPolicyReport)
  --background-scan-write-qps N       report writes per second at most (default 5)
)";
}

}  // namespace agentguard::op

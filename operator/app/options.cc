#include "operator/app/options.h"

#include <cstdlib>
#include <optional>

#include "common/flags/flag_set.h"
#include "common/text/comma_list.h"

namespace agentguard::op {
namespace {

// The items of a comma-separated flag value, each once, in sorted order.
std::set<std::string> commaSet(const std::string& text) {
  const std::vector<std::string> items = text::splitCommaList(text);
  return {items.begin(), items.end()};
}

// Every flag and what reads its value; `allowedGiven` records whether --allowed-runtime-classes was.
void declareOptions(flags::FlagSet& set, OperatorOptions& options, bool& allowedGiven) {
  set.help(options.help);
  set.value("kubeconfig", flags::text(options.kubeconfig));
  set.value("namespace", flags::text(options.ns));
  set.value("default-runtime-class", flags::nonEmptyText(options.defaultRuntimeClass, "a RuntimeClass name"));
  set.value("allowed-runtime-classes", [&options, &allowedGiven](const std::string& value) -> std::optional<std::string> {
    options.allowedRuntimeClasses = commaSet(value);
    if (options.allowedRuntimeClasses.empty()) return "needs at least one RuntimeClass name";
    allowedGiven = true;
    return std::nullopt;
  });
  set.value("cluster-cidrs", [&options](const std::string& value) -> std::optional<std::string> {
    for (const std::string& item : commaSet(value)) {
      const auto block = IpBlock::parse(item);
      if (!block) return "expected CIDR blocks separated by commas, e.g. 10.244.0.0/16,10.96.0.0/12";
      options.clusterCidrs.push_back(*block);
    }
    return std::nullopt;
  });
  set.value("workers", flags::count(options.workers, 1, 64, "expected a number from 1 to 64"));
  set.toggle("leader-elect", options.leaderElect);
  set.value("leader-election-namespace", flags::text(options.leaderElectionNamespace));
  set.value("leader-election-id", flags::text(options.leaderElectionId));
  set.value("leader-election-lease-duration", flags::duration(options.leaseDuration));
  set.value("leader-election-renew-deadline", flags::duration(options.renewDeadline));
  set.value("leader-election-retry-period", flags::duration(options.retryPeriod));
  set.value("metrics-listen", flags::text(options.metricsListen));
  set.value("health-listen", flags::text(options.healthListen));
  set.value("resync-period", [&options](const std::string& value) -> std::optional<std::string> {
    std::chrono::milliseconds period{};
    if (auto problem = flags::duration(period, flags::Zero::kAllowed)(value)) return *problem + "; 0s turns resync off";
    options.resyncPeriod = std::chrono::duration_cast<std::chrono::seconds>(period);
    return std::nullopt;
  });
  set.value("kube-api-qps", [&options](const std::string& value) -> std::optional<std::string> {
    const double qps = std::strtod(value.c_str(), nullptr);
    if (!(qps > 0)) return "expected a positive number";
    options.kubeApiQps = qps;
    return std::nullopt;
  });
  set.value("kube-api-burst", flags::count(options.kubeApiBurst, 1, 100000, "expected a positive number"));
  set.value("gate-image", flags::text(options.gate.image));
  set.value("gate-replicas", flags::count(options.gate.replicas, 1, 10, "expected a number from 1 to 10"));
  set.value("gate-resources", [&options](const std::string& value) -> std::optional<std::string> {
    nlohmann::json resources = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
    bool known = resources.is_object();
    if (known) {
      for (const auto& item : resources.items()) {
        known = known && (item.key() == "limits" || item.key() == "requests") && item.value().is_object();
      }
    }
    if (!known) return "expected a JSON object with limits and requests, e.g. {\"limits\":{\"memory\":\"256Mi\"}}";
    options.gate.resources = std::move(resources);
    return std::nullopt;
  });
  set.value("gate-cluster-role", flags::nonEmptyText(options.gate.clusterRole, "a ClusterRole name"));
  set.value("gate-token-review-binding", flags::nonEmptyText(options.gate.tokenReviewBinding, "a ClusterRoleBinding name"));
  set.value("background-scan-interval", [&options](const std::string& value) -> std::optional<std::string> {
    if (auto problem = flags::duration(options.backgroundScanInterval, flags::Zero::kAllowed)(value)) {
      return *problem + "; 0s turns the scan off";
    }
    return std::nullopt;
  });
  set.value("background-scan-policies", [&options](const std::string& value) -> std::optional<std::string> {
    if (value.empty()) return "needs a policy file or directory, or builtin";
    options.backgroundScanPolicies.push_back(value);
    return std::nullopt;
  });
  set.value("background-scan-namespace-selector", [&options](const std::string& value) -> std::optional<std::string> {
    nlohmann::json selector = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
    bool known = selector.is_object();
    if (known) {
      for (const auto& item : selector.items()) {
        known = known && (item.key() == "matchLabels" || item.key() == "matchExpressions");
      }
    }
    if (!known) {
      return "expected a JSON LabelSelector, e.g. {\"matchExpressions\":[{\"key\":"
             "\"kubernetes.io/metadata.name\",\"operator\":\"NotIn\",\"values\":[\"kube-system\"]}]}";
    }
    options.backgroundScanNamespaceSelector = std::move(selector);
    return std::nullopt;
  });
  set.value("background-scan-reports", [&options](const std::string& value) -> std::optional<std::string> {
    if (!parseReportFamily(value, options.backgroundScanReports)) return "expected openreports or policyreport";
    return std::nullopt;
  });
  set.value("background-scan-write-qps", [&options](const std::string& value) -> std::optional<std::string> {
    const double qps = std::strtod(value.c_str(), nullptr);
    if (!(qps > 0)) return "expected a positive number";
    options.backgroundScanWriteQps = qps;
    return std::nullopt;
  });
  set.value("log-level", flags::logLevel(options.logLevel));
  set.value("upgrade-crds", flags::nonEmptyText(options.upgradeCrds, "a directory of CRD files"));
}

}  // namespace

Result<OperatorOptions> parseOptions(const std::vector<std::string>& args) {
  OperatorOptions options;
  bool allowedGiven = false;
  flags::FlagSet set;
  declareOptions(set, options, allowedGiven);
  if (Status parsed = set.parse(args); !parsed.ok()) return parsed.error();
  if (!allowedGiven) options.allowedRuntimeClasses = {options.defaultRuntimeClass};
  if (options.allowedRuntimeClasses.count(options.defaultRuntimeClass) == 0) {
    return flags::flagError("--default-runtime-class",
                            "'" + options.defaultRuntimeClass + "' is not in --allowed-runtime-classes");
  }
  if (options.leaderElect && !(options.retryPeriod < options.renewDeadline && options.renewDeadline < options.leaseDuration)) {
    return flags::flagError("--leader-election-renew-deadline",
                            "leader election needs retry-period < renew-deadline < lease-duration");
  }
  return options;
}

std::vector<std::string> optionNames() {
  OperatorOptions unused;
  bool allowedGiven = false;
  flags::FlagSet set;
  declareOptions(set, unused, allowedGiven);
  return set.names();
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
  --upgrade-crds DIR                  create or replace the CustomResourceDefinitions in DIR/*.yaml, wait until
                                      they are Established, then exit (the chart's pre-upgrade hook)
  --help                              print this help
)";
}

}  // namespace agentguard::op

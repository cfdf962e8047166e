#pragma once

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/log/logger.h"
#include "common/result/result.h"
#include "operator/api/ip_block.h"
#include "operator/audit/report_builder.h"
#include "operator/builders/gate_builder.h"

namespace agentguard::op {

// The operator's command line.
struct OperatorOptions {
  std::string kubeconfig;                                  // --kubeconfig ("" = $KUBECONFIG, in-cluster, ~/.kube/config)
  std::string ns;                                          // --namespace ("" = all namespaces)
  std::string defaultRuntimeClass = "gvisor";              // --default-runtime-class
  std::set<std::string> allowedRuntimeClasses{"gvisor"};   // --allowed-runtime-classes a,b (default: the default class)
  std::vector<IpBlock> clusterCidrs;                       // --cluster-cidrs a,b: pod and service ranges, never egress
  int workers = 8;                                         // --workers
  bool leaderElect = false;                                // --leader-elect
  std::string leaderElectionNamespace = "agentguard-system";  // --leader-election-namespace
  std::string leaderElectionId = "agentguard-operator";       // --leader-election-id
  std::chrono::milliseconds leaseDuration{15'000};            // --leader-election-lease-duration
  std::chrono::milliseconds renewDeadline{10'000};            // --leader-election-renew-deadline
  std::chrono::milliseconds retryPeriod{2'000};               // --leader-election-retry-period
  std::string metricsListen = ":9090";                     // --metrics-listen ("" = off)
  std::string healthListen = ":8081";                      // --health-listen ("" = off)
  std::chrono::seconds resyncPeriod{300};                  // --resync-period
  double kubeApiQps = 300;                                 // --kube-api-qps
  int kubeApiBurst = 600;                                  // --kube-api-burst
  log::Level logLevel = log::Level::kInfo;                 // --log-level
  // --gate-image, --gate-replicas, --gate-resources (JSON), --gate-cluster-role, --gate-token-review-binding
  GateSettings gate{"", 2, nullptr, "agentguard-gate", "agentguard-gate-tokenreview"};
  // The background audit (docs/background-audit.md): off without policies or with a 0s interval.
  std::chrono::milliseconds backgroundScanInterval{std::chrono::hours(1)};  // --background-scan-interval
  std::vector<std::string> backgroundScanPolicies;         // --background-scan-policies (repeatable layers)
  nlohmann::json backgroundScanNamespaceSelector = nlohmann::json::object();  // --background-scan-namespace-selector
  ReportFamily backgroundScanReports = ReportFamily::kOpenReports;           // --background-scan-reports
  double backgroundScanWriteQps = 5;                       // --background-scan-write-qps
  // --upgrade-crds DIR: make the CustomResourceDefinitions in DIR's *.yaml files the cluster's, then exit
  // (the chart's pre-upgrade hook; operator/crds/crd_upgrade.h). Empty: run the operator.
  std::string upgradeCrds;
  bool help = false;                                       // --help
};

// Parses flags as "--name value" or "--name=value" (common/flags); --leader-elect and --help take no value (or
// =true/false). Durations take Go syntax (15s, 1m, 1h30m: common/time). InvalidArgument names the flag and what it
// accepts.
Result<OperatorOptions> parseOptions(const std::vector<std::string>& args);

std::string usage();
// Every flag parseOptions reads ("--kubeconfig", ...), for the test that usage() lists them all.
std::vector<std::string> optionNames();

}  // namespace agentguard::op

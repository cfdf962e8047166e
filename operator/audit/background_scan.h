#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "common/result/result.h"
#include "engine/engine.h"
#include "operator/audit/background_scan_metrics.h"
#include "operator/audit/report_builder.h"

namespace agentguard::op {

// A kind the admission webhook judges, and so the background audit lists.
struct ScannedKind {
  kube::Resource resource;
  std::string apiVersion;  // set on listed items, which the API server sends without it
  std::string kind;
};

// Every kind the webhook's registration sends it for CREATE/UPDATE (charts/agentguard/templates/
// webhook-registration.yaml), NetworkPolicies included. Kinds whose CRDs are not installed are skipped.
const std::vector<ScannedKind>& scannedKinds();

struct BackgroundScanOptions {
  std::chrono::milliseconds interval{std::chrono::hours(1)};  // --background-scan-interval (0: off)
  std::chrono::milliseconds policyCheck{std::chrono::seconds(30)};  // how often a policy change is looked for
  std::vector<std::string> policyLayers;    // --background-scan-policies, as the webhook's --policies
  nlohmann::json namespaceSelector = nlohmann::json::object();  // the webhook's namespaceSelector
  ReportFamily family = ReportFamily::kOpenReports;
  int64_t pageSize = 500;
};

// What one scan did.
struct ScanSummary {
  size_t namespaces = 0;  // guarded namespaces scanned
  size_t objects = 0;     // objects evaluated
  size_t created = 0, updated = 0, unchanged = 0, deleted = 0;
  size_t errors = 0;      // lists or writes that failed (the scan goes on without them)
  std::map<ResultKey, double> results;  // results by result, severity and rule, over every report
  double seconds = 0;
};

// The background audit (docs/background-audit.md): evaluates what already exists in the guarded
// namespaces with the webhook's engine, policies and exemptions, and keeps one report per object.
//
//   observe: the guarded namespaces, every NetworkPolicy, the objects of each scanned kind, the reports
//   plan:    buildReport per object (pure); compare with the report that exists (reportNeedsWrite)
//   apply:   create or replace what differs, delete reports whose object is gone or left the guarded
//            namespaces; writes go through `writer` (rate-limited, leader-guarded)
//
// A scan runs every `interval`, and at once when the compiled policy set changes (checked every
// `policyCheck`). Only while `leading()` is true.
class BackgroundScanner {
 public:
  BackgroundScanner(kube::KubeClient& reader, kube::KubeClient& writer, BackgroundScanOptions options,
                    BackgroundScanMetrics& metrics, log::Logger& logger, std::function<bool()> leading);
  ~BackgroundScanner();  // stop()
  BackgroundScanner(const BackgroundScanner&) = delete;
  BackgroundScanner& operator=(const BackgroundScanner&) = delete;

  // Compiles the policy layers; the error lists every problem. A failed reload keeps the last good set.
  Status loadPolicies();
  // One scan with the policies in force (loads them first if none is).
  Result<ScanSummary> scanOnce();

  void start();
  void stop();

 private:
  using ReportKey = std::pair<std::string, std::string>;  // namespace ("" for cluster reports) and name
  struct Observed;

  void run();
  Result<std::shared_ptr<const engine::Engine>> policiesInForce();
  Result<std::vector<nlohmann::json>> listKind(const ScannedKind& kind, bool& installed);
  Result<std::set<std::string, std::less<>>> guardedNamespaces();
  Result<Observed> observe(ScanSummary& summary);
  std::map<ReportKey, nlohmann::json> plan(const engine::Engine& engine, const Observed& observed,
                                           ScanSummary& summary) const;
  Result<std::map<ReportKey, nlohmann::json>> existingReports();
  void apply(const std::map<ReportKey, nlohmann::json>& desired, const std::map<ReportKey, nlohmann::json>& existing,
             const Observed& observed, ScanSummary& summary);
  void writeReport(const ReportKey& key, const nlohmann::json& report, const nlohmann::json* existing,
                   ScanSummary& summary);
  void deleteReport(const ReportKey& key, const nlohmann::json& report, ScanSummary& summary);
  void writeFailed(std::string_view message, const ReportKey& key, const Error& error, ScanSummary& summary);

  kube::KubeClient& reader_;
  kube::KubeClient& writer_;
  const BackgroundScanOptions options_;
  BackgroundScanMetrics& metrics_;
  log::Logger& logger_;
  const std::function<bool()> leading_;

  std::mutex mutex_;  // engine_ and digest_
  std::shared_ptr<const engine::Engine> engine_;
  std::string digest_;

  std::mutex scanMutex_;  // one scan at a time
  kube::StopSignal stop_;
  std::thread thread_;
};

}  // namespace agentguard::op

#include "operator/audit/background_scan.h"

#include <map>
#include <optional>
#include <set>
#include <utility>

#include "engine/network/document_network_policy_source.h"
#include "engine/network/label_selector.h"
#include "engine/network/pod_labels.h"
#include "engine/policy/policy_loader.h"

namespace agentguard::op {
namespace {

using Clock = std::chrono::steady_clock;

std::string metadataText(const nlohmann::json& object, std::string_view key) {
  if (!object.contains("metadata") || !object["metadata"].is_object()) return "";
  const auto found = object["metadata"].find(key);
  return found != object["metadata"].end() && found->is_string() ? found->get<std::string>() : "";
}

// Whether an owner of `report` is of a kind the scan could not list.
bool ownedByAnUnlistedKind(const nlohmann::json& report, const std::set<const kube::Resource*>& failedKinds) {
  const auto& owners = report.contains("metadata") ? report["metadata"].value("ownerReferences", nlohmann::json::array())
                                                   : nlohmann::json::array();
  for (const auto& kind : scannedKinds()) {
    if (failedKinds.count(&kind.resource) == 0) continue;
    for (const auto& owner : owners) {
      if (owner.value("kind", "") == kind.kind) return true;
    }
  }
  return false;
}

}  // namespace

const std::vector<ScannedKind>& scannedKinds() {
  static const std::vector<ScannedKind> kinds = {
      {{"", "v1", "pods", true}, "v1", "Pod"},
      {{"", "v1", "services", true}, "v1", "Service"},
      {{"", "v1", "replicationcontrollers", true}, "v1", "ReplicationController"},
      {{"", "v1", "podtemplates", true}, "v1", "PodTemplate"},
      {{"", "v1", "configmaps", true}, "v1", "ConfigMap"},
      {{"", "v1", "persistentvolumes", false}, "v1", "PersistentVolume"},
      {{"apps", "v1", "deployments", true}, "apps/v1", "Deployment"},
      {{"apps", "v1", "replicasets", true}, "apps/v1", "ReplicaSet"},
      {{"apps", "v1", "statefulsets", true}, "apps/v1", "StatefulSet"},
      {{"apps", "v1", "daemonsets", true}, "apps/v1", "DaemonSet"},
      {{"batch", "v1", "jobs", true}, "batch/v1", "Job"},
      {{"batch", "v1", "cronjobs", true}, "batch/v1", "CronJob"},
      {{"networking.k8s.io", "v1", "ingresses", true}, "networking.k8s.io/v1", "Ingress"},
      {{"networking.k8s.io", "v1", "networkpolicies", true}, "networking.k8s.io/v1", "NetworkPolicy"},
      {{"agentguard.io", "v1alpha1", "agentsandboxes", true}, "agentguard.io/v1alpha1", "AgentSandbox"},
      {{"agents.x-k8s.io", "v1alpha1", "sandboxes", true}, "agents.x-k8s.io/v1alpha1", "Sandbox"},
      {{"extensions.agents.x-k8s.io", "v1alpha1", "sandboxtemplates", true}, "extensions.agents.x-k8s.io/v1alpha1",
       "SandboxTemplate"},
  };
  return kinds;
}

BackgroundScanner::BackgroundScanner(kube::KubeClient& reader, kube::KubeClient& writer, BackgroundScanOptions options,
                                     BackgroundScanMetrics& metrics, log::Logger& logger,
                                     std::function<bool()> leading)
    : reader_(reader),
      writer_(writer),
      options_(std::move(options)),
      metrics_(metrics),
      logger_(logger),
      leading_(std::move(leading)) {}

BackgroundScanner::~BackgroundScanner() { stop(); }

Status BackgroundScanner::loadPolicies() {
  auto loaded = engine::loadPolicyLayers(options_.policyLayers);
  if (!loaded) {
    metrics_.failed("policies");
    return loaded.error();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  digest_ = loaded->digest;
  engine_ = std::make_shared<const engine::Engine>(std::make_shared<const engine::PolicySet>(std::move(*loaded)));
  return okStatus();
}

Result<std::vector<nlohmann::json>> BackgroundScanner::listKind(const ScannedKind& kind, bool& installed) {
  installed = true;
  kube::ListOptions list;
  list.limit = options_.pageSize;
  auto listed = reader_.listAll(kind.resource, "", list);
  if (!listed) {
    // A kind whose CRD is not installed: nothing of it exists to judge.
    if (listed.error().code == ErrorCode::kNotFound) {
      installed = false;
      return std::vector<nlohmann::json>{};
    }
    return listed.error();
  }
  for (auto& item : listed->items) {
    item["apiVersion"] = kind.apiVersion;
    item["kind"] = kind.kind;
  }
  return std::move(listed->items);
}

// What one scan sees.
struct BackgroundScanner::Observed {
  std::set<std::string, std::less<>> guarded;             // the guarded namespaces
  std::vector<std::vector<nlohmann::json>> listedByKind;  // per scannedKinds() entry; empty when its list failed
  std::vector<engine::SharedObject> networkPolicies;      // every NetworkPolicy, guarded namespace or not
  std::set<const kube::Resource*> failedKinds;            // their reports are kept: absence was not observed
};

Result<ScanSummary> BackgroundScanner::scanOnce() {
  std::lock_guard<std::mutex> scanning(scanMutex_);
  auto engine = policiesInForce();
  if (!engine) return engine.error();
  const auto started = Clock::now();
  ScanSummary summary;

  auto observed = observe(summary);
  if (!observed) return observed.error();
  const std::map<ReportKey, nlohmann::json> desired = plan(**engine, *observed, summary);
  auto existing = existingReports();
  if (!existing) return existing.error();
  apply(desired, *existing, *observed, summary);

  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  metrics_.scanFinished(seconds, summary.objects, summary.results, now);
  summary.seconds = seconds;
  return summary;
}

Result<std::shared_ptr<const engine::Engine>> BackgroundScanner::policiesInForce() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (engine_) return engine_;
  }
  if (Status loaded = loadPolicies(); !loaded) return loaded.error();
  std::lock_guard<std::mutex> lock(mutex_);
  return engine_;
}

// The namespaces the webhook's namespaceSelector picks.
Result<std::set<std::string, std::less<>>> BackgroundScanner::guardedNamespaces() {
  kube::ListOptions paged;
  paged.limit = options_.pageSize;
  auto namespaces = reader_.listAll(kube::resources::namespaces(), "", paged);
  if (!namespaces) {
    metrics_.failed("list");
    return makeError(namespaces.error().code, "listing Namespaces failed: " + namespaces.error().message);
  }
  std::set<std::string, std::less<>> guarded;
  for (const auto& ns : namespaces->items) {
    const nlohmann::json* labels = ns.contains("metadata") && ns["metadata"].contains("labels")
                                       ? &ns["metadata"]["labels"]
                                       : nullptr;
    auto matched = engine::selectorMatch(options_.namespaceSelector, engine::PodLabels::exactly(labels));
    if (!matched) {
      metrics_.failed("list");
      return makeError(ErrorCode::kInvalidArgument,
                       "--background-scan-namespace-selector: " + matched.error().message);
    }
    if (*matched == engine::SelectorMatch::kAll) guarded.insert(metadataText(ns, "name"));
  }
  return guarded;
}

// The guarded namespaces, then every object of each scanned kind. A kind that cannot be listed is counted
// as an error and skipped, except NetworkPolicies: without every one of them the network-isolation rules
// cannot judge, so the scan stops rather than report workloads on a partial view.
Result<BackgroundScanner::Observed> BackgroundScanner::observe(ScanSummary& summary) {
  Observed observed;
  auto guarded = guardedNamespaces();
  if (!guarded) return guarded.error();
  observed.guarded = std::move(*guarded);
  summary.namespaces = observed.guarded.size();

  for (const auto& kind : scannedKinds()) {
    bool installed = true;
    auto items = listKind(kind, installed);
    if (!items) {
      ++summary.errors;
      metrics_.failed("list");
      observed.failedKinds.insert(&kind.resource);
      logger_.warn("Failed to list objects for the background scan",
                   {{"resource", kind.resource.resource}, {"error", items.error().message}});
      observed.listedByKind.emplace_back();
      continue;
    }
    if (kind.kind == "NetworkPolicy") {
      for (const auto& item : *items) observed.networkPolicies.push_back(std::make_shared<const nlohmann::json>(item));
    }
    observed.listedByKind.push_back(std::move(*items));
  }
  for (const auto& kind : scannedKinds()) {
    if (kind.kind == "NetworkPolicy" && observed.failedKinds.count(&kind.resource) != 0) {
      return makeError(ErrorCode::kUnavailable, "listing NetworkPolicies failed; the scan was abandoned");
    }
  }
  return observed;
}

// The report each object in a guarded namespace (or cluster-scoped) should have; counts the objects and
// the results into `summary`.
std::map<BackgroundScanner::ReportKey, nlohmann::json> BackgroundScanner::plan(const engine::Engine& engine,
                                                                               const Observed& observed,
                                                                               ScanSummary& summary) const {
  const engine::DocumentNetworkPolicySource policySource(observed.networkPolicies, "default");
  const auto& kinds = scannedKinds();
  std::map<ReportKey, nlohmann::json> desired;
  for (size_t i = 0; i < kinds.size(); ++i) {
    for (const auto& object : observed.listedByKind[i]) {
      ScannedObject scanned;
      if (!ScannedObject::from(object, scanned)) continue;
      if (kinds[i].resource.namespaced && observed.guarded.count(scanned.namespace_) == 0) continue;
      ObjectVerdict verdict;
      engine::EvaluationContext context;
      context.networkPolicies = &policySource;
      context.defaultNamespace = scanned.namespace_.empty() ? std::string_view("default") : scanned.namespace_;
      // Reported, never hidden: a skipped rule shows as a skip result with the reason the object gives.
      context.honourSkipAnnotations = true;
      context.exemptedRules = &verdict.exemptedRules;
      verdict.findings = engine.evaluate(object, context);
      ++summary.objects;
      nlohmann::json report = buildReport(options_.family, scanned, engine.policies(), verdict);
      if (report.is_null()) continue;
      for (const auto& result : report["results"]) {
        summary.results[{result["result"].get<std::string>(), result.value("severity", ""),
                         result["rule"].get<std::string>()}] += 1;
      }
      desired.emplace(ReportKey{scanned.namespace_, scanned.uid}, std::move(report));
    }
  }
  return desired;
}

// The reports that exist (only the audit's own).
Result<std::map<BackgroundScanner::ReportKey, nlohmann::json>> BackgroundScanner::existingReports() {
  std::map<ReportKey, nlohmann::json> existing;
  kube::ListOptions ours;
  ours.limit = options_.pageSize;
  ours.labelSelector = std::string(kReportManagedByLabel) + "=" + std::string(kReportManagedBy);
  for (const bool namespaced : {true, false}) {
    auto listed = reader_.listAll(reportResource(options_.family, namespaced), "", ours);
    if (!listed) {
      metrics_.failed("list");
      return makeError(listed.error().code, "listing " + reportResource(options_.family, namespaced).resource +
                                                " failed (are the report CRDs installed?): " + listed.error().message);
    }
    for (auto& item : listed->items) {
      existing.emplace(ReportKey{metadataText(item, "namespace"), metadataText(item, "name")}, std::move(item));
    }
  }
  return existing;
}

// Creates or replaces what differs; deletes the reports no object wants any more, except those of a kind
// that could not be listed, which stay until it can be.
void BackgroundScanner::apply(const std::map<ReportKey, nlohmann::json>& desired,
                              const std::map<ReportKey, nlohmann::json>& existing, const Observed& observed,
                              ScanSummary& summary) {
  for (const auto& [key, report] : desired) {
    const auto found = existing.find(key);
    writeReport(key, report, found == existing.end() ? nullptr : &found->second, summary);
  }
  for (const auto& [key, report] : existing) {
    if (desired.count(key) == 0 && !ownedByAnUnlistedKind(report, observed.failedKinds)) {
      deleteReport(key, report, summary);
    }
  }
}

void BackgroundScanner::writeReport(const ReportKey& key, const nlohmann::json& report, const nlohmann::json* existing,
                                    ScanSummary& summary) {
  const auto& resource = reportResource(options_.family, !key.first.empty());
  kube::WriteOptions write;
  write.fieldManager = "agentguard-background-scan";
  if (existing == nullptr) {
    auto created = writer_.create(resource, key.first, report, write);
    if (created) {
      ++summary.created;
      metrics_.reportWritten("created");
      return;
    }
    if (created.error().code == ErrorCode::kNotFound) return;  // the namespace is being deleted
    writeFailed("Failed to create a report", key, created.error(), summary);
    return;
  }
  if (!reportNeedsWrite(*existing, report)) {
    ++summary.unchanged;
    metrics_.reportWritten("unchanged");
    return;
  }
  auto replaced = writer_.replace(resource, key.first, key.second, reportReplacing(*existing, report), "", write);
  if (replaced) {
    ++summary.updated;
    metrics_.reportWritten("updated");
    return;
  }
  // A conflict is settled by the next scan, from a fresh read.
  writeFailed("Failed to update a report", key, replaced.error(), summary);
}

void BackgroundScanner::deleteReport(const ReportKey& key, const nlohmann::json& report, ScanSummary& summary) {
  const auto& resource = reportResource(options_.family, !key.first.empty());
  kube::DeleteOptions remove;
  remove.preconditionResourceVersion = metadataText(report, "resourceVersion");
  const Status removed = writer_.remove(resource, key.first, key.second, remove);
  if (removed || removed.error().code == ErrorCode::kNotFound) {
    ++summary.deleted;
    metrics_.reportWritten("deleted");
    return;
  }
  writeFailed("Failed to delete a stale report", key, removed.error(), summary);
}

// A report write that failed: counted, and logged with the report it was for. The scan goes on.
void BackgroundScanner::writeFailed(std::string_view message, const ReportKey& key, const Error& error,
                                    ScanSummary& summary) {
  ++summary.errors;
  metrics_.failed("write");
  logger_.warn(message, {{"namespace", key.first}, {"report", key.second}, {"error", error.message}});
}

void BackgroundScanner::start() {
  if (thread_.joinable() || options_.interval.count() <= 0) return;
  thread_ = std::thread([this] { run(); });
}

void BackgroundScanner::stop() {
  stop_.stop();
  if (thread_.joinable()) thread_.join();
}

void BackgroundScanner::run() {
  std::string scannedDigest;
  std::optional<Clock::time_point> lastScan;
  const auto tick = std::min(options_.policyCheck, options_.interval);
  do {
    std::string trigger;
    if (Status loaded = loadPolicies(); !loaded) {
      logger_.error("Failed to compile the policies for the background scan; the last good set stays in force",
                    {{"error", loaded.error().message}, {"problems", loaded.error().causes}});
    }
    std::string digest;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      digest = digest_;
    }
    if (!lastScan || Clock::now() - *lastScan >= options_.interval) {
      trigger = "interval";
    } else if (!digest.empty() && digest != scannedDigest) {
      trigger = "policy-change";
    }
    if (trigger.empty() || digest.empty() || !leading_()) continue;
    metrics_.scanStarted(trigger);
    auto scanned = scanOnce();
    lastScan = Clock::now();
    if (!scanned) {
      logger_.error("Background scan failed", {{"trigger", trigger}, {"error", scanned.error().message}});
      continue;
    }
    scannedDigest = digest;
    logger_.info("Completed background scan",
                 {{"trigger", trigger}, {"namespaces", scanned->namespaces}, {"objects", scanned->objects},
                  {"created", scanned->created}, {"updated", scanned->updated}, {"unchanged", scanned->unchanged},
                  {"deleted", scanned->deleted}, {"errors", scanned->errors}, {"seconds", scanned->seconds}});
  } while (!stop_.waitFor(tick));
}

}  // namespace agentguard::op

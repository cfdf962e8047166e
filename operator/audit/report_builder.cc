#include "operator/audit/report_builder.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace agentguard::op {
namespace {

const kube::Resource kOpenReports{"openreports.io", "v1alpha1", "reports", true};
const kube::Resource kOpenClusterReports{"openreports.io", "v1alpha1", "clusterreports", false};
const kube::Resource kPolicyReports{"wgpolicyk8s.io", "v1alpha2", "policyreports", true};
const kube::Resource kClusterPolicyReports{"wgpolicyk8s.io", "v1alpha2", "clusterpolicyreports", false};

std::string apiVersionOf(ReportFamily family) {
  return family == ReportFamily::kOpenReports ? "openreports.io/v1alpha1" : "wgpolicyk8s.io/v1alpha2";
}

std::string kindOf(ReportFamily family, bool namespaced) {
  if (family == ReportFamily::kOpenReports) return namespaced ? "Report" : "ClusterReport";
  return namespaced ? "PolicyReport" : "ClusterPolicyReport";
}

// The policy that enabled each rule (the last layer's name when layers override it).
std::map<std::string, std::string, std::less<>> policyOfRule(const engine::PolicySet& policies) {
  std::map<std::string, std::string, std::less<>> byRule;
  for (const auto& binding : policies.rules) {
    const std::string& name =
        binding.policy < policies.policies.size() ? policies.policies[binding.policy].name : kReportSource.data();
    byRule[binding.definition->info.id] = name;
  }
  return byRule;
}

std::string_view resultOf(const engine::Finding& finding) {
  if (!finding.skipReason.empty()) return "skip";
  return finding.action == engine::Action::kWarn ? "warn" : "fail";
}

nlohmann::json resultEntry(std::string policy, std::string rule, std::string category, std::string_view severity,
                           std::string_view result, std::string message, nlohmann::json properties) {
  nlohmann::json entry = {{"source", kReportSource},
                          {"policy", std::move(policy)},
                          {"rule", std::move(rule)},
                          {"result", result},
                          {"scored", true},
                          {"message", std::move(message)}};
  if (!category.empty()) entry["category"] = std::move(category);
  if (!severity.empty()) entry["severity"] = severity;
  if (!properties.empty()) entry["properties"] = std::move(properties);
  return entry;
}

std::string fieldText(const nlohmann::json& object, std::string_view key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

// What the API server adds to labels is kept; only the audit's own keys must match.
bool labelsCovered(const nlohmann::json& existing, const nlohmann::json& desired) {
  const nlohmann::json* have = existing.contains("metadata") ? &existing["metadata"] : nullptr;
  const nlohmann::json& want = desired["metadata"]["labels"];
  if (have == nullptr || !have->contains("labels") || !(*have)["labels"].is_object()) return want.empty();
  for (const auto& [key, value] : want.items()) {
    const auto found = (*have)["labels"].find(key);
    if (found == (*have)["labels"].end() || *found != value) return false;
  }
  return true;
}

nlohmann::json valueOr(const nlohmann::json& object, std::string_view key, nlohmann::json fallback) {
  const auto found = object.find(key);
  return found != object.end() ? *found : fallback;
}

}  // namespace

std::string_view reportFamilyName(ReportFamily family) {
  return family == ReportFamily::kOpenReports ? "openreports" : "policyreport";
}

bool parseReportFamily(std::string_view text, ReportFamily& family) {
  if (text == "openreports") {
    family = ReportFamily::kOpenReports;
  } else if (text == "policyreport") {
    family = ReportFamily::kPolicyReport;
  } else {
    return false;
  }
  return true;
}

const kube::Resource& reportResource(ReportFamily family, bool namespaced) {
  if (family == ReportFamily::kOpenReports) return namespaced ? kOpenReports : kOpenClusterReports;
  return namespaced ? kPolicyReports : kClusterPolicyReports;
}

bool ScannedObject::from(const nlohmann::json& object, ScannedObject& out) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) return false;
  const nlohmann::json& metadata = object["metadata"];
  out.apiVersion = fieldText(object, "apiVersion");
  out.kind = fieldText(object, "kind");
  out.namespace_ = fieldText(metadata, "namespace");
  out.name = fieldText(metadata, "name");
  out.uid = fieldText(metadata, "uid");
  return !out.name.empty() && !out.uid.empty() && !out.kind.empty() && !out.apiVersion.empty();
}

nlohmann::json buildReport(ReportFamily family, const ScannedObject& object, const engine::PolicySet& policies,
                           const ObjectVerdict& verdict) {
  const auto policyOf = policyOfRule(policies);
  const auto policyName = [&policyOf](const std::string& rule) {
    const auto found = policyOf.find(rule);
    return found != policyOf.end() ? found->second : std::string(kReportSource);
  };

  std::vector<nlohmann::json> results;
  std::set<std::string, std::less<>> reported;
  for (const auto& finding : verdict.findings) {
    reported.insert(finding.rule);
    nlohmann::json properties = {{"path", finding.path}, {"action", engine::actionName(finding.action)}};
    if (!finding.fix.empty()) properties["fix"] = finding.fix;
    if (!finding.skipReason.empty()) properties["skipReason"] = finding.skipReason;
    results.push_back(resultEntry(policyName(finding.rule), finding.rule, finding.category,
                                  engine::severityName(finding.severity), resultOf(finding), finding.message,
                                  std::move(properties)));
  }
  const std::set<std::string, std::less<>> exempted(verdict.exemptedRules.begin(), verdict.exemptedRules.end());
  for (const auto& binding : policies.rules) {
    const std::string& rule = binding.definition->info.id;
    if (reported.count(rule) != 0) continue;
    reported.insert(rule);
    const bool isExempted = exempted.count(rule) != 0;
    results.push_back(resultEntry(policyName(rule), rule, binding.definition->info.category,
                                  engine::severityName(binding.severity), isExempted ? "skip" : "pass",
                                  isExempted ? "exempted by the policy set's exemptions" : binding.definition->info.title,
                                  nlohmann::json::object()));
  }
  if (results.empty()) return nullptr;

  std::sort(results.begin(), results.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    const auto key = [](const nlohmann::json& entry) {
      return std::make_tuple(entry["rule"].get<std::string>(),
                             entry.contains("properties") ? fieldText(entry["properties"], "path") : std::string(),
                             entry["message"].get<std::string>());
    };
    return key(a) < key(b);
  });
  std::map<std::string, int> summary = {{"pass", 0}, {"fail", 0}, {"warn", 0}, {"error", 0}, {"skip", 0}};
  for (const auto& entry : results) ++summary[entry["result"].get<std::string>()];

  const bool namespaced = !object.namespace_.empty();
  nlohmann::json metadata = {
      {"name", object.uid},
      {"labels", {{std::string(kReportManagedByLabel), kReportManagedBy}}},
      {"ownerReferences",
       nlohmann::json::array({{{"apiVersion", object.apiVersion},
                               {"kind", object.kind},
                               {"name", object.name},
                               {"uid", object.uid}}})}};
  if (namespaced) metadata["namespace"] = object.namespace_;
  nlohmann::json scope = {{"apiVersion", object.apiVersion}, {"kind", object.kind}, {"name", object.name},
                          {"uid", object.uid}};
  if (namespaced) scope["namespace"] = object.namespace_;
  return nlohmann::json{{"apiVersion", apiVersionOf(family)},
                        {"kind", kindOf(family, namespaced)},
                        {"metadata", std::move(metadata)},
                        {"source", kReportSource},
                        {"scope", std::move(scope)},
                        {"summary", summary},
                        {"results", std::move(results)}};
}

bool reportNeedsWrite(const nlohmann::json& existing, const nlohmann::json& desired) {
  if (!existing.is_object()) return true;
  if (!labelsCovered(existing, desired)) return true;
  const nlohmann::json none;
  const nlohmann::json& metadata = existing.contains("metadata") ? existing["metadata"] : none;
  if (valueOr(metadata, "ownerReferences", nlohmann::json::array()) != desired["metadata"]["ownerReferences"]) {
    return true;
  }
  for (const char* key : {"source", "scope", "summary", "results"}) {
    if (valueOr(existing, key, nullptr) != desired[key]) return true;
  }
  return false;
}

nlohmann::json reportReplacing(const nlohmann::json& existing, nlohmann::json desired) {
  if (existing.contains("metadata") && existing["metadata"].contains("resourceVersion")) {
    desired["metadata"]["resourceVersion"] = existing["metadata"]["resourceVersion"];
  }
  return desired;
}

}  // namespace agentguard::op

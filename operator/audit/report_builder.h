#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/resource.h"
#include "engine/finding.h"
#include "engine/policy/policy_set.h"

namespace agentguard::op {

// Which report API the background audit writes (one family per install: --background-scan-reports).
enum class ReportFamily {
  kOpenReports,   // openreports.io/v1alpha1 Report / ClusterReport
  kPolicyReport,  // wgpolicyk8s.io/v1alpha2 PolicyReport / ClusterPolicyReport
};

std::string_view reportFamilyName(ReportFamily family);  // "openreports" | "policyreport"
bool parseReportFamily(std::string_view text, ReportFamily& family);

// The report resource of a family: Report/PolicyReport when namespaced, the Cluster kind otherwise.
const kube::Resource& reportResource(ReportFamily family, bool namespaced);

constexpr std::string_view kReportSource = "agentguard";
// Every report the audit writes carries this label, so it lists (and removes) only its own.
constexpr std::string_view kReportManagedByLabel = "app.kubernetes.io/managed-by";
constexpr std::string_view kReportManagedBy = "agentguard-background-scan";

// The object a report is about: its identity as the API server gave it.
struct ScannedObject {
  std::string apiVersion;
  std::string kind;
  std::string namespace_;  // empty for cluster-scoped objects
  std::string name;
  std::string uid;

  // Reads apiVersion, kind and metadata; false when uid or name is missing (an object the API server
  // returned always has both).
  static bool from(const nlohmann::json& object, ScannedObject& out);
};

// What the engine said about one object: its findings and the enabled rules an exemption kept from it.
struct ObjectVerdict {
  engine::Findings findings;
  std::vector<std::string> exemptedRules;
};

// The report of one object: one result per finding (fail for deny and audit, warn for warn, skip for a
// finding the object's agentguard.io/skip annotation skipped, with its reason), skip for each rule an
// exemption covers, and pass for every other enabled rule. Results are sorted (rule, path, message) and
// carry no timestamp, so the same verdict always builds the same report. Owner-referenced to the object
// (garbage-collected with it), named after its UID. Null when there are no results (no rule enabled).
nlohmann::json buildReport(ReportFamily family, const ScannedObject& object, const engine::PolicySet& policies,
                           const ObjectVerdict& verdict);

// Whether `existing` (as read from the API server) must be rewritten to become `desired`: compares what
// the audit owns (labels it sets, owner references, scope, summary, results) and ignores what the API
// server adds.
bool reportNeedsWrite(const nlohmann::json& existing, const nlohmann::json& desired);

// `desired` with the resourceVersion of `existing`, for a compare-and-swap replace.
nlohmann::json reportReplacing(const nlohmann::json& existing, nlohmann::json desired);

}  // namespace agentguard::op

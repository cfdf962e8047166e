#include "webhook/admission/decision_recorder.h"

#include "common/time/rfc3339.h"

namespace agentguard::webhook {
namespace {

constexpr std::string_view kVerifierId = "https://agentguard.io/webhook";

// allow | warn | deny | audit: the strongest action among the findings that shaped the answer.
std::string actionOf(const AdmissionResponse& response, const engine::Findings& findings) {
  if (!response.allowed) return "deny";
  if (!response.warnings.empty()) return "warn";
  for (const engine::Finding& finding : findings) {
    if (finding.action == engine::Action::kAudit) return "audit";
  }
  return "allow";
}

}  // namespace

DecisionRecorder::DecisionRecorder(decision::DecisionLogQueue& log, std::function<std::string()> policyDigest,
                                   std::string policyUri, OnRecordFailure onFailure,
                                   const time::Clock& clock)
    : log_(log),
      policyDigest_(std::move(policyDigest)),
      policyUri_(std::move(policyUri)),
      onFailure_(onFailure),
      clock_(clock) {}

Status DecisionRecorder::record(const AdmissionRequest& request, const engine::Findings& findings,
                                AdmissionResponse& response, EnforcementMode mode) const {
  decision::Decision record;
  record.verifierId = std::string(kVerifierId);
  record.timeVerified = time::formatRfc3339(clock_.wallNow());
  record.group = request.group;
  record.version = request.version;
  record.kind = request.kind;
  record.namespace_ = request.namespace_;
  record.name = request.name;
  record.object = request.object;
  record.policyUri = policyUri_;
  record.policyDigest = policyDigest_();
  record.passed = response.allowed;
  record.uid = request.uid;
  record.operation = request.operation;
  record.dryRun = request.dryRun;
  record.user = request.username;
  record.groups = request.groups;
  record.action = actionOf(response, findings);
  record.mode = std::string(enforcementModeName(mode));
  for (const engine::Finding& finding : findings) {
    record.findings.push_back({finding.rule, std::string(engine::severityName(finding.severity)), finding.path});
  }
  Result<std::string> digest = log_.record(std::move(record));
  if (!digest) return digest.error();
  response.auditAnnotations.emplace_back(std::string(kDecisionAnnotation), std::move(*digest));
  return okStatus();
}

}  // namespace agentguard::webhook

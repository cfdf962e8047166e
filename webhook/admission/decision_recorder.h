#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/decision/decision_log_queue.h"
#include "common/time/clock.h"
#include "engine/finding.h"
#include "webhook/admission/admission_request.h"
#include "webhook/admission/enforcement_mode.h"
#include "webhook/admission/response_builder.h"

namespace agentguard::webhook {

// The audit annotation that links Kubernetes' audit log to the decision record: the API server
// records it as "<webhook name>/decision" with the value "sha256:<hex of the envelope line>".
constexpr std::string_view kDecisionAnnotation = "decision";

using decision::OnRecordFailure;

// Writes one signed decision record (docs/decision-log.md) per answered admission request and puts
// the record's digest into the response's audit annotations. When the record cannot be written within
// the queue's bounded wait the review handler refuses the request instead, or with OnRecordFailure::kAllow
// answers it as decided and logs that no record was written.
class DecisionRecorder {
 public:
  DecisionRecorder(decision::DecisionLogQueue& log, std::function<std::string()> policyDigest, std::string policyUri,
                   OnRecordFailure onFailure = OnRecordFailure::kDeny,
                   const time::Clock& clock = time::systemClock());

  OnRecordFailure onFailure() const { return onFailure_; }

  // Records `response` to `request`, answered under `mode`, and annotates it with the record's digest;
  // Unavailable when the record could not be written (the response is then left as it was).
  Status record(const AdmissionRequest& request, const engine::Findings& findings, AdmissionResponse& response,
                EnforcementMode mode = EnforcementMode::kEnforce) const;

 private:
  decision::DecisionLogQueue& log_;
  std::function<std::string()> policyDigest_;
  std::string policyUri_;
  OnRecordFailure onFailure_;
  const time::Clock& clock_;
};

}  // namespace agentguard::webhook

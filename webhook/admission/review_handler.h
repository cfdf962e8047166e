#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/manifest/parse_limits.h"
#include "common/time/clock.h"
#include "engine/engine.h"
#include "engine/network/network_policy_source.h"
#include "webhook/admission/admission_request.h"
#include "webhook/admission/decision_recorder.h"
#include "webhook/admission/enforcement_mode.h"
#include "webhook/admission/ephemeral_containers.h"
#include "webhook/admission/exemption_guard.h"
#include "webhook/admission/response_builder.h"

namespace agentguard::webhook {

// Where the handler gets the compiled policies; the policy reloader swaps them while requests run.
class EngineSource {
 public:
  virtual ~EngineSource() = default;
  // Null until a policy set has been compiled; requests are then refused (fail closed).
  virtual std::shared_ptr<const engine::Engine> engine() const = 0;
};

// What the webhook decided, as a metric label value.
enum class Decision {
  kAllow,    // admitted, nothing to say (audit annotations may be set)
  kWarn,     // admitted with warnings
  kDeny,     // refused by a deny rule
  kError,    // refused because it could not be evaluated (fail closed)
  kInvalid,  // the body was not an AdmissionReview (HTTP 400)
};
std::string_view decisionName(Decision decision);

// Which part of a request is checked.
enum class Scope {
  kSkip,                 // not checked: CONNECT, subresources that cannot change what rules see
  kObject,               // the new object, whole
  kEphemeralContainers,  // pods/ephemeralcontainers: each ephemeral container with what it inherits
  kRemoval,              // DELETE: the object as it was, by the rules that judge removals
};
Scope scopeOf(const AdmissionRequest& request);

// One answered POST /validate, with what logs and metrics need (never the object).
struct ReviewOutcome {
  int httpStatus = 200;
  std::string contentType = "application/json";
  std::string body;
  Decision decision = Decision::kError;
  std::string error;  // why the body was refused (400) or evaluation failed; empty otherwise
  // The request's identity, empty when the body could not be decoded.
  std::string uid, kind, namespace_, name, operation, subResource;
  bool dryRun = false;
  std::vector<std::string> deniedRules;  // distinct rule ids of deny findings
  std::vector<std::string> warnedRules;
  std::vector<std::string> auditedRules;  // distinct rule ids of audit findings (admitted, recorded)
  engine::Findings findings;  // what the answer was built from, for the decision record
};

struct ReviewOptions {
  manifest::ParseLimits limits;  // applied to the request body
  ExemptionAdmins exemptionAdmins;  // who may change the namespace exemption label
  // The cluster's workloads, for network-isolation.policy-loosening; null: that rule stays silent.
  const engine::WorkloadSource* workloads = nullptr;
  // Where Pods are read for pods/ephemeralcontainers before Kubernetes 1.22 (the request lacks the
  // pod's settings); null: such requests are refused.
  const PodSource* pods = nullptr;
  const time::Clock* clock = &time::systemClock();  // the wall time exemptions expire by
  // When set, every answered request is recorded first; a record that cannot be written refuses it.
  const DecisionRecorder* decisionRecorder = nullptr;
  // The ceiling on what the policies' findings do (docs/rollout.md). The webhook's own guards (the
  // exemption label, skip annotations) and requests it cannot evaluate are refused in every mode: an
  // exemption granted during a warn rollout would outlive it.
  EnforcementMode mode = EnforcementMode::kEnforce;
};

// POST /validate: AdmissionReview in, AdmissionReview out. Pure apart from the engine source and the
// NetworkPolicy source it reads; no side effects, so dry-run requests are evaluated like any other.
// Besides the policies, it guards the namespace exemption label (see exemption_guard.h).
class ReviewHandler {
 public:
  ReviewHandler(const EngineSource& engines, const engine::NetworkPolicySource* networkPolicies,
                ReviewOptions options = {});

  // Never throws: a body that is not an AdmissionReview is answered 400; any failure while evaluating
  // a decoded request refuses it (allowed: false, code 500).
  ReviewOutcome review(std::string_view body) const;

  // The decision for one decoded request. Throws only on a bug (caught by review()).
  AdmissionResponse evaluate(const AdmissionRequest& request, ReviewOutcome& outcome) const;

 private:
  // The engine's findings for the part of the request `scope` names. Unavailable when something the
  // evaluation needs cannot be read (the request is then refused).
  Result<engine::Findings> findingsFor(const engine::Engine& engine, Scope scope, const AdmissionRequest& request,
                                       const nlohmann::json& oldObject) const;

  const EngineSource& engines_;
  const engine::NetworkPolicySource* networkPolicies_;
  ReviewOptions options_;
};

}  // namespace agentguard::webhook

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/api/time_format.h"

namespace agentguard::op {

constexpr std::string_view kConditionReady = "Ready";
constexpr std::string_view kConditionNetworkIsolated = "NetworkIsolated";
constexpr std::string_view kConditionRuntimeSandboxed = "RuntimeSandboxed";
constexpr std::string_view kConditionBlocked = "Blocked";
constexpr std::string_view kConditionFailed = "Failed";

// Stable reasons (programs may rely on them).
namespace reasons {
constexpr std::string_view kForbiddenTemplateField = "ForbiddenTemplateField";
constexpr std::string_view kInvalidSpec = "InvalidSpec";
constexpr std::string_view kRuntimeClassNotFound = "RuntimeClassNotFound";
constexpr std::string_view kRuntimeClassNotAllowed = "RuntimeClassNotAllowed";
constexpr std::string_view kNameConflict = "NameConflict";
constexpr std::string_view kReferenceNotReady = "ReferenceNotReady";  // a named Secret or claim is not usable yet
constexpr std::string_view kSelectedByOtherObject = "SelectedByOtherObject";  // another policy or Service selects the Pod
constexpr std::string_view kQuotaExceeded = "QuotaExceeded";
constexpr std::string_view kApiError = "APIError";
constexpr std::string_view kExpired = "Expired";
constexpr std::string_view kPodFailed = "PodFailed";
constexpr std::string_view kPodDeleted = "PodDeleted";
constexpr std::string_view kSucceeded = "Succeeded";
constexpr std::string_view kGateNotConfigured = "GateNotConfigured";  // tools or egressHosts, and no --gate-image
}  // namespace reasons

struct Condition {
  std::string type;
  std::string status;  // True | False | Unknown
  std::string reason;
  std::string message;
  int64_t observedGeneration = 0;
  std::string lastTransitionTime;

  bool operator==(const Condition&) const = default;
};

// status of an AgentSandbox. Empty strings are omitted from the JSON.
struct SandboxStatus {
  std::string phase;
  std::string podName;
  std::string podIP;
  std::string runtimeClassName;
  std::string className;  // the AgentSandboxClass the sandbox is bound to (never changes once set)
  std::string networkPolicyName;
  std::string egress;
  std::string gateAddress;  // the ClusterIP of the namespace's agentguard-gate, for a sandbox that uses it
  std::string startTime;
  std::string finishTime;
  std::string expiresAt;
  int64_t observedGeneration = 0;
  std::vector<Condition> conditions;

  bool operator==(const SandboxStatus&) const = default;

  nlohmann::json toJson() const;
  static SandboxStatus fromJson(const nlohmann::json& status);
  const Condition* condition(std::string_view type) const;
  bool finished() const { return phase == "Succeeded" || phase == "Failed" || phase == "Expired"; }
};

// Sets `condition` in `conditions` (replacing the one of the same type). lastTransitionTime is kept when the
// status did not change, and set to `now` when it did or the condition is new.
void setCondition(std::vector<Condition>& conditions, Condition condition, const std::string& now);

// What a reconcile observed, for computeStatus.
struct PodObservation {
  std::string name;
  std::string phase;  // Pending | Running | Succeeded | Failed | Unknown
  bool ready = false;
  std::string podIP;
  std::string runtimeClassName;
  std::string creationTimestamp;
};

struct Problem {
  std::string reason;
  std::string message;
};

// kKept: the spec is refused, so the NetworkPolicy in force is left as it was (never widened by a refused edit).
enum class NetworkState { kApplied, kKept, kPending, kFailed };
enum class Terminal { kNone, kSucceeded, kPodFailed, kPodDeleted, kExpired };

struct StatusInputs {
  int64_t generation = 0;
  std::string runtimeClassName;
  std::string className;
  std::string networkPolicyName;
  std::string egressSummary;
  std::string gateAddress;
  std::optional<Problem> blocker;  // no Pod will be created: reason is one of the Blocked reasons
  NetworkState network = NetworkState::kPending;
  std::string networkMessage;
  std::optional<PodObservation> pod;
  std::optional<Problem> failure;  // the last write failed (QuotaExceeded, APIError); it is being retried
  Terminal terminal = Terminal::kNone;
  std::string terminalMessage;
  std::optional<WallTime> expiresAt;
};

// The status a sandbox should have, from what was observed and the status it has (for the times that must not
// move). Pure: the same inputs give the same status.
SandboxStatus computeStatus(const StatusInputs& inputs, const SandboxStatus& previous, WallTime now);

}  // namespace agentguard::op

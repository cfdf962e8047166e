#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result/result.h"
#include "operator/api/agent_sandbox.h"
#include "operator/builders/gate_builder.h"
#include "operator/events/event_recorder.h"
#include "operator/reconciler/observe.h"
#include "operator/status/sandbox_status.h"

namespace agentguard::op {

// What became of the NetworkPolicy in a reconcile: planned (every write succeeds) or as apply() found it.
struct NetworkOutcome {
  NetworkState state = NetworkState::kPending;
  std::string message;
  bool confirmed = false;  // seen as desired in an answer of the API server during this reconcile
  std::optional<Error> error;
  std::optional<Problem> blocker;
};

// The one write (if any) that brings the NetworkPolicy to what the sandbox needs, and what it leads to.
struct NetworkStep {
  enum class Kind {
    kNone,           // it is as it should be, or it is not ours to change
    kCreate,         // there is none (as far as the cache knows)
    kReplace,        // it drifted, or lost its finalizer: `body` restores it
    kRemoveEarlier,  // it belongs to an earlier AgentSandbox of the same name: remove it, then make ours
    kRelease,        // someone deleted it and there is no Pod to protect: lift our finalizer, recreate later
  };
  Kind kind = Kind::kNone;
  nlohmann::json body;  // kCreate, kReplace
  nlohmann::json live;  // the policy there is (all but kCreate)
  NetworkOutcome outcome;
};

// The actions of a plan, in the order apply() performs them.
struct AddFinalizer {};
struct EnsureNetworkPolicy {
  NetworkStep step;
  nlohmann::json desired;  // what a fresh policy is made of
  bool podExists = false;
  bool keepLive = false;    // the spec is refused: the rules in force stay
  std::string egress;       // status.egress of the policy `desired`
  std::string keptEgress;   // status.egress while the policy is kept as it was
};
struct DeletePod {
  nlohmann::json pod;
  std::string why;
  std::optional<std::chrono::milliseconds> requeueOnSuccess;
  bool reportIfStillThere = false;  // if the deletion fails, status still shows this Pod
};
struct RecordEvent {
  EventType type = EventType::kNormal;
  std::string reason;
  std::string message;
};
struct CreatePod {
  nlohmann::json pod;            // built from the bound spec
  nlohmann::json podTemplate;    // spec.template, whose references are judged just before the Pod is created
  nlohmann::json networkPolicy;  // the policy that must be in force (confirmed by the API server) first
  std::string runtimeClass;
  bool first = true;                          // no Pod was made before (Created rather than Recreated)
  std::optional<std::string> serviceAccount;  // the dedicated ServiceAccount to ensure first
  bool create = true;                         // false: a class lookup failed; only the ServiceAccount is ensured
};
struct DeleteSandbox {
  std::string why;
};
struct DeleteNetworkPolicy {  // teardown: lift our finalizer, delete, and wait until it is gone
  nlohmann::json live;
};
struct RemoveFinalizer {};  // teardown: the last step
// The namespace's agentguard-gate: every object applied (server-side apply, so a drifted or deleted one is put back),
// and the gate's ServiceAccount listed in the TokenReview ClusterRoleBinding.
struct EnsureGate {
  std::vector<GateObject> objects;
  std::string tokenReviewBinding;  // "" when the operator keeps no such binding
};
// The last sandbox of the namespace that used the gate stopped using it (or went): its objects go, and the
// TokenReview ClusterRoleBinding no longer lists it.
struct RemoveGate {
  std::string tokenReviewBinding;
};
using Action = std::variant<AddFinalizer, EnsureNetworkPolicy, DeletePod, RecordEvent, CreatePod, DeleteSandbox,
                            DeleteNetworkPolicy, RemoveFinalizer, EnsureGate, RemoveGate>;

// "CreatePod", "DeletePod: the sandbox expired", "Event Expired" (for tests and logs).
std::string describe(const Action& action);

// What a reconcile does, computed from what it observed alone.
struct Plan {
  WallTime now;  // the time the plan was made for
  std::vector<Action> actions;
  // The status the sandbox should have once every action succeeded. Absent: it is not written (the sandbox is
  // being deleted). apply() corrects it with what its writes found.
  std::optional<StatusInputs> status;
  std::optional<Error> error;  // known before any write: a lookup failed
  std::optional<std::chrono::milliseconds> requeueAfter;
  std::optional<std::chrono::milliseconds> expiryTimer;  // wake at expiry (the earliest timer wins)
  std::optional<std::chrono::milliseconds> ttlTimer;     // wake when the time-to-live after finishing ends
  std::optional<std::string> deleteAfterStatus;          // the time-to-live passed: why the sandbox is deleted
};

// The plan for one AgentSandbox. Pure: the same snapshot and time give the same plan.
Plan planFor(const Observed& observed, WallTime now);

// The step for the NetworkPolicy, given the one there is (`live`, or none). `liveFromServer`: it was read from
// the API server in this reconcile. Pure; apply() uses it again when the cache missed a policy that exists.
NetworkStep planNetworkPolicy(const SandboxMeta& sandbox, const std::optional<nlohmann::json>& live,
                              const nlohmann::json& desired, bool podExists, bool keepLive, bool liveFromServer);

// Folds what became of the NetworkPolicy into the status inputs (the policy's blocker comes before any other).
void recordNetworkOutcome(StatusInputs& in, const NetworkOutcome& outcome, const EnsureNetworkPolicy& action);

// The events for a Blocked or Failed condition that becomes True or changes its reason.
std::vector<RecordEvent> transitionEvents(const StatusInputs& in, const SandboxStatus& previous);

}  // namespace agentguard::op

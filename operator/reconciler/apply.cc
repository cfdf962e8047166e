// Longer than most files, for a reason: it is all of the reconciler's I/O, one perform() per action the
// pure plan (plan.cc) can ask for. Keeping every write here keeps plan.cc free of it, and the ordering
// guarantees (never a Pod without its NetworkPolicy confirmed) readable in one file.
#include "operator/reconciler/apply.h"

#include <algorithm>

#include "common/kube/resource.h"
#include "operator/builders/gate_builder.h"
#include "operator/builders/network_policy_builder.h"
#include "operator/builders/owned_objects.h"
#include "operator/reconciler/object_fields.h"
#include "operator/reconciler/template_references.h"

namespace agentguard::op {

using nlohmann::json;
using std::chrono::milliseconds;

namespace {

kube::WriteOptions writeOptions() {
  kube::WriteOptions options;
  options.fieldManager = std::string(kFieldManager);
  return options;
}

kube::DeleteOptions onlyThisOne(const json& object) {
  kube::DeleteOptions options;
  options.preconditionUid = uidOf(object);
  return options;
}

// Creating in a namespace that is being deleted: nothing to fix, the sandbox is about to be deleted too.
bool isNamespaceTerminating(const Error& error) {
  return error.code == ErrorCode::kForbidden && error.message.find("because it is being terminated") != std::string::npos;
}

bool isQuotaError(const Error& error) {
  return error.code == ErrorCode::kForbidden && error.message.find("exceeded quota") != std::string::npos;
}

// 400, 413 and 422: the object built from this spec will never be accepted. Retrying cannot help; the sandbox is
// blocked until its spec changes.
bool isRefusedObject(const Error& error) { return error.code == ErrorCode::kInvalidArgument; }

Problem refusedObject(const std::string& what, const Error& error) {
  return Problem{std::string(reasons::kInvalidSpec),
                 "The API server refused " + what + " built from this spec: " + error.describe() + "; fix the spec"};
}

// A write to the NetworkPolicy that failed: a refused object blocks the sandbox, anything else is retried.
NetworkOutcome failedPolicyWrite(std::string message, const std::string& name, const Error& error) {
  NetworkOutcome out;
  out.state = NetworkState::kFailed;
  out.message = std::move(message);
  if (isRefusedObject(error)) {
    out.blocker = refusedObject("NetworkPolicy " + name, error);
  } else {
    out.error = error;
  }
  return out;
}

class Applier {
 public:
  Applier(const ClusterAccess& cluster, const Observed& observed, const Plan& plan)
      : c_(cluster), o_(observed), plan_(plan), meta_(observed.meta), in_(plan.status.value_or(StatusInputs{})) {
    result_.requeueAfter = plan.requeueAfter;
  }

  ReconcileResult run();

  bool perform(const AddFinalizer&);
  bool perform(const EnsureNetworkPolicy& action);
  bool perform(const DeletePod& action);
  bool perform(const RecordEvent& action);
  bool perform(const CreatePod& action);
  bool perform(const DeleteSandbox& action);
  bool perform(const DeleteNetworkPolicy& action);
  bool perform(const RemoveFinalizer&);
  bool perform(const EnsureGate& action);
  bool perform(const RemoveGate& action);

 private:
  log::Field who() const { return {"agentSandbox", meta_.key()}; }
  void fail(const Error& error) {
    if (!result_.error) result_.error = error;
  }
  void event(EventType type, std::string_view reason, std::string message) {
    c_.events.record(meta_, type, reason, std::move(message));
  }
  void rememberSandbox(const json& object) {
    const ClusterView& view = c_.view;
    c_.writes.remember(RecentWrites::Kind::kSandbox, object,
                       [&view, ns = meta_.ns, name = meta_.name] { return view.sandbox(ns, name); });
  }
  void rememberPolicy(const json& object) {
    const ClusterView& view = c_.view;
    c_.writes.remember(RecentWrites::Kind::kNetworkPolicy, object,
                       [&view, ns = meta_.ns, name = networkPolicyName(meta_)] { return view.networkPolicy(ns, name); });
  }

  NetworkOutcome networkPolicy(const EnsureNetworkPolicy& action);
  NetworkOutcome write(const NetworkStep& step);
  bool removeNetworkPolicyFinalizer(const json& live);
  bool confirmNetworkPolicy(const json& desired);
  void createPod(const CreatePod& action);
  void deleteSandbox(std::string_view why);
  void writeStatus(const SandboxStatus& desired);
  std::optional<Error> listGateSubject(const std::string& binding, bool listed);

  const ClusterAccess& c_;
  const Observed& o_;
  const Plan& plan_;
  SandboxMeta meta_;       // as last written (adding the finalizer changes its resourceVersion)
  StatusInputs in_;        // the planned status, corrected by what the writes find
  NetworkOutcome network_;  // what became of the NetworkPolicy
  ReconcileResult result_;
};

ReconcileResult Applier::run() {
  auto next = plan_.actions.begin();
  // The finalizer comes first: a sandbox it cannot be added to is left as it is until the next reconcile.
  if (next != plan_.actions.end() && std::holds_alternative<AddFinalizer>(*next)) {
    if (!perform(AddFinalizer{})) return result_;
    ++next;
  }
  if (plan_.error) fail(*plan_.error);
  for (; next != plan_.actions.end(); ++next) {
    if (!std::visit([this](const auto& a) { return perform(a); }, *next)) return result_;
  }
  if (!plan_.status) return result_;
  // Status, only when it changed; events on the transitions people need to see.
  const SandboxStatus desired = computeStatus(in_, o_.previous, plan_.now);
  for (RecordEvent& transition : transitionEvents(in_, o_.previous)) {
    if (transition.reason == "Blocked") c_.logger.warn("Blocked AgentSandbox", {who(), {"reason", in_.blocker->reason}});
    event(transition.type, transition.reason, std::move(transition.message));
  }
  if (desired != o_.previous) writeStatus(desired);
  // Timers: expiry (the earliest wins) and time-to-live after finishing.
  if (plan_.expiryTimer) {
    result_.requeueAfter = result_.requeueAfter ? std::min(*result_.requeueAfter, *plan_.expiryTimer) : *plan_.expiryTimer;
  }
  if (plan_.ttlTimer) result_.requeueAfter = plan_.ttlTimer;
  if (plan_.deleteAfterStatus) deleteSandbox(*plan_.deleteAfterStatus);
  return result_;
}

bool Applier::perform(const AddFinalizer&) {
  auto finalizers = meta_.finalizers;
  finalizers.emplace_back(kFinalizer);
  const json patch = {{"metadata", {{"finalizers", finalizers}, {"resourceVersion", meta_.resourceVersion}}}};
  auto patched = c_.client.mergePatch(kube::resources::agentSandboxes(), meta_.ns, meta_.name, patch, "",
                                      writeOptions());
  if (!patched.ok()) {
    if (patched.error().code != ErrorCode::kNotFound) fail(patched.error());
    return false;
  }
  rememberSandbox(*patched);
  meta_ = readMeta(*patched);
  return true;
}

bool Applier::perform(const EnsureNetworkPolicy& action) {
  network_ = networkPolicy(action);
  recordNetworkOutcome(in_, network_, action);
  if (network_.error) fail(*network_.error);
  return true;
}

// Creates the policy the plan found missing; when it exists after all (the cache lagged), decides again on the one
// the API server has.
NetworkOutcome Applier::networkPolicy(const EnsureNetworkPolicy& action) {
  if (action.step.kind != NetworkStep::Kind::kCreate) return write(action.step);
  const std::string name = networkPolicyName(meta_);
  auto created = c_.client.create(kube::resources::networkPolicies(), meta_.ns, action.step.body, writeOptions());
  if (created.ok()) {
    rememberPolicy(*created);
    c_.logger.info("Created NetworkPolicy", {who(), {"networkPolicy", name}});
    return action.step.outcome;
  }
  if (isNamespaceTerminating(created.error())) {
    NetworkOutcome out;
    out.message = "The namespace is being deleted";
    return out;
  }
  if (created.error().code != ErrorCode::kAlreadyExists) {
    return failedPolicyWrite("Could not create NetworkPolicy " + name + ": " + created.error().describe(), name,
                             created.error());
  }
  auto fetched = c_.client.get(kube::resources::networkPolicies(), meta_.ns, name);
  if (!fetched.ok()) {
    NetworkOutcome out;
    out.state = NetworkState::kFailed;
    out.error = fetched.error();
    out.message = "Could not read NetworkPolicy " + name + ": " + fetched.error().describe();
    return out;
  }
  return write(planNetworkPolicy(meta_, *fetched, action.desired, action.podExists, action.keepLive, true));
}

NetworkOutcome Applier::write(const NetworkStep& step) {
  const std::string name = networkPolicyName(meta_);
  switch (step.kind) {
    case NetworkStep::Kind::kNone:
    case NetworkStep::Kind::kCreate:  // planNetworkPolicy() plans a create only when there is no policy
      break;
    case NetworkStep::Kind::kRemoveEarlier:
      if (removeNetworkPolicyFinalizer(step.live)) {
        (void)c_.client.remove(kube::resources::networkPolicies(), meta_.ns, name, onlyThisOne(step.live));
      }
      break;
    case NetworkStep::Kind::kRelease:
      removeNetworkPolicyFinalizer(step.live);
      break;
    case NetworkStep::Kind::kReplace: {
      auto replaced =
          c_.client.replace(kube::resources::networkPolicies(), meta_.ns, name, step.body, "", writeOptions());
      if (!replaced.ok()) {
        return failedPolicyWrite("Could not restore NetworkPolicy " + name + ": " + replaced.error().describe(), name,
                                 replaced.error());
      }
      rememberPolicy(*replaced);
      c_.logger.info("Restored NetworkPolicy", {who(), {"networkPolicy", name}});
      event(EventType::kWarning, "Restored",
            "Restored NetworkPolicy " + name + ": it had been changed and no longer matched the AgentSandbox");
      break;
    }
  }
  return step.outcome;
}

bool Applier::removeNetworkPolicyFinalizer(const json& live) {
  if (!hasOurFinalizer(live)) return true;
  const json patch = {
      {"metadata", {{"finalizers", finalizersWithoutOurs(live)}, {"resourceVersion", resourceVersionOf(live)}}}};
  auto patched = c_.client.mergePatch(kube::resources::networkPolicies(), meta_.ns, networkPolicyName(meta_), patch,
                                      "", writeOptions());
  if (!patched.ok() && patched.error().code != ErrorCode::kNotFound) {
    fail(patched.error());
    return false;
  }
  if (patched.ok()) rememberPolicy(*patched);
  return true;
}

// A quorum read: is the NetworkPolicy there and as desired, right now?
bool Applier::confirmNetworkPolicy(const json& desired) {
  const std::string name = networkPolicyName(meta_);
  auto live = c_.client.get(kube::resources::networkPolicies(), meta_.ns, name);
  if (!live.ok()) {
    fail(live.error().code == ErrorCode::kNotFound
             ? makeError(ErrorCode::kUnavailable, "NetworkPolicy " + name + " is not in place yet")
             : live.error());
    return false;
  }
  if (!networkPolicyMatches(desired, *live) || !isControlledBy(*live, meta_)) {
    fail(makeError(ErrorCode::kUnavailable, "NetworkPolicy " + name + " does not match yet"));
    return false;
  }
  return true;
}

bool Applier::perform(const DeletePod& action) {
  const std::string name = podName(meta_);
  const Status removed = c_.client.remove(kube::resources::pods(), meta_.ns, name, onlyThisOne(action.pod));
  if (!removed.ok() && removed.error().code != ErrorCode::kNotFound) {
    fail(removed.error());
    if (action.reportIfStillThere) in_.pod = observePod(action.pod);
    return true;
  }
  c_.writes.rememberDeleted(RecentWrites::Kind::kPod, meta_.ns, name, uidOf(action.pod));
  c_.logger.info("Deleted Pod", {who(), {"pod", name}, {"why", action.why}});
  event(EventType::kNormal, "Deleted", "Deleted Pod " + name + ": " + action.why);
  if (action.requeueOnSuccess) result_.requeueAfter = action.requeueOnSuccess;
  return true;
}

bool Applier::perform(const RecordEvent& action) {
  event(action.type, action.reason, action.message);
  return true;
}

// Never a Pod without its NetworkPolicy in force: whatever the plan assumed, the policy must have come out as
// desired in this reconcile and be confirmed by the API server.
bool Applier::perform(const CreatePod& action) {
  if (network_.state != NetworkState::kApplied || in_.blocker) return true;
  if (!network_.confirmed && !confirmNetworkPolicy(action.networkPolicy)) return true;
  std::optional<Error> accountError;
  if (action.serviceAccount) {
    if (auto conflict = ensureDedicatedServiceAccount(c_.client, meta_, *action.serviceAccount, accountError)) {
      in_.blocker = std::move(conflict);
    }
  }
  if (accountError) fail(*accountError);
  if (!in_.blocker && !accountError && action.create) createPod(action);
  return true;
}

void Applier::createPod(const CreatePod& action) {
  const std::string name = podName(meta_);
  // --- What the template names (Secrets, claims) is judged on those objects, before every Pod ---
  const ReferenceVerdict references = checkTemplateReferences(c_.client, meta_.ns, action.podTemplate);
  if (references.error) {
    fail(*references.error);
    in_.failure = Problem{std::string(reasons::kApiError),
                          "Could not read what spec.template names: " + references.error->describe()};
    return;
  }
  if (references.blocker) {
    in_.blocker = references.blocker;
    // Secrets and claims are not watched: look again while waiting for one.
    if (references.blocker->reason == reasons::kReferenceNotReady) result_.requeueAfter = c_.options.referenceRecheck;
    return;
  }
  auto created = c_.client.create(kube::resources::pods(), meta_.ns, action.pod, writeOptions());
  if (created.ok()) {
    in_.pod = observePod(*created);
    const ClusterView& view = c_.view;
    c_.writes.remember(RecentWrites::Kind::kPod, *created, [&view, ns = meta_.ns, name] { return view.pod(ns, name); });
    c_.logger.info("Created Pod", {who(), {"pod", name}, {"runtimeClass", action.runtimeClass},
                                   {"networkPolicy", networkPolicyName(meta_)}});
    event(EventType::kNormal, action.first ? "Created" : "Recreated",
          (action.first ? "Created Pod " : "Recreated Pod ") + name + " with RuntimeClass " + action.runtimeClass +
              " behind NetworkPolicy " + networkPolicyName(meta_));
    if (action.first && c_.metrics != nullptr && meta_.creationTimestamp) {
      c_.metrics->observePodCreation(
          std::chrono::duration<double>(c_.clock.wallNow() - *meta_.creationTimestamp).count());
    }
    return;
  }
  const Error& error = created.error();
  if (error.code == ErrorCode::kAlreadyExists) {
    auto fetched = c_.client.get(kube::resources::pods(), meta_.ns, name);
    if (!fetched.ok()) {
      if (fetched.error().code != ErrorCode::kNotFound) fail(fetched.error());
    } else if (isControlledBy(*fetched, meta_)) {
      in_.pod = observePod(*fetched);
    } else {
      in_.blocker = Problem{std::string(reasons::kNameConflict),
                            "Pod " + meta_.ns + "/" + name +
                                " exists and is not controlled by this AgentSandbox; delete it or rename the AgentSandbox"};
    }
    return;
  }
  if (isNamespaceTerminating(error)) return;
  if (isRefusedObject(error)) {
    in_.blocker = refusedObject("Pod " + name, error);
    c_.logger.warn("Refused Pod", {who(), {"pod", name}, {"error", error.describe()}});
    return;
  }
  fail(error);
  in_.failure = Problem{std::string(isQuotaError(error) ? reasons::kQuotaExceeded : reasons::kApiError),
                        "Could not create Pod " + name + ": " + error.describe()};
  c_.logger.warn("Failed to create Pod", {who(), {"pod", name}, {"error", error.describe()}});
}

bool Applier::perform(const DeleteSandbox& action) {
  deleteSandbox(action.why);
  return true;
}

void Applier::deleteSandbox(std::string_view why) {
  kube::DeleteOptions options;
  options.preconditionUid = meta_.uid;
  const Status removed = c_.client.remove(kube::resources::agentSandboxes(), meta_.ns, meta_.name, options);
  if (!removed.ok() && removed.error().code != ErrorCode::kNotFound) {
    fail(removed.error());
    return;
  }
  c_.logger.info("Deleted AgentSandbox", {who(), {"why", std::string(why)}});
}

void Applier::writeStatus(const SandboxStatus& desired) {
  json status = desired.toJson();
  const json before = o_.previous.toJson();
  for (const auto& [key, value] : before.items()) {
    if (!status.contains(key)) status[key] = nullptr;  // a merge patch removes a key set to null
  }
  auto patched = c_.client.mergePatch(kube::resources::agentSandboxes(), meta_.ns, meta_.name, {{"status", status}},
                                      "status", writeOptions());
  if (patched.ok()) {
    rememberSandbox(*patched);
  } else if (patched.error().code != ErrorCode::kNotFound) {
    fail(patched.error());
  }
}

// Teardown, after the Pod is confirmed gone: our finalizer off the NetworkPolicy, the policy deleted, and the
// deletion seen through before the sandbox's own finalizer goes.
bool Applier::perform(const DeleteNetworkPolicy& action) {
  const std::string name = networkPolicyName(meta_);
  if (!removeNetworkPolicyFinalizer(action.live)) return false;
  if (!isDeleting(action.live)) {
    const Status removed = c_.client.remove(kube::resources::networkPolicies(), meta_.ns, name, onlyThisOne(action.live));
    if (!removed.ok() && removed.error().code != ErrorCode::kNotFound) {
      fail(removed.error());
      return false;
    }
  }
  c_.logger.info("Deleted NetworkPolicy", {who(), {"networkPolicy", name}});
  auto again = c_.client.get(kube::resources::networkPolicies(), meta_.ns, name);
  if (again.ok() && uidOf(*again) == uidOf(action.live)) {
    result_.requeueAfter = milliseconds(200);
    return false;
  }
  return true;
}

// Server-side apply with the operator's field manager, forced: the gate objects are the operator's alone, and an
// object someone changed or deleted is put back on the next reconcile of any sandbox that uses the gate.
bool Applier::perform(const EnsureGate& action) {
  kube::WriteOptions options = writeOptions();
  options.force = true;
  for (const GateObject& object : action.objects) {
    const std::string kind = object.body.value("kind", "");
    auto applied = c_.client.apply(*object.resource, meta_.ns, std::string(kGateName), object.body, "", options);
    if (applied.ok()) continue;
    const Error& error = applied.error();
    if (isNamespaceTerminating(error)) return true;
    if (isRefusedObject(error)) {
      in_.blocker = Problem{std::string(reasons::kInvalidSpec),
                            "The API server refused " + kind + " " + meta_.ns + "/" + std::string(kGateName) +
                                " of agentguard-gate: " + error.describe() + "; check the operator's --gate-* flags"};
    } else {
      in_.failure = Problem{std::string(reasons::kApiError), "Could not apply " + kind + " " + meta_.ns + "/" +
                                                                 std::string(kGateName) + ": " + error.describe()};
    }
    c_.logger.warn("Failed to apply agentguard-gate object", {who(), {"kind", kind}, {"error", error.describe()}});
    fail(error);
    return true;
  }
  if (!action.tokenReviewBinding.empty()) {
    if (auto error = listGateSubject(action.tokenReviewBinding, true)) {
      in_.failure = Problem{std::string(reasons::kApiError), "Could not list the gate's ServiceAccount in "
                                                             "ClusterRoleBinding " + action.tokenReviewBinding + ": " +
                                                                 error->describe()};
      fail(*error);
    }
  }
  return true;
}

// The namespace's last sandbox that used the gate stopped or went: its objects go, the Deployment first.
bool Applier::perform(const RemoveGate& action) {
  const std::vector<GateObject> objects = buildGateObjects(meta_.ns, c_.options.gate, GateEgress{});
  for (auto it = objects.rbegin(); it != objects.rend(); ++it) {
    const Status removed = c_.client.remove(*it->resource, meta_.ns, std::string(kGateName));
    if (!removed.ok() && removed.error().code != ErrorCode::kNotFound) {
      fail(removed.error());
      return false;
    }
  }
  if (!action.tokenReviewBinding.empty()) {
    if (auto error = listGateSubject(action.tokenReviewBinding, false)) {
      fail(*error);
      return false;
    }
  }
  c_.logger.info("Removed agentguard-gate", {who(), {"namespace", meta_.ns}});
  return true;
}

// Adds (listed) or removes the namespace's gate ServiceAccount in the TokenReview ClusterRoleBinding, by a
// compare-and-swap replace (a conflict is retried by the next reconcile).
std::optional<Error> Applier::listGateSubject(const std::string& binding, bool listed) {
  auto live = c_.client.get(gate_resources::clusterRoleBindings(), "", binding);
  if (!live.ok()) {
    if (live.error().code == ErrorCode::kNotFound && !listed) return std::nullopt;
    if (live.error().code == ErrorCode::kNotFound) {
      return makeError(ErrorCode::kNotFound, "ClusterRoleBinding " + binding +
                                                 " does not exist; install the chart's gate RBAC or set "
                                                 "--gate-token-review-binding");
    }
    return live.error();
  }
  const json subject = gateSubject(meta_.ns);
  json subjects = live->value("subjects", json::array());
  if (!subjects.is_array()) subjects = json::array();
  const auto same = [&subject](const json& s) {
    return s.is_object() && s.value("kind", "") == "ServiceAccount" && s.value("name", "") == subject["name"] &&
           s.value("namespace", "") == subject["namespace"];
  };
  const bool present = std::any_of(subjects.begin(), subjects.end(), same);
  if (present == listed) return std::nullopt;
  if (listed) {
    subjects.push_back(subject);
  } else {
    subjects.erase(std::remove_if(subjects.begin(), subjects.end(), same), subjects.end());
  }
  json body = *live;
  body["subjects"] = std::move(subjects);
  auto replaced = c_.client.replace(gate_resources::clusterRoleBindings(), "", binding, body, "", writeOptions());
  if (!replaced.ok()) return replaced.error();
  c_.logger.info(listed ? "Listed agentguard-gate in ClusterRoleBinding" : "Unlisted agentguard-gate from ClusterRoleBinding",
                 {who(), {"clusterRoleBinding", binding}});
  return std::nullopt;
}

bool Applier::perform(const RemoveFinalizer&) {
  const json patch = {
      {"metadata", {{"finalizers", finalizersWithoutOurs(o_.sandbox)}, {"resourceVersion", meta_.resourceVersion}}}};
  auto patched = c_.client.mergePatch(kube::resources::agentSandboxes(), meta_.ns, meta_.name, patch, "",
                                      writeOptions());
  if (!patched.ok() && patched.error().code != ErrorCode::kNotFound) {
    fail(patched.error());
    return false;
  }
  c_.logger.info("Removed finalizer from AgentSandbox", {who()});
  return true;
}

}  // namespace

ReconcileResult apply(const ClusterAccess& cluster, const Observed& observed, const Plan& plan) {
  return Applier(cluster, observed, plan).run();
}

}  // namespace agentguard::op

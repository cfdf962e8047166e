// Longer than most files, for a reason: it is the whole pure decision of a reconcile, in the order the
// decisions are made (NetworkPolicy, expiry, blockers, gate, Pod, timers, teardown), each step a short
// function, and table-tested as one (tests/operator/reconciler/plan_test.cc).
#include "operator/reconciler/plan.h"

#include <algorithm>

#include "common/time/rfc3339.h"
#include "operator/builders/gate_builder.h"
#include "operator/builders/network_policy_builder.h"
#include "operator/builders/owned_objects.h"
#include "operator/builders/pod_builder.h"
#include "operator/reconciler/foreign_selection.h"
#include "operator/reconciler/object_fields.h"

namespace agentguard::op {

using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr size_t kMaxLabelValue = 63;
constexpr milliseconds kAfterPodDeletion{500};  // a Pod is recreated once its deletion is observed

Terminal terminalFrom(const SandboxStatus& status) {
  if (status.phase == "Succeeded") return Terminal::kSucceeded;
  if (status.phase == "Expired") return Terminal::kExpired;
  if (status.phase == "Failed") {
    const Condition* failed = status.condition(kConditionFailed);
    return failed != nullptr && failed->reason == reasons::kPodDeleted ? Terminal::kPodDeleted : Terminal::kPodFailed;
  }
  return Terminal::kNone;
}

std::optional<WallTime> expiryOf(const SandboxMeta& meta, const LifecycleSpec& lifecycle) {
  std::optional<WallTime> expires;
  if (lifecycle.maxLifetime && meta.creationTimestamp) {
    expires = *meta.creationTimestamp + std::chrono::duration_cast<WallTime::duration>(*lifecycle.maxLifetime);
  }
  if (lifecycle.shutdownTime && (!expires || *lifecycle.shutdownTime < *expires)) expires = lifecycle.shutdownTime;
  return expires;
}

// A timer never waits longer than a day: a far expiry is simply looked at again (and no clock arithmetic nears
// its limits).
milliseconds until(WallTime due, WallTime now) {
  constexpr milliseconds kLongestTimer = std::chrono::hours(24);
  return std::clamp(std::chrono::duration_cast<milliseconds>(due - now), milliseconds(0), kLongestTimer);
}

// What a refused spec leaves enforced on a sandbox that has no NetworkPolicy yet: nothing allowed at all.
NetworkSpec denyEverything() {
  NetworkSpec network;
  network.dns.mode = DnsMode::kNone;
  return network;
}

std::string nameConflict(const std::string& kind, const SandboxMeta& meta, const std::string& name) {
  return kind + " " + meta.ns + "/" + name + " exists and is not controlled by this AgentSandbox";
}

// The first reason no Pod may be made from this spec, before anything else in the namespace is looked at.
std::optional<Problem> specBlocker(const Observed& o) {
  const SandboxMeta& meta = o.meta;
  const std::string& runtimeClass = o.binding.bound.runtimeClassName;
  if (meta.name.size() > kMaxLabelValue) {
    return Problem{std::string(reasons::kInvalidSpec),
                   "metadata.name is longer than 63 characters; it must fit a label value. Use a shorter name"};
  }
  if (const auto& violations = o.parsed.violations; !violations.empty()) {
    const bool forbidden = std::any_of(violations.begin(), violations.end(), [](const Violation& v) {
      return v.reason == reasons::kForbiddenTemplateField;
    });
    std::string message = "AgentSandbox " + meta.key() + ": ";
    for (size_t i = 0; i < violations.size(); ++i) message += (i > 0 ? "; " : "") + violations[i].message;
    return Problem{std::string(forbidden ? reasons::kForbiddenTemplateField : reasons::kInvalidSpec), message};
  }
  if (o.binding.blocker) return o.binding.blocker;
  if (o.settings.allowedRuntimeClasses.count(runtimeClass) == 0) {
    std::string allowed;
    for (const auto& name : o.settings.allowedRuntimeClasses) allowed += (allowed.empty() ? "" : ", ") + name;
    return Problem{std::string(reasons::kRuntimeClassNotAllowed),
                   "spec.runtimeClassName " + runtimeClass + " is not allowed; use one of: " + allowed};
  }
  if (!o.runtimeClassExists) {
    return Problem{std::string(reasons::kRuntimeClassNotFound),
                   "RuntimeClass " + runtimeClass +
                       " does not exist; create it (node.k8s.io/v1) and the sandbox will proceed"};
  }
  return std::nullopt;
}

// One reconcile's worth of decisions, in the order they are made; every write is assumed to succeed.
class Planner {
 public:
  Planner(const Observed& observed, WallTime now)
      : o_(observed), meta_(observed.meta), spec_(observed.binding.bound.spec), now_(now), pod_(observed.pod) {
    plan_.now = now;
  }

  Plan live();
  Plan teardown();

 private:
  // Deleting a Pod that is already being deleted is done.
  void deletePod(const json& pod, std::string why, std::optional<milliseconds> requeue, bool reportIfStillThere) {
    if (!isDeleting(pod)) {
      plan_.actions.push_back(DeletePod{pod, std::move(why), requeue, reportIfStillThere});
    } else if (requeue) {
      plan_.requeueAfter = requeue;
    }
  }
  // A planned deletion looks again soon: no new Pod before the deletion is observed.
  bool requeued() const {
    if (plan_.requeueAfter) return true;
    return std::any_of(plan_.actions.begin(), plan_.actions.end(), [](const Action& action) {
      const auto* deletion = std::get_if<DeletePod>(&action);
      return deletion != nullptr && deletion->requeueOnSuccess;
    });
  }
  void event(EventType type, std::string reason, std::string message) {
    plan_.actions.push_back(RecordEvent{type, std::move(reason), std::move(message)});
  }
  EnsureNetworkPolicy networkPolicy();
  bool expire();
  void blockers();
  void gate();
  void pod(const EnsureNetworkPolicy& network);
  void timers();

  const Observed& o_;
  const SandboxMeta& meta_;
  const AgentSandboxSpec& spec_;
  const WallTime now_;
  Plan plan_;
  StatusInputs in_;
  std::optional<json> pod_;          // the sandbox's Pod, until a planned deletion
  std::optional<json> selectedPod_;  // deleted because another object selects it
  std::string gateIp_;               // the gate Service's ClusterIP, for a sandbox that uses the gate
};

// 1. The NetworkPolicy, always first. A refused spec changes nothing that is enforced: an existing policy keeps
//    its rules, and a sandbox that has none gets one that allows nothing.
EnsureNetworkPolicy Planner::networkPolicy() {
  const bool refused = !o_.parsed.violations.empty();
  const NetworkSpec enforced = refused ? denyEverything() : spec_.network;
  const bool gated = !refused && spec_.usesGate();
  EnsureNetworkPolicy ensure;
  ensure.desired = gated ? buildGatedNetworkPolicy(meta_, enforced) : buildNetworkPolicy(meta_, enforced);
  ensure.podExists = pod_.has_value();
  ensure.keepLive = refused;
  ensure.egress = gated ? egressSummary(spec_) : egressSummary(enforced);
  ensure.keptEgress = o_.previous.egress;
  if (meta_.name.size() <= kMaxLabelValue) {
    ensure.step = planNetworkPolicy(meta_, o_.networkPolicy, ensure.desired, ensure.podExists, refused, false);
  }
  recordNetworkOutcome(in_, ensure.step.outcome, ensure);
  if (meta_.name.size() <= kMaxLabelValue) plan_.actions.push_back(ensure);
  return ensure;
}

// 2. Final phases and expiry. False when the sandbox itself goes.
bool Planner::expire() {
  in_.terminal = terminalFrom(o_.previous);
  if (const Condition* ready = o_.previous.condition(kConditionReady); in_.terminal != Terminal::kNone && ready) {
    in_.terminalMessage = ready->message;
  }
  if (in_.terminal == Terminal::kNone && in_.expiresAt && *in_.expiresAt <= now_) {
    const std::string why = "The sandbox expired at " + time::formatRfc3339(*in_.expiresAt);
    event(EventType::kNormal, "Expired", why);
    if (spec_.lifecycle.onExpiry == OnExpiry::kDeleteSandbox) {
      plan_.actions.push_back(DeleteSandbox{why});
      return false;
    }
    in_.terminal = Terminal::kExpired;
    in_.terminalMessage = why;
  }
  if (in_.terminal == Terminal::kExpired && pod_) {
    deletePod(*pod_, "the sandbox expired", std::nullopt, true);
    pod_.reset();
  }
  return true;
}

// 3. What stops a Pod from being created; a Pod that may no longer run goes.
void Planner::blockers() {
  const bool running = in_.terminal == Terminal::kNone;
  if (running && !in_.blocker) in_.blocker = specBlocker(o_);
  // --- The sandbox's Pod is selected by its own NetworkPolicy alone (other policies and Services) ---
  if (running && !in_.blocker) {
    const json labels = buildPod(meta_, spec_, o_.binding.bound.runtimeClassName)["metadata"]["labels"];
    in_.blocker = foreignSelection(labels, o_.otherNetworkPolicies, o_.services, "spec.template.metadata.labels");
  }
  if (running && pod_) {
    const json labels = pod_->value("metadata", json::object()).value("labels", json::object());
    if (auto selected = foreignSelection(labels, o_.otherNetworkPolicies, o_.services,
                                         "the labels of Pod " + meta_.ns + "/" + podName(meta_))) {
      // Its isolation no longer holds: the Pod goes, and no new one is made while the selection lasts.
      deletePod(*pod_, "another object selects it", std::nullopt, true);
      selectedPod_ = std::move(pod_);
      pod_.reset();
      if (!in_.blocker) in_.blocker = std::move(selected);
    }
  }
  if (o_.foreignPod && !in_.blocker && running) {
    in_.blocker = Problem{std::string(reasons::kNameConflict),
                          nameConflict("Pod", meta_, podName(meta_)) + "; delete it or rename the AgentSandbox"};
  }
  // A sandbox its class does not (or no longer) allow runs no Pod: the platform team's bounds win.
  if (o_.binding.blocker && pod_ && running) {
    deletePod(*pod_, "it is beyond its AgentSandboxClass", kAfterPodDeletion, true);
    pod_.reset();
  }
}

// 3b. The namespace's agentguard-gate: made for a sandbox that uses it, removed with the last one that did.
void Planner::gate() {
  const GateObservation& gate = o_.gate;
  const bool accepted = o_.parsed.violations.empty();
  if (!accepted) return;  // a refused spec changes nothing
  const GateSettings& settings = o_.settings.gate;
  if (!gate.used) {
    // Only a sandbox that was given the gate's address (and no longer uses it) removes the gate: a sandbox that
    // never used it must not race one that was just created with tools.
    const bool hadGate = !o_.previous.gateAddress.empty();
    if (hadGate && gate.service && !gate.usedByOthers) plan_.actions.push_back(RemoveGate{settings.tokenReviewBinding});
    return;
  }
  if (in_.terminal != Terminal::kNone) return;
  if (settings.image.empty()) {
    if (!in_.blocker) {
      in_.blocker = Problem{std::string(reasons::kGateNotConfigured),
                            "spec.tools or spec.network.egressHosts needs agentguard-gate, and the operator runs "
                            "without --gate-image; ask the platform team to set gate.image in the chart, or remove "
                            "them"};
    }
    return;
  }
  if (in_.blocker) return;
  GateEgress egress;
  egress.publicPorts = gate.publicPorts;
  egress.clusterCidrs = o_.settings.clusterCidrs;
  plan_.actions.push_back(EnsureGate{buildGateObjects(meta_.ns, settings, egress), settings.tokenReviewBinding});
  if (gate.service) gateIp_ = gateClusterIp(*gate.service);
  in_.gateAddress = gateIp_;
}

// 4. The Pod: a finished one ends the sandbox or is replaced; a missing one is made, behind its policy.
void Planner::pod(const EnsureNetworkPolicy& network) {
  if (in_.terminal != Terminal::kNone) return;
  if (pod_) {
    const std::string phase = podPhase(*pod_);
    if (phase != "Succeeded" && phase != "Failed") return;
    const RestartPolicy policy = spec_.lifecycle.restartPolicy;
    if (policy == RestartPolicy::kNever || (policy == RestartPolicy::kOnFailure && phase == "Succeeded")) {
      in_.terminal = phase == "Succeeded" ? Terminal::kSucceeded : Terminal::kPodFailed;
      in_.terminalMessage = "Pod " + podName(meta_) + " " + (phase == "Succeeded" ? "succeeded" : "failed");
      return;
    }
    deletePod(*pod_, "it ended (" + phase + ") and restartPolicy is " + std::string(restartPolicyName(policy)),
              kAfterPodDeletion, true);
    pod_.reset();
    return;
  }
  if (o_.foreignPod || requeued()) return;
  const bool hadPod = !o_.previous.startTime.empty();
  if (selectedPod_) {
    // Just deleted: the API server still shows it while it terminates.
    if (hadPod) pod_ = selectedPod_;
    return;
  }
  // The cache may not have seen a Pod created moments ago: what the API server answered (observe()) decides. A
  // sandbox that never had one goes straight to create (AlreadyExists is handled).
  if (o_.podReadError) {
    if (!plan_.error) plan_.error = o_.podReadError;
    return;
  }
  if (o_.podOnServer) {
    if (isControlledBy(*o_.podOnServer, meta_)) pod_ = o_.podOnServer;
    return;
  }
  if (hadPod && spec_.lifecycle.restartPolicy == RestartPolicy::kNever) {
    in_.terminal = Terminal::kPodDeleted;
    in_.terminalMessage = "Pod " + podName(meta_) + " was deleted and restartPolicy is Never";
    event(EventType::kWarning, "Failed", in_.terminalMessage);
    return;
  }
  if (in_.blocker || network.step.outcome.state != NetworkState::kApplied) return;
  // A sandbox that uses the gate is told its address: no Pod until the gate Service has a ClusterIP.
  if (o_.gate.used && gateIp_.empty()) {
    plan_.requeueAfter = o_.settings.gateRecheck;
    return;
  }
  const BoundSpec& bound = o_.binding.bound;
  CreatePod create;
  create.pod = buildPod(meta_, spec_, bound.runtimeClassName);
  if (o_.gate.used) addGateAccess(create.pod, gateIp_);
  create.podTemplate = spec_.podTemplate;
  create.runtimeClass = bound.runtimeClassName;
  create.first = !hadPod;
  if (bound.dedicatedServiceAccount) create.serviceAccount = bound.serviceAccountName;
  create.create = !o_.binding.error;
  create.networkPolicy = network.desired;
  plan_.actions.push_back(std::move(create));
}

// 5. Timers: expiry and time-to-live after finishing.
void Planner::timers() {
  if (in_.terminal == Terminal::kNone && in_.expiresAt) {
    plan_.expiryTimer = until(*in_.expiresAt, now_) + milliseconds(50);
  }
  if (in_.terminal != Terminal::kNone && spec_.lifecycle.ttlSecondsAfterFinished) {
    const SandboxStatus desired = computeStatus(in_, o_.previous, now_);
    const auto finished = time::parseRfc3339(desired.finishTime).value_or(now_);
    const WallTime due = finished + std::chrono::seconds(*spec_.lifecycle.ttlSecondsAfterFinished);
    if (due <= now_) {
      plan_.deleteAfterStatus = "ttlSecondsAfterFinished passed";
    } else {
      plan_.ttlTimer = until(due, now_) + milliseconds(50);
    }
  }
}

Plan Planner::live() {
  if (!meta_.hasFinalizer(kFinalizer)) plan_.actions.push_back(AddFinalizer{});
  plan_.error = o_.binding.error;
  in_.generation = meta_.generation;
  in_.runtimeClassName = o_.binding.bound.runtimeClassName;
  in_.className = o_.binding.className;
  in_.networkPolicyName = networkPolicyName(meta_);
  in_.expiresAt = expiryOf(meta_, spec_.lifecycle);
  // --- An orphaned Pod of ours would escape every lifetime limit: it goes, a new one is made ---
  if (o_.leftoverPod) deletePod(*o_.leftoverPod, "it had lost its owner reference", kAfterPodDeletion, false);

  const EnsureNetworkPolicy network = networkPolicy();
  if (!expire()) return std::move(plan_);
  blockers();
  gate();
  pod(network);
  if (pod_) in_.pod = observePod(*pod_);
  plan_.status = in_;
  timers();
  return std::move(plan_);
}

// Teardown is ordered by the finalizer: the Pod, confirmed gone by the API server, then the NetworkPolicy, then the
// finalizer. A Pod orphaned by --cascade=orphan goes too.
Plan Planner::teardown() {
  if (!meta_.hasFinalizer(kFinalizer)) return std::move(plan_);
  if (o_.teardownReadError) {
    plan_.error = o_.teardownReadError;
    return std::move(plan_);
  }
  const auto ours = [this](const json& object) { return isControlledBy(object, meta_) || isLeftoverOf(object, meta_); };
  if (o_.podToTearDown && ours(*o_.podToTearDown)) {
    deletePod(*o_.podToTearDown, "the AgentSandbox is being deleted", o_.settings.teardownRecheck, false);
    return std::move(plan_);
  }
  if (o_.policyToTearDown && ours(*o_.policyToTearDown)) plan_.actions.push_back(DeleteNetworkPolicy{*o_.policyToTearDown});
  if (o_.gate.used && !o_.gate.usedByOthers) plan_.actions.push_back(RemoveGate{o_.settings.gate.tokenReviewBinding});
  plan_.actions.push_back(RemoveFinalizer{});
  return std::move(plan_);
}

}  // namespace

Plan planFor(const Observed& observed, WallTime now) {
  Planner planner(observed, now);
  return observed.meta.deleting ? planner.teardown() : planner.live();
}

NetworkStep planNetworkPolicy(const SandboxMeta& sandbox, const std::optional<json>& live, const json& desired,
                              bool podExists, bool keepLive, bool liveFromServer) {
  NetworkStep step;
  const std::string name = networkPolicyName(sandbox);
  NetworkOutcome& out = step.outcome;
  if (!live) {
    step.kind = NetworkStep::Kind::kCreate;
    step.body = desired;
    out.state = NetworkState::kApplied;
    out.confirmed = true;
    return step;
  }
  step.live = *live;
  out.confirmed = liveFromServer;
  if (!isControlledBy(*live, sandbox) && !isLeftoverOf(*live, sandbox)) {  // a leftover of ours is adopted
    if (controllingSandboxName(*live) == sandbox.name) {
      step.kind = NetworkStep::Kind::kRemoveEarlier;
      out.message = "Waiting for the NetworkPolicy of an earlier AgentSandbox " + sandbox.name + " to be removed";
      out.error = makeError(ErrorCode::kUnavailable, out.message);
      return step;
    }
    out.state = NetworkState::kFailed;
    out.message = nameConflict("NetworkPolicy", sandbox, name);
    out.blocker = Problem{std::string(reasons::kNameConflict), out.message + "; delete it or rename the AgentSandbox"};
    return step;
  }
  const bool deleting = isDeleting(*live);
  if (deleting && !podExists) {
    step.kind = NetworkStep::Kind::kRelease;
    out.message = "NetworkPolicy " + name + " was deleted; it is being recreated";
    out.error = makeError(ErrorCode::kUnavailable, out.message);
    return step;
  }
  // --- A refused spec never changes what is enforced: the rules in force stay the last good ones ---
  json target = desired;
  if (keepLive && live->contains("spec")) target["spec"] = (*live)["spec"];
  if (!networkPolicyMatches(target, *live) || (!deleting && !hasOurFinalizer(*live))) {
    step.kind = NetworkStep::Kind::kReplace;
    step.body = std::move(target);
    step.body["metadata"]["resourceVersion"] = resourceVersionOf(*live);
    if (deleting) step.body["metadata"]["finalizers"] = finalizersOf(*live);  // none may be added while deleting
    out.confirmed = true;
  }
  out.state = keepLive ? NetworkState::kKept : NetworkState::kApplied;
  if (deleting) {
    out.message = "NetworkPolicy " + name + " was deleted but stays in force while Pod " + podName(sandbox) + " exists";
  } else if (keepLive) {
    out.message = "NetworkPolicy " + name + " is kept as it was: generation " + std::to_string(sandbox.generation) +
                  " of the spec is refused (see the Blocked condition) and does not change what is enforced";
  }
  return step;
}

void recordNetworkOutcome(StatusInputs& in, const NetworkOutcome& outcome, const EnsureNetworkPolicy& action) {
  in.egressSummary = outcome.state == NetworkState::kKept && !action.keptEgress.empty() ? action.keptEgress
                                                                                         : action.egress;
  in.network = outcome.state;
  in.networkMessage = outcome.message;
  in.failure.reset();
  if (outcome.state == NetworkState::kFailed && !outcome.blocker) {
    in.failure = Problem{std::string(reasons::kApiError), outcome.message};
  }
  if (outcome.blocker) in.blocker = outcome.blocker;
}

std::vector<RecordEvent> transitionEvents(const StatusInputs& in, const SandboxStatus& previous) {
  std::vector<RecordEvent> out;
  const auto changed = [&previous](std::string_view type, const Problem& now) {
    const Condition* before = previous.condition(type);
    return before == nullptr || before->status != "True" || before->reason != now.reason;
  };
  if (in.blocker && changed(kConditionBlocked, *in.blocker)) {
    out.push_back({EventType::kWarning, "Blocked", in.blocker->message});
  }
  if (in.failure && changed(kConditionFailed, *in.failure)) {
    out.push_back({EventType::kWarning, "Failed", in.failure->message});
  }
  return out;
}

std::string describe(const Action& action) {
  struct Describe {
    std::string operator()(const AddFinalizer&) const { return "AddFinalizer"; }
    std::string operator()(const EnsureNetworkPolicy& a) const {
      switch (a.step.kind) {
        case NetworkStep::Kind::kCreate: return "CreateNetworkPolicy";
        case NetworkStep::Kind::kReplace: return "ReplaceNetworkPolicy";
        case NetworkStep::Kind::kRemoveEarlier: return "RemoveEarlierNetworkPolicy";
        case NetworkStep::Kind::kRelease: return "ReleaseNetworkPolicy";
        case NetworkStep::Kind::kNone: break;
      }
      return "KeepNetworkPolicy";
    }
    std::string operator()(const DeletePod& a) const { return "DeletePod: " + a.why; }
    std::string operator()(const RecordEvent& a) const { return "Event " + a.reason; }
    std::string operator()(const CreatePod& a) const {
      return std::string(a.create ? "CreatePod" : "EnsureServiceAccount") +
             (a.serviceAccount ? " with ServiceAccount " + *a.serviceAccount : "");
    }
    std::string operator()(const DeleteSandbox& a) const { return "DeleteSandbox: " + a.why; }
    std::string operator()(const DeleteNetworkPolicy&) const { return "DeleteNetworkPolicy"; }
    std::string operator()(const RemoveFinalizer&) const { return "RemoveFinalizer"; }
    std::string operator()(const EnsureGate&) const { return "EnsureGate"; }
    std::string operator()(const RemoveGate&) const { return "RemoveGate"; }
  };
  return std::visit(Describe{}, action);
}

}  // namespace agentguard::op

#include "operator/reconciler/reconciler.h"

#include <algorithm>

#include "common/kube/resource.h"
#include "operator/builders/network_policy_builder.h"
#include "operator/builders/owned_objects.h"
#include "operator/builders/pod_builder.h"
#include "operator/reconciler/class_binding.h"
#include "operator/reconciler/foreign_selection.h"
#include "operator/reconciler/template_references.h"

namespace agentguard::op {

using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr size_t kMaxLabelValue = 63;

const json* field(const json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

const json& metadataOf(const json& object) {
  static const json kEmpty = json::object();
  const json* metadata = field(object, "metadata");
  return metadata != nullptr && metadata->is_object() ? *metadata : kEmpty;
}

bool isDeleting(const json& object) { return field(metadataOf(object), "deletionTimestamp") != nullptr; }

std::vector<std::string> finalizersOf(const json& object) {
  std::vector<std::string> out;
  if (const json* list = field(metadataOf(object), "finalizers"); list != nullptr && list->is_array()) {
    for (const json& item : *list) {
      if (item.is_string()) out.push_back(item.get<std::string>());
    }
  }
  return out;
}

bool hasFinalizer(const json& object) {
  const auto list = finalizersOf(object);
  return std::find(list.begin(), list.end(), kFinalizer) != list.end();
}

std::vector<std::string> withoutOurFinalizer(const json& object) {
  auto list = finalizersOf(object);
  list.erase(std::remove(list.begin(), list.end(), kFinalizer), list.end());
  return list;
}

std::string resourceVersionOf(const json& object) { return metadataOf(object).value("resourceVersion", ""); }
std::string uidOf(const json& object) { return metadataOf(object).value("uid", ""); }

PodObservation observePod(const json& pod) {
  PodObservation out;
  out.name = metadataOf(pod).value("name", "");
  out.creationTimestamp = metadataOf(pod).value("creationTimestamp", "");
  if (const json* spec = field(pod, "spec")) out.runtimeClassName = spec->value("runtimeClassName", "");
  if (const json* status = field(pod, "status")) {
    out.phase = status->value("phase", "");
    out.podIP = status->value("podIP", "");
    if (const json* conditions = field(*status, "conditions"); conditions != nullptr && conditions->is_array()) {
      for (const json& condition : *conditions) {
        if (condition.value("type", "") == "Ready" && condition.value("status", "") == "True") out.ready = true;
      }
    }
  }
  return out;
}

std::string podPhase(const json& pod) {
  const json* status = field(pod, "status");
  return status == nullptr ? std::string() : status->value("phase", "");
}

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

kube::WriteOptions writeOptions() {
  kube::WriteOptions options;
  options.fieldManager = std::string(kFieldManager);
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

// What a refused spec leaves enforced on a sandbox that has no NetworkPolicy yet: nothing allowed at all.
NetworkSpec denyEverything() {
  NetworkSpec network;
  network.dns.mode = DnsMode::kNone;
  return network;
}

}  // namespace

struct Reconciler::NetworkOutcome {
  NetworkState state = NetworkState::kPending;
  std::string message;
  bool confirmed = false;  // seen as desired in an answer of the API server during this pass
  std::optional<Error> error;
  std::optional<Problem> blocker;
};

// One reconcile of one sandbox.
class Reconciler::Pass {
 public:
  Pass(Reconciler& owner, json sandbox)
      : r_(owner), sandbox_(std::move(sandbox)), meta_(readMeta(sandbox_)), key_(meta_.key()) {}

  ReconcileResult run();
  ReconcileResult teardown();

 private:
  log::Field who() const { return {"agentSandbox", key_}; }
  void event(EventType type, std::string_view reason, std::string message) {
    r_.events_.record(meta_, type, reason, std::move(message));
  }
  void rememberSandbox(const json& object) {
    r_.writes_.remember(RecentWrites::Kind::kSandbox, object, [this] { return r_.view_.sandbox(meta_.ns, meta_.name); });
  }
  void rememberPolicy(const json& object) {
    r_.writes_.remember(RecentWrites::Kind::kNetworkPolicy, object,
                        [this] { return r_.view_.networkPolicy(meta_.ns, networkPolicyName(meta_)); });
  }
  void fail(const Error& error) {
    if (!result_.error) result_.error = error;
  }

  bool ensureFinalizer();
  NetworkOutcome ensureNetworkPolicy(const json& desired, bool podExists, bool keepLive);
  bool confirmNetworkPolicy(const json& desired);
  bool removeNetworkPolicyFinalizer(const json& live);
  std::optional<json> getPod(bool& failed);
  bool deletePod(const json& pod, std::string_view why);
  void createPod(const AgentSandboxSpec& spec, const std::string& runtimeClass, const SandboxStatus& previous,
                 std::optional<json>& pod, StatusInputs& in);
  void deleteSandbox(std::string_view why);
  void writeStatus(const SandboxStatus& desired, const SandboxStatus& previous);

  Reconciler& r_;
  json sandbox_;
  SandboxMeta meta_;
  std::string key_;
  ReconcileResult result_;
};

Reconciler::Reconciler(const ClusterView& view, RecentWrites& writes, kube::KubeClient& client, EventSink& events,
                       OperatorMetrics* metrics, const Clock& clock, log::Logger& logger, ReconcilerOptions options)
    : view_(view),
      writes_(writes),
      client_(client),
      events_(events),
      metrics_(metrics),
      clock_(clock),
      logger_(logger),
      options_(std::move(options)) {}

ReconcileResult Reconciler::reconcile(const std::string& ns, const std::string& name) {
  const kube::SharedObject cached =
      writes_.resolve(RecentWrites::Kind::kSandbox, ns, name, view_.sandbox(ns, name));
  if (!cached) return removeLeftovers(ns, name);  // normally its Pod and NetworkPolicy went first (finalizer)
  Pass pass(*this, *cached);
  return readMeta(*cached).deleting ? pass.teardown() : pass.run();
}

// --- Objects left without an owner (--cascade=orphan, a finalizer removed by force) ---
// Found by their labels, they are torn down in the usual order: the Pod, confirmed gone, then the NetworkPolicy.
ReconcileResult Reconciler::removeLeftovers(const std::string& ns, const std::string& name) {
  SandboxMeta gone;
  gone.ns = ns;
  gone.name = name;
  const kube::SharedObject cachedPod = view_.pod(ns, podName(gone));
  const kube::SharedObject cachedPolicy = view_.networkPolicy(ns, networkPolicyName(gone));
  const bool podLeft = cachedPod && isLeftoverOf(*cachedPod, gone);
  if (!podLeft && !(cachedPolicy && isLeftoverOf(*cachedPolicy, gone))) return {};
  const log::Field who{"agentSandbox", gone.key()};
  // 1. The Pod, confirmed gone by the API server.
  auto pod = client_.get(kube::resources::pods(), ns, podName(gone));
  if (!pod.ok() && pod.error().code != ErrorCode::kNotFound) return {pod.error(), std::nullopt};
  if (pod.ok() && isLeftoverOf(*pod, gone)) {
    if (!isDeleting(*pod)) {
      kube::DeleteOptions options;
      options.preconditionUid = uidOf(*pod);
      const Status removed = client_.remove(kube::resources::pods(), ns, podName(gone), options);
      if (!removed.ok() && removed.error().code != ErrorCode::kNotFound) return {removed.error(), std::nullopt};
      logger_.info("Deleted Pod", {who, {"pod", podName(gone)}, {"why", "its AgentSandbox is gone"}});
    }
    return {std::nullopt, options_.teardownRecheck};
  }
  // 2. Then the NetworkPolicy: its finalizer, then the object.
  auto policy = client_.get(kube::resources::networkPolicies(), ns, networkPolicyName(gone));
  if (!policy.ok() || !isLeftoverOf(*policy, gone)) return {};
  if (hasFinalizer(*policy)) {
    const json patch = {
        {"metadata", {{"finalizers", withoutOurFinalizer(*policy)}, {"resourceVersion", resourceVersionOf(*policy)}}}};
    auto patched = client_.mergePatch(kube::resources::networkPolicies(), ns, networkPolicyName(gone), patch, "",
                                      writeOptions());
    if (!patched.ok() && patched.error().code != ErrorCode::kNotFound) return {patched.error(), std::nullopt};
  }
  kube::DeleteOptions options;
  options.preconditionUid = uidOf(*policy);
  const Status removed = client_.remove(kube::resources::networkPolicies(), ns, networkPolicyName(gone), options);
  if (!removed.ok() && removed.error().code != ErrorCode::kNotFound) return {removed.error(), std::nullopt};
  logger_.info("Deleted NetworkPolicy", {who, {"networkPolicy", networkPolicyName(gone)}, {"why", "its AgentSandbox is gone"}});
  return {};
}

bool Reconciler::Pass::ensureFinalizer() {
  if (meta_.hasFinalizer(kFinalizer)) return true;
  auto finalizers = meta_.finalizers;
  finalizers.emplace_back(kFinalizer);
  const json patch = {{"metadata", {{"finalizers", finalizers}, {"resourceVersion", meta_.resourceVersion}}}};
  auto patched = r_.client_.mergePatch(kube::resources::agentSandboxes(), meta_.ns, meta_.name, patch, "",
                                       writeOptions());
  if (!patched.ok()) {
    if (patched.error().code != ErrorCode::kNotFound) fail(patched.error());
    return false;
  }
  sandbox_ = std::move(patched).value();
  rememberSandbox(sandbox_);
  meta_ = readMeta(sandbox_);
  return true;
}

bool Reconciler::Pass::removeNetworkPolicyFinalizer(const json& live) {
  if (!hasFinalizer(live)) return true;
  const json patch = {
      {"metadata", {{"finalizers", withoutOurFinalizer(live)}, {"resourceVersion", resourceVersionOf(live)}}}};
  auto patched = r_.client_.mergePatch(kube::resources::networkPolicies(), meta_.ns, networkPolicyName(meta_), patch,
                                       "", writeOptions());
  if (!patched.ok() && patched.error().code != ErrorCode::kNotFound) {
    fail(patched.error());
    return false;
  }
  if (patched.ok()) rememberPolicy(*patched);
  return true;
}

// With `keepLive` (the spec is refused) an existing policy keeps its rules: only its metadata is restored.
Reconciler::NetworkOutcome Reconciler::Pass::ensureNetworkPolicy(const json& desired, bool podExists, bool keepLive) {
  NetworkOutcome out;
  const std::string name = networkPolicyName(meta_);
  json live;
  if (const kube::SharedObject cached = r_.writes_.resolve(RecentWrites::Kind::kNetworkPolicy, meta_.ns, name,
                                                          r_.view_.networkPolicy(meta_.ns, name))) {
    live = *cached;
  } else {
    auto created = r_.client_.create(kube::resources::networkPolicies(), meta_.ns, desired, writeOptions());
    if (created.ok()) {
      rememberPolicy(*created);
      r_.logger_.info("Created NetworkPolicy", {who(), {"networkPolicy", name}});
      out.state = NetworkState::kApplied;
      out.confirmed = true;
      return out;
    }
    if (isNamespaceTerminating(created.error())) {
      out.message = "The namespace is being deleted";
      return out;
    }
    if (created.error().code != ErrorCode::kAlreadyExists) {
      out.state = NetworkState::kFailed;
      out.message = "Could not create NetworkPolicy " + name + ": " + created.error().describe();
      if (isRefusedObject(created.error())) {
        out.blocker = refusedObject("NetworkPolicy " + name, created.error());
      } else {
        out.error = created.error();
      }
      return out;
    }
    auto fetched = r_.client_.get(kube::resources::networkPolicies(), meta_.ns, name);
    if (!fetched.ok()) {
      out.state = NetworkState::kFailed;
      out.message = "Could not read NetworkPolicy " + name + ": " + fetched.error().describe();
      out.error = fetched.error();
      return out;
    }
    live = std::move(fetched).value();
    out.confirmed = true;
  }

  if (!isControlledBy(live, meta_) && !isLeftoverOf(live, meta_)) {  // a leftover of ours is adopted below
    if (controllingSandboxName(live) == meta_.name) {
      // Left by an earlier AgentSandbox of the same name: remove it, then make ours.
      if (removeNetworkPolicyFinalizer(live)) {
        kube::DeleteOptions options;
        options.preconditionUid = uidOf(live);
        (void)r_.client_.remove(kube::resources::networkPolicies(), meta_.ns, name, options);
      }
      out.message = "Waiting for the NetworkPolicy of an earlier AgentSandbox " + meta_.name + " to be removed";
      out.error = makeError(ErrorCode::kUnavailable, out.message);
      return out;
    }
    out.state = NetworkState::kFailed;
    out.message = "NetworkPolicy " + meta_.ns + "/" + name + " exists and is not controlled by this AgentSandbox";
    out.blocker = Problem{std::string(reasons::kNameConflict),
                          out.message + "; delete it or rename the AgentSandbox"};
    return out;
  }

  const bool deleting = isDeleting(live);
  if (deleting && !podExists) {
    // Someone deleted it; with no Pod to protect, let it go and create a fresh one.
    removeNetworkPolicyFinalizer(live);
    out.message = "NetworkPolicy " + name + " was deleted; it is being recreated";
    out.error = makeError(ErrorCode::kUnavailable, out.message);
    return out;
  }
  // --- A refused spec never changes what is enforced: the rules in force stay the last good ones ---
  json target = desired;
  if (keepLive && live.contains("spec")) target["spec"] = live["spec"];
  if (!networkPolicyMatches(target, live) || (!deleting && !hasFinalizer(live))) {
    json body = target;
    body["metadata"]["resourceVersion"] = resourceVersionOf(live);
    if (deleting) body["metadata"]["finalizers"] = finalizersOf(live);  // none may be added while deleting
    auto replaced = r_.client_.replace(kube::resources::networkPolicies(), meta_.ns, name, body, "", writeOptions());
    if (!replaced.ok()) {
      out.state = NetworkState::kFailed;
      out.message = "Could not restore NetworkPolicy " + name + ": " + replaced.error().describe();
      if (isRefusedObject(replaced.error())) {
        out.blocker = refusedObject("NetworkPolicy " + name, replaced.error());
      } else {
        out.error = replaced.error();
      }
      return out;
    }
    rememberPolicy(*replaced);
    r_.logger_.info("Restored NetworkPolicy", {who(), {"networkPolicy", name}});
    event(EventType::kWarning, "Restored",
          "Restored NetworkPolicy " + name + ": it had been changed and no longer matched the AgentSandbox");
    out.confirmed = true;
  }
  out.state = keepLive ? NetworkState::kKept : NetworkState::kApplied;
  if (deleting) {
    out.message = "NetworkPolicy " + name + " was deleted but stays in force while Pod " + podName(meta_) + " exists";
  } else if (keepLive) {
    out.message = "NetworkPolicy " + name + " is kept as it was: generation " + std::to_string(meta_.generation) +
                  " of the spec is refused (see the Blocked condition) and does not change what is enforced";
  }
  return out;
}

// A quorum read: is the NetworkPolicy there and as desired, right now?
bool Reconciler::Pass::confirmNetworkPolicy(const json& desired) {
  const std::string name = networkPolicyName(meta_);
  auto live = r_.client_.get(kube::resources::networkPolicies(), meta_.ns, name);
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

std::optional<json> Reconciler::Pass::getPod(bool& failed) {
  auto fetched = r_.client_.get(kube::resources::pods(), meta_.ns, podName(meta_));
  failed = false;
  if (fetched.ok()) return std::move(fetched).value();
  if (fetched.error().code != ErrorCode::kNotFound) {
    fail(fetched.error());
    failed = true;
  }
  return std::nullopt;
}

bool Reconciler::Pass::deletePod(const json& pod, std::string_view why) {
  if (isDeleting(pod)) return true;
  kube::DeleteOptions options;
  options.preconditionUid = uidOf(pod);
  const Status removed = r_.client_.remove(kube::resources::pods(), meta_.ns, podName(meta_), options);
  if (!removed.ok() && removed.error().code != ErrorCode::kNotFound) {
    fail(removed.error());
    return false;
  }
  r_.writes_.rememberDeleted(RecentWrites::Kind::kPod, meta_.ns, podName(meta_), uidOf(pod));
  r_.logger_.info("Deleted Pod", {who(), {"pod", podName(meta_)}, {"why", std::string(why)}});
  event(EventType::kNormal, "Deleted", "Deleted Pod " + podName(meta_) + ": " + std::string(why));
  return true;
}

void Reconciler::Pass::createPod(const AgentSandboxSpec& spec, const std::string& runtimeClass,
                                 const SandboxStatus& previous, std::optional<json>& pod, StatusInputs& in) {
  // --- What the template names (Secrets, claims) is judged on those objects, before every Pod ---
  const ReferenceVerdict references = checkTemplateReferences(r_.client_, meta_.ns, spec.podTemplate);
  if (references.error) {
    fail(*references.error);
    in.failure = Problem{std::string(reasons::kApiError),
                         "Could not read what spec.template names: " + references.error->describe()};
    return;
  }
  if (references.blocker) {
    in.blocker = references.blocker;
    // Secrets and claims are not watched: look again while waiting for one.
    if (references.blocker->reason == reasons::kReferenceNotReady) result_.requeueAfter = r_.options_.referenceRecheck;
    return;
  }
  const json desired = buildPod(meta_, spec, runtimeClass);
  auto created = r_.client_.create(kube::resources::pods(), meta_.ns, desired, writeOptions());
  if (created.ok()) {
    pod = std::move(created).value();
    r_.writes_.remember(RecentWrites::Kind::kPod, *pod,
                        [this] { return r_.view_.pod(meta_.ns, podName(meta_)); });
    const bool first = previous.startTime.empty();
    r_.logger_.info("Created Pod", {who(), {"pod", podName(meta_)}, {"runtimeClass", runtimeClass},
                                    {"networkPolicy", networkPolicyName(meta_)}});
    event(EventType::kNormal, first ? "Created" : "Recreated",
          (first ? "Created Pod " : "Recreated Pod ") + podName(meta_) + " with RuntimeClass " + runtimeClass +
              " behind NetworkPolicy " + networkPolicyName(meta_));
    if (first && r_.metrics_ != nullptr && meta_.creationTimestamp) {
      r_.metrics_->observePodCreation(
          std::chrono::duration<double>(r_.clock_.wallNow() - *meta_.creationTimestamp).count());
    }
    return;
  }
  const Error& error = created.error();
  if (error.code == ErrorCode::kAlreadyExists) {
    bool failed = false;
    pod = getPod(failed);
    if (pod && !isControlledBy(*pod, meta_)) {
      pod.reset();
      in.blocker = Problem{std::string(reasons::kNameConflict),
                           "Pod " + meta_.ns + "/" + podName(meta_) +
                               " exists and is not controlled by this AgentSandbox; delete it or rename the AgentSandbox"};
    }
    return;
  }
  if (isNamespaceTerminating(error)) return;
  if (isRefusedObject(error)) {
    in.blocker = refusedObject("Pod " + podName(meta_), error);
    r_.logger_.warn("Refused Pod", {who(), {"pod", podName(meta_)}, {"error", error.describe()}});
    return;
  }
  fail(error);
  const bool quota = isQuotaError(error);
  in.failure = Problem{std::string(quota ? reasons::kQuotaExceeded : reasons::kApiError),
                       "Could not create Pod " + podName(meta_) + ": " + error.describe()};
  r_.logger_.warn("Failed to create Pod", {who(), {"pod", podName(meta_)}, {"error", error.describe()}});
}

void Reconciler::Pass::deleteSandbox(std::string_view why) {
  kube::DeleteOptions options;
  options.preconditionUid = meta_.uid;
  const Status removed = r_.client_.remove(kube::resources::agentSandboxes(), meta_.ns, meta_.name, options);
  if (!removed.ok() && removed.error().code != ErrorCode::kNotFound) {
    fail(removed.error());
    return;
  }
  r_.logger_.info("Deleted AgentSandbox", {who(), {"why", std::string(why)}});
}

void Reconciler::Pass::writeStatus(const SandboxStatus& desired, const SandboxStatus& previous) {
  json status = desired.toJson();
  const json before = previous.toJson();
  for (const auto& [key, value] : before.items()) {
    if (!status.contains(key)) status[key] = nullptr;  // a merge patch removes a key set to null
  }
  auto patched = r_.client_.mergePatch(kube::resources::agentSandboxes(), meta_.ns, meta_.name, {{"status", status}},
                                       "status", writeOptions());
  if (patched.ok()) {
    rememberSandbox(*patched);
  } else if (patched.error().code != ErrorCode::kNotFound) {
    fail(patched.error());
  }
}

ReconcileResult Reconciler::Pass::run() {
  if (!ensureFinalizer()) return result_;
  const WallTime now = r_.clock_.wallNow();
  const SandboxStatus previous = SandboxStatus::fromJson(sandbox_.value("status", json::object()));
  const ParsedSpec parsed = parseSpec(sandbox_.value("spec", json::object()));
  // The AgentSandboxClass bounds the spec (class_binding.h): from here on `spec` is the bound one.
  const ClassBinding binding = bindClass(sandbox_, parsed, r_.view_, r_.client_, r_.options_.clusterCidrs,
                                         r_.options_.defaultRuntimeClass);
  if (binding.error) fail(*binding.error);
  const AgentSandboxSpec& spec = binding.bound.spec;
  const std::string& runtimeClass = binding.bound.runtimeClassName;

  StatusInputs in;
  in.generation = meta_.generation;
  in.runtimeClassName = runtimeClass;
  in.className = binding.className;
  in.networkPolicyName = networkPolicyName(meta_);
  in.expiresAt = expiryOf(meta_, spec.lifecycle);

  // The Pod as the cache has it; a foreign Pod of the same name is never touched.
  std::optional<json> pod;
  bool foreignPod = false;
  if (const kube::SharedObject cached = r_.writes_.resolve(RecentWrites::Kind::kPod, meta_.ns, podName(meta_),
                                                          r_.view_.pod(meta_.ns, podName(meta_)))) {
    if (isControlledBy(*cached, meta_)) {
      pod = *cached;
    } else if (isLeftoverOf(*cached, meta_)) {
      // --- An orphaned Pod of ours would escape every lifetime limit: it goes, a new one is made ---
      if (deletePod(*cached, "it had lost its owner reference")) result_.requeueAfter = milliseconds(500);
    } else {
      foreignPod = true;
    }
  }

  // 1. The NetworkPolicy, always first. A refused spec changes nothing that is enforced: an existing policy keeps
  //    its rules, and a sandbox that has none gets one that allows nothing.
  const bool refused = !parsed.violations.empty();
  const NetworkSpec enforced = refused ? denyEverything() : spec.network;
  const json desiredPolicy = buildNetworkPolicy(meta_, enforced);
  NetworkOutcome network = meta_.name.size() <= kMaxLabelValue
                               ? ensureNetworkPolicy(desiredPolicy, pod.has_value(), refused)
                               : NetworkOutcome{};
  in.egressSummary = network.state == NetworkState::kKept && !previous.egress.empty() ? previous.egress
                                                                                      : egressSummary(enforced);
  in.network = network.state;
  in.networkMessage = network.message;
  if (network.error) fail(*network.error);
  if (network.state == NetworkState::kFailed && !network.blocker) {
    in.failure = Problem{std::string(reasons::kApiError), network.message};
  }

  // 2. Final phases and expiry.
  Terminal terminal = terminalFrom(previous);
  std::string terminalMessage;
  if (const Condition* ready = previous.condition(kConditionReady); terminal != Terminal::kNone && ready != nullptr) {
    terminalMessage = ready->message;
  }
  if (terminal == Terminal::kNone && in.expiresAt && *in.expiresAt <= now) {
    const std::string why = "The sandbox expired at " + formatTime(*in.expiresAt);
    event(EventType::kNormal, "Expired", why);
    if (spec.lifecycle.onExpiry == OnExpiry::kDeleteSandbox) {
      deleteSandbox(why);
      return result_;
    }
    terminal = Terminal::kExpired;
    terminalMessage = why;
  }
  if (terminal == Terminal::kExpired && pod) {
    if (deletePod(*pod, "the sandbox expired")) pod.reset();
  }

  // 3. What stops a Pod from being created.
  if (network.blocker) in.blocker = network.blocker;
  if (terminal == Terminal::kNone && !in.blocker) {
    if (meta_.name.size() > kMaxLabelValue) {
      in.blocker = Problem{std::string(reasons::kInvalidSpec),
                           "metadata.name is longer than 63 characters; it must fit a label value. Use a shorter name"};
    } else if (!parsed.violations.empty()) {
      const bool forbidden = std::any_of(parsed.violations.begin(), parsed.violations.end(),
                                         [](const Violation& v) { return v.reason == reasons::kForbiddenTemplateField; });
      std::string message = "AgentSandbox " + key_ + ": ";
      for (size_t i = 0; i < parsed.violations.size(); ++i) {
        if (i > 0) message += "; ";
        message += parsed.violations[i].message;
      }
      in.blocker = Problem{std::string(forbidden ? reasons::kForbiddenTemplateField : reasons::kInvalidSpec), message};
    } else if (binding.blocker) {
      in.blocker = binding.blocker;
    } else if (r_.options_.allowedRuntimeClasses.count(runtimeClass) == 0) {
      std::string allowed;
      for (const auto& name : r_.options_.allowedRuntimeClasses) allowed += (allowed.empty() ? "" : ", ") + name;
      in.blocker = Problem{std::string(reasons::kRuntimeClassNotAllowed),
                           "spec.runtimeClassName " + runtimeClass + " is not allowed; use one of: " + allowed};
    } else if (!r_.view_.runtimeClass(runtimeClass)) {
      in.blocker = Problem{std::string(reasons::kRuntimeClassNotFound),
                           "RuntimeClass " + runtimeClass +
                               " does not exist; create it (node.k8s.io/v1) and the sandbox will proceed"};
    }
  }
  // --- The sandbox's Pod is selected by its own NetworkPolicy alone (other policies and Services) ---
  if (terminal == Terminal::kNone && !in.blocker) {
    const json labels = buildPod(meta_, spec, runtimeClass)["metadata"]["labels"];
    in.blocker = foreignSelection(labels, r_.view_.otherNetworkPolicies(meta_.ns), r_.view_.services(meta_.ns),
                                  "spec.template.metadata.labels");
  }
  if (terminal == Terminal::kNone && pod) {
    const json labels = pod->value("metadata", json::object()).value("labels", json::object());
    if (auto selected = foreignSelection(labels, r_.view_.otherNetworkPolicies(meta_.ns), r_.view_.services(meta_.ns),
                                         "the labels of Pod " + meta_.ns + "/" + podName(meta_))) {
      // Its isolation no longer holds: the Pod goes, and no new one is made while the selection lasts.
      if (deletePod(*pod, "another object selects it")) pod.reset();
      if (!in.blocker) in.blocker = std::move(selected);
    }
  }
  if (foreignPod && !in.blocker && terminal == Terminal::kNone) {
    in.blocker = Problem{std::string(reasons::kNameConflict),
                         "Pod " + meta_.ns + "/" + podName(meta_) +
                             " exists and is not controlled by this AgentSandbox; delete it or rename the AgentSandbox"};
  }

  // A sandbox its class does not (or no longer) allow runs no Pod: the platform team's bounds win.
  if (binding.blocker && pod && terminal == Terminal::kNone) {
    if (deletePod(*pod, "it is beyond its AgentSandboxClass")) {
      pod.reset();
      result_.requeueAfter = milliseconds(500);
    }
  }

  // 4. The Pod.
  if (terminal == Terminal::kNone && pod) {
    const std::string phase = podPhase(*pod);
    if (phase == "Succeeded" || phase == "Failed") {
      const RestartPolicy policy = spec.lifecycle.restartPolicy;
      if (policy == RestartPolicy::kNever || (policy == RestartPolicy::kOnFailure && phase == "Succeeded")) {
        terminal = phase == "Succeeded" ? Terminal::kSucceeded : Terminal::kPodFailed;
        terminalMessage = "Pod " + podName(meta_) + " " + (phase == "Succeeded" ? "succeeded" : "failed");
      } else if (deletePod(*pod, "it ended (" + phase + ") and restartPolicy is " +
                                     std::string(restartPolicyName(policy)))) {
        pod.reset();
        // It is recreated once the deletion is observed.
        result_.requeueAfter = milliseconds(500);
      }
    }
  } else if (terminal == Terminal::kNone && !foreignPod && !result_.requeueAfter) {
    // The cache may not have seen a Pod created moments ago. Before concluding that a Pod this sandbox had is
    // gone, ask the API server; a sandbox that never had one goes straight to create (AlreadyExists is handled).
    bool failed = false;
    std::optional<json> fetched = previous.startTime.empty() ? std::nullopt : getPod(failed);
    if (fetched && isControlledBy(*fetched, meta_)) {
      pod = std::move(fetched);
    } else if (fetched) {
      foreignPod = true;
    }
    if (!pod && !failed && !foreignPod) {
      if (!previous.startTime.empty() && spec.lifecycle.restartPolicy == RestartPolicy::kNever) {
        terminal = Terminal::kPodDeleted;
        terminalMessage = "Pod " + podName(meta_) + " was deleted and restartPolicy is Never";
        event(EventType::kWarning, "Failed", terminalMessage);
      } else if (!in.blocker && network.state == NetworkState::kApplied &&
                 (network.confirmed || confirmNetworkPolicy(desiredPolicy))) {
        std::optional<Error> accountError;
        if (binding.bound.dedicatedServiceAccount) {
          if (auto conflict = ensureDedicatedServiceAccount(r_.client_, meta_, binding.bound.serviceAccountName,
                                                            accountError)) {
            in.blocker = std::move(conflict);
          }
        }
        if (accountError) fail(*accountError);
        if (!in.blocker && !accountError && !binding.error) createPod(spec, runtimeClass, previous, pod, in);
      }
    }
  }
  in.terminal = terminal;
  in.terminalMessage = terminalMessage;
  if (pod) in.pod = observePod(*pod);

  // 5. Status, only when it changed; events on the transitions people need to see.
  const SandboxStatus desired = computeStatus(in, previous, now);
  if (in.blocker) {
    const Condition* before = previous.condition(kConditionBlocked);
    if (before == nullptr || before->status != "True" || before->reason != in.blocker->reason) {
      event(EventType::kWarning, "Blocked", in.blocker->message);
      r_.logger_.warn("Blocked AgentSandbox", {who(), {"reason", in.blocker->reason}});
    }
  }
  if (in.failure) {
    const Condition* before = previous.condition(kConditionFailed);
    if (before == nullptr || before->status != "True" || before->reason != in.failure->reason) {
      event(EventType::kWarning, "Failed", in.failure->message);
    }
  }
  if (desired != previous) writeStatus(desired, previous);

  // 6. Timers: expiry and time-to-live after finishing.
  if (terminal == Terminal::kNone && in.expiresAt) {
    const milliseconds due = until(*in.expiresAt, now) + milliseconds(50);
    result_.requeueAfter = result_.requeueAfter ? std::min(*result_.requeueAfter, due) : due;
  }
  if (terminal != Terminal::kNone && spec.lifecycle.ttlSecondsAfterFinished) {
    const auto finished = parseTime(desired.finishTime).value_or(now);
    const WallTime due = finished + std::chrono::seconds(*spec.lifecycle.ttlSecondsAfterFinished);
    if (due <= now) {
      deleteSandbox("ttlSecondsAfterFinished passed");
    } else {
      result_.requeueAfter = until(due, now) + milliseconds(50);
    }
  }
  return result_;
}

ReconcileResult Reconciler::Pass::teardown() {
  if (!meta_.hasFinalizer(kFinalizer)) return result_;
  // 1. The Pod, confirmed gone by the API server.
  bool failed = false;
  const std::optional<json> pod = getPod(failed);
  if (failed) return result_;
  if (pod && (isControlledBy(*pod, meta_) || isLeftoverOf(*pod, meta_))) {  // orphaned by --cascade=orphan too
    if (deletePod(*pod, "the AgentSandbox is being deleted")) result_.requeueAfter = r_.options_.teardownRecheck;
    return result_;
  }
  // 2. Then its NetworkPolicy.
  const std::string name = networkPolicyName(meta_);
  auto policy = r_.client_.get(kube::resources::networkPolicies(), meta_.ns, name);
  if (policy.ok() && (isControlledBy(*policy, meta_) || isLeftoverOf(*policy, meta_))) {
    if (!removeNetworkPolicyFinalizer(*policy)) return result_;
    if (!isDeleting(*policy)) {
      kube::DeleteOptions options;
      options.preconditionUid = uidOf(*policy);
      const Status removed = r_.client_.remove(kube::resources::networkPolicies(), meta_.ns, name, options);
      if (!removed.ok() && removed.error().code != ErrorCode::kNotFound) {
        fail(removed.error());
        return result_;
      }
    }
    r_.logger_.info("Deleted NetworkPolicy", {who(), {"networkPolicy", name}});
    auto again = r_.client_.get(kube::resources::networkPolicies(), meta_.ns, name);
    if (again.ok() && uidOf(*again) == uidOf(*policy)) {
      result_.requeueAfter = milliseconds(200);
      return result_;
    }
  } else if (!policy.ok() && policy.error().code != ErrorCode::kNotFound) {
    fail(policy.error());
    return result_;
  }
  // 3. Last, the finalizer.
  const json patch = {
      {"metadata", {{"finalizers", withoutOurFinalizer(sandbox_)}, {"resourceVersion", meta_.resourceVersion}}}};
  auto patched = r_.client_.mergePatch(kube::resources::agentSandboxes(), meta_.ns, meta_.name, patch, "",
                                       writeOptions());
  if (!patched.ok() && patched.error().code != ErrorCode::kNotFound) {
    fail(patched.error());
    return result_;
  }
  r_.logger_.info("Removed finalizer from AgentSandbox", {who()});
  return result_;
}

}  // namespace agentguard::op

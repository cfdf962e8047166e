// planFor() over every state docs/agentsandbox.md promises: one row per state, each naming the actions the plan
// takes (in order) and the status it leads to. The same decisions against a real API server are in
// reconciler_cluster_test.cc and untrusted_author_cluster_test.cc.
#include "common/time/rfc3339.h"
#include "operator/reconciler/plan.h"

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <map>

#include <gtest/gtest.h>

#include "operator/builders/gate_builder.h"
#include "operator/builders/network_policy_builder.h"
#include "operator/builders/owned_objects.h"
#include "operator/builders/pod_builder.h"

namespace agentguard::op {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

const WallTime kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));

json sandboxObject() {
  return {{"apiVersion", "agentguard.io/v1alpha1"},
          {"kind", "AgentSandbox"},
          {"metadata",
           {{"namespace", "agents"},
            {"name", "analyst"},
            {"uid", "uid-analyst"},
            {"generation", 2},
            {"resourceVersion", "10"},
            {"creationTimestamp", time::formatRfc3339(kNow - std::chrono::hours(1))},
            {"finalizers", json::array({std::string(kFinalizer)})}}},
          {"spec",
           {{"template", {{"spec", {{"containers", json::array({{{"name", "agent"}, {"image", "agent:1"}}})}}}}}}},
          {"status", json::object()}};
}

// A sandbox that runs: bound to its class, its NetworkPolicy in place, its Pod running and ready.
Observed running() {
  Observed o;
  o.sandbox = sandboxObject();
  o.meta = readMeta(o.sandbox);
  o.settings.allowedRuntimeClasses = {"gvisor"};
  o.settings.teardownRecheck = milliseconds(2000);
  o.previous.startTime = time::formatRfc3339(kNow - std::chrono::minutes(59));
  o.parsed = parseSpec(o.sandbox["spec"]);
  o.binding.className = "standard";
  o.binding.bound.spec = o.parsed.spec;
  o.binding.bound.runtimeClassName = "gvisor";
  o.networkPolicy = buildNetworkPolicy(o.meta, o.binding.bound.spec.network);
  json pod = buildPod(o.meta, o.binding.bound.spec, "gvisor");
  pod["metadata"]["uid"] = "uid-pod";
  pod["status"] = {{"phase", "Running"},
                   {"podIP", "10.0.0.7"},
                   {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}};
  o.pod = pod;
  o.runtimeClassExists = true;
  return o;
}

// A sandbox just created: no finalizer, no status, nothing made yet.
Observed fresh() {
  Observed o = running();
  o.sandbox["metadata"]["finalizers"] = json::array();
  o.meta = readMeta(o.sandbox);
  o.previous = SandboxStatus{};
  o.pod.reset();
  o.networkPolicy.reset();
  return o;
}

// The sandbox declares tools (and egressHosts); the operator runs with a gate image, and the gate Service has
// `clusterIp` ("" while it has none, nothing when there is no Service).
Observed withTools(Observed o, std::optional<std::string> clusterIp = "10.96.0.20") {
  o.sandbox["spec"]["tools"] = {{"servers", json::array({{{"name", "mail"}, {"url", "http://mail-mcp.tools:8000/mcp"}}})}};
  o.sandbox["spec"]["network"] = {{"egressHosts", json::array({"api.github.com:443", "*.pypi.org:8443"})}};
  o.parsed = parseSpec(o.sandbox["spec"]);
  o.binding.bound.spec = o.parsed.spec;
  o.settings.gate = GateSettings{"registry.example.com/agentguard:1", 2, nullptr, "agentguard-gate",
                                 "agentguard-gate-tokenreview"};
  o.gate.used = true;
  o.gate.publicPorts = {443, 8000, 8443};
  if (clusterIp) o.gate.service = json{{"metadata", {{"name", "agentguard-gate"}}}, {"spec", {{"clusterIP", *clusterIp}}}};
  if (o.networkPolicy) o.networkPolicy = buildGatedNetworkPolicy(o.meta, o.binding.bound.spec.network);
  return o;
}

const CreatePod& createPodOf(const Plan& plan) {
  for (const Action& action : plan.actions) {
    if (const auto* create = std::get_if<CreatePod>(&action)) return *create;
  }
  throw std::runtime_error("no CreatePod");
}

void podPhase(Observed& o, const std::string& phase) { (*o.pod)["status"] = {{"phase", phase}}; }
void restart(Observed& o, RestartPolicy policy) { o.binding.bound.spec.lifecycle.restartPolicy = policy; }
void finished(Observed& o, const std::string& phase, std::string_view reason, WallTime at) {
  o.previous.phase = phase;
  o.previous.finishTime = time::formatRfc3339(at);
  o.previous.conditions = {{std::string(kConditionReady), "False", std::string(reason), "ended", 2, ""}};
}
void deleting(Observed& o) {
  o.sandbox["metadata"]["deletionTimestamp"] = time::formatRfc3339(kNow);
  o.meta = readMeta(o.sandbox);
}
json withoutOwner(json object) {
  object["metadata"].erase("ownerReferences");
  return object;
}
kube::SharedObject shared(const std::string& text) { return std::make_shared<const json>(json::parse(text)); }

struct Expected {
  std::vector<std::string> actions;
  std::string phase;                               // "" when the status is not written
  std::map<std::string, std::string> conditions;  // type -> "Status Reason", the ones this state is about
};

struct PlanCase {
  std::string name;
  std::function<Observed()> given;
  Expected expected;
  std::function<void(const Plan&)> also = [](const Plan&) {};
};

void PrintTo(const PlanCase& row, std::ostream* out) { *out << row.name; }

std::string conditionText(const SandboxStatus& status, const std::string& type) {
  const Condition* condition = status.condition(type);
  return condition == nullptr ? "(none)" : condition->status + " " + condition->reason;
}

class PlanForTest : public ::testing::TestWithParam<PlanCase> {};

TEST_P(PlanForTest, DecidesActionsAndStatus) {
  const Observed observed = GetParam().given();
  const Plan plan = planFor(observed, kNow);
  std::vector<std::string> actions;
  for (const Action& action : plan.actions) actions.push_back(describe(action));
  EXPECT_EQ(actions, GetParam().expected.actions);
  ASSERT_EQ(plan.status.has_value(), !GetParam().expected.phase.empty());
  if (plan.status) {
    const SandboxStatus status = computeStatus(*plan.status, observed.previous, kNow);
    EXPECT_EQ(status.phase, GetParam().expected.phase);
    for (const auto& [type, text] : GetParam().expected.conditions) {
      EXPECT_EQ(conditionText(status, type), text) << type;
    }
  }
  GetParam().also(plan);
}

void noError(const Plan& plan) { EXPECT_FALSE(plan.error.has_value()); }
void requeuesOnSuccess(const Plan& plan, milliseconds after) {
  for (const Action& action : plan.actions) {
    if (const auto* del = std::get_if<DeletePod>(&action)) {
      EXPECT_EQ(del->requeueOnSuccess, after);
      return;
    }
  }
  ADD_FAILURE() << "no DeletePod";
}

const std::vector<PlanCase> kCases = {
    // --- Creation: the NetworkPolicy, then the Pod ---
    {"NewSandboxGetsFinalizerPolicyThenPod", fresh,
     {{"AddFinalizer", "CreateNetworkPolicy", "CreatePod"},
      "Pending",
      {{"Ready", "False PodNotCreated"}, {"NetworkIsolated", "True NetworkPolicyApplied"}, {"Blocked", "False NotBlocked"}}},
     [](const Plan& plan) {
       noError(plan);
       const auto& create = std::get<CreatePod>(plan.actions.back());
       EXPECT_TRUE(create.first);
       EXPECT_EQ(create.networkPolicy, std::get<EnsureNetworkPolicy>(plan.actions[1]).desired);
     }},
    {"DedicatedServiceAccountIsEnsuredWithThePod",
     [] {
       Observed o = fresh();
       o.binding.bound.dedicatedServiceAccount = true;
       o.binding.bound.serviceAccountName = "analyst-sandbox";
       return o;
     },
     {{"AddFinalizer", "CreateNetworkPolicy", "CreatePod with ServiceAccount analyst-sandbox"}, "Pending", {}}},
    {"ClassLookupFailedEnsuresTheAccountButMakesNoPod",
     [] {
       Observed o = fresh();
       o.binding.error = makeError(ErrorCode::kUnavailable, "secrets unreadable");
       o.binding.bound.dedicatedServiceAccount = true;
       o.binding.bound.serviceAccountName = "analyst-sandbox";
       return o;
     },
     {{"AddFinalizer", "CreateNetworkPolicy", "EnsureServiceAccount with ServiceAccount analyst-sandbox"}, "Pending", {}},
     [](const Plan& plan) { EXPECT_TRUE(plan.error.has_value()); }},

    // --- A Pod under way ---
    {"RunningAndReady", running,
     {{"KeepNetworkPolicy"},
      "Running",
      {{"Ready", "True PodReady"}, {"NetworkIsolated", "True NetworkPolicyApplied"}, {"Failed", "False NotFailed"}}},
     noError},
    {"PendingPod",
     [] {
       Observed o = running();
       podPhase(o, "Pending");
       return o;
     },
     {{"KeepNetworkPolicy"}, "Pending", {{"Ready", "False PodPending"}}}},
    {"CacheMissedAPodTheServerHas",
     [] {
       Observed o = running();
       o.podOnServer = o.pod;
       o.pod.reset();
       return o;
     },
     {{"KeepNetworkPolicy"}, "Running", {{"Ready", "True PodReady"}}}},
    {"PodUnreadableMakesNoPod",
     [] {
       Observed o = running();
       o.pod.reset();
       o.podReadError = makeError(ErrorCode::kUnavailable, "down");
       return o;
     },
     {{"KeepNetworkPolicy"}, "Pending", {{"Ready", "False PodNotCreated"}}},
     [](const Plan& plan) { EXPECT_TRUE(plan.error.has_value()); }},

    // --- Finished Pods under each restartPolicy ---
    {"NeverSucceeded",
     [] {
       Observed o = running();
       restart(o, RestartPolicy::kNever);
       podPhase(o, "Succeeded");
       return o;
     },
     {{"KeepNetworkPolicy"}, "Succeeded", {{"Ready", "False Succeeded"}, {"Failed", "False NotFailed"}}}},
    {"NeverFailed",
     [] {
       Observed o = running();
       restart(o, RestartPolicy::kNever);
       podPhase(o, "Failed");
       return o;
     },
     {{"KeepNetworkPolicy"}, "Failed", {{"Ready", "False PodFailed"}, {"Failed", "True PodFailed"}}}},
    {"OnFailureSucceeded",
     [] {
       Observed o = running();
       restart(o, RestartPolicy::kOnFailure);
       podPhase(o, "Succeeded");
       return o;
     },
     {{"KeepNetworkPolicy"}, "Succeeded", {{"Ready", "False Succeeded"}}}},
    {"OnFailureFailedIsReplaced",
     [] {
       Observed o = running();
       restart(o, RestartPolicy::kOnFailure);
       podPhase(o, "Failed");
       return o;
     },
     {{"KeepNetworkPolicy", "DeletePod: it ended (Failed) and restartPolicy is OnFailure"},
      "Pending",
      {{"Ready", "False PodNotCreated"}}},
     [](const Plan& plan) { requeuesOnSuccess(plan, milliseconds(500)); }},
    {"AlwaysSucceededIsReplaced",
     [] {
       Observed o = running();
       podPhase(o, "Succeeded");
       return o;
     },
     {{"KeepNetworkPolicy", "DeletePod: it ended (Succeeded) and restartPolicy is Always"}, "Pending", {}}},
    {"AlwaysFailedIsReplaced",
     [] {
       Observed o = running();
       podPhase(o, "Failed");
       return o;
     },
     {{"KeepNetworkPolicy", "DeletePod: it ended (Failed) and restartPolicy is Always"}, "Pending", {}}},
    {"EndedPodAlreadyTerminatingIsWaitedFor",
     [] {
       Observed o = running();
       podPhase(o, "Failed");
       (*o.pod)["metadata"]["deletionTimestamp"] = time::formatRfc3339(kNow);
       return o;
     },
     {{"KeepNetworkPolicy"}, "Pending", {}},
     [](const Plan& plan) { EXPECT_EQ(plan.requeueAfter, milliseconds(500)); }},

    // --- A Pod deleted by someone else ---
    {"DeletedPodUnderNeverFinishesTheSandbox",
     [] {
       Observed o = running();
       restart(o, RestartPolicy::kNever);
       o.pod.reset();
       return o;
     },
     {{"KeepNetworkPolicy", "Event Failed"}, "Failed", {{"Failed", "True PodDeleted"}}}},
    {"DeletedPodUnderOnFailureIsRecreated",
     [] {
       Observed o = running();
       restart(o, RestartPolicy::kOnFailure);
       o.pod.reset();
       return o;
     },
     {{"KeepNetworkPolicy", "CreatePod"}, "Pending", {}},
     [](const Plan& plan) { EXPECT_FALSE(std::get<CreatePod>(plan.actions.back()).first); }},
    {"DeletedPodUnderAlwaysIsRecreated",
     [] {
       Observed o = running();
       o.pod.reset();
       return o;
     },
     {{"KeepNetworkPolicy", "CreatePod"}, "Pending", {}}},

    // --- Expiry and time-to-live ---
    {"ExpiryAheadSetsATimer",
     [] {
       Observed o = running();
       o.binding.bound.spec.lifecycle.shutdownTime = kNow + std::chrono::minutes(5);
       return o;
     },
     {{"KeepNetworkPolicy"}, "Running", {}},
     [](const Plan& plan) { EXPECT_EQ(plan.expiryTimer, milliseconds(5 * 60 * 1000 + 50)); }},
    {"ExpiredDeletesThePod",
     [] {
       Observed o = running();
       o.binding.bound.spec.lifecycle.maxLifetime = std::chrono::minutes(30);
       return o;
     },
     {{"KeepNetworkPolicy", "Event Expired", "DeletePod: the sandbox expired"},
      "Expired",
      {{"Ready", "False Expired"}, {"Failed", "True Expired"}}}},
    {"ExpiredWithDeleteSandboxDeletesIt",
     [] {
       Observed o = running();
       o.binding.bound.spec.lifecycle.shutdownTime = kNow - std::chrono::seconds(1);
       o.binding.bound.spec.lifecycle.onExpiry = OnExpiry::kDeleteSandbox;
       return o;
     },
     {{"KeepNetworkPolicy", "Event Expired", "DeleteSandbox: The sandbox expired at " +
                                                 time::formatRfc3339(kNow - std::chrono::seconds(1))},
      "",
      {}}},
    {"ExpiredStaysExpiredWithoutEvents",
     [] {
       Observed o = running();
       o.pod.reset();
       o.binding.bound.spec.lifecycle.maxLifetime = std::chrono::minutes(30);
       finished(o, "Expired", reasons::kExpired, kNow - std::chrono::minutes(30));
       return o;
     },
     {{"KeepNetworkPolicy"}, "Expired", {{"Ready", "False Expired"}}}},
    {"FinishedWaitsForItsTimeToLive",
     [] {
       Observed o = running();
       o.pod.reset();
       o.binding.bound.spec.lifecycle.ttlSecondsAfterFinished = 600;
       finished(o, "Succeeded", reasons::kSucceeded, kNow - std::chrono::minutes(4));
       return o;
     },
     {{"KeepNetworkPolicy"}, "Succeeded", {}},
     [](const Plan& plan) {
       EXPECT_EQ(plan.ttlTimer, milliseconds(6 * 60 * 1000 + 50));
       EXPECT_FALSE(plan.deleteAfterStatus.has_value());
     }},
    {"TimeToLivePassedDeletesTheSandbox",
     [] {
       Observed o = running();
       o.pod.reset();
       o.binding.bound.spec.lifecycle.ttlSecondsAfterFinished = 60;
       finished(o, "Failed", reasons::kPodFailed, kNow - std::chrono::minutes(4));
       return o;
     },
     {{"KeepNetworkPolicy"}, "Failed", {}},
     [](const Plan& plan) { EXPECT_EQ(plan.deleteAfterStatus, "ttlSecondsAfterFinished passed"); }},

    // --- The NetworkPolicy ---
    {"MissingPolicyIsCreatedWhileThePodRuns",
     [] {
       Observed o = running();
       o.networkPolicy.reset();
       return o;
     },
     {{"CreateNetworkPolicy"}, "Running", {{"NetworkIsolated", "True NetworkPolicyApplied"}}}},
    {"DriftedPolicyIsRestored",
     [] {
       Observed o = running();
       (*o.networkPolicy)["spec"]["egress"] = json::array({json::object()});
       return o;
     },
     {{"ReplaceNetworkPolicy"}, "Running", {{"NetworkIsolated", "True NetworkPolicyApplied"}}},
     [](const Plan& plan) {
       const auto& ensure = std::get<EnsureNetworkPolicy>(plan.actions[0]);
       EXPECT_EQ(ensure.step.body["spec"], ensure.desired["spec"]);
       EXPECT_TRUE(ensure.step.outcome.confirmed);
     }},
    {"PolicyWithoutItsFinalizerIsRestored",
     [] {
       Observed o = running();
       (*o.networkPolicy)["metadata"]["finalizers"] = json::array();
       return o;
     },
     {{"ReplaceNetworkPolicy"}, "Running", {}}},
    {"DeletedPolicyStaysInForceWhileThePodLives",
     [] {
       Observed o = running();
       (*o.networkPolicy)["metadata"]["deletionTimestamp"] = time::formatRfc3339(kNow);
       return o;
     },
     {{"KeepNetworkPolicy"}, "Running", {{"NetworkIsolated", "True NetworkPolicyApplied"}}}},
    {"DeletedPolicyWithoutAPodIsReleasedThenRecreated",
     [] {
       Observed o = running();
       o.pod.reset();
       o.previous.startTime.clear();
       (*o.networkPolicy)["metadata"]["deletionTimestamp"] = time::formatRfc3339(kNow);
       return o;
     },
     {{"ReleaseNetworkPolicy"}, "Pending", {{"NetworkIsolated", "False NetworkPolicyPending"}}},
     [](const Plan& plan) { EXPECT_EQ(std::get<EnsureNetworkPolicy>(plan.actions[0]).step.outcome.error->code, ErrorCode::kUnavailable); }},
    {"PolicyOfAnEarlierSandboxIsRemovedFirst",
     [] {
       Observed o = fresh();
       SandboxMeta earlier = o.meta;
       earlier.uid = "uid-earlier";
       o.networkPolicy = buildNetworkPolicy(earlier, o.binding.bound.spec.network);
       return o;
     },
     {{"AddFinalizer", "RemoveEarlierNetworkPolicy"}, "Pending", {{"NetworkIsolated", "False NetworkPolicyPending"}}}},
    {"ForeignPolicyOfTheNameBlocks",
     [] {
       Observed o = fresh();
       o.networkPolicy = json{{"metadata", {{"namespace", "agents"}, {"name", networkPolicyName(o.meta)}}},
                              {"spec", {{"podSelector", json::object()}}}};
       return o;
     },
     {{"AddFinalizer", "KeepNetworkPolicy"},
      "Blocked",
      {{"Blocked", "True NameConflict"}, {"NetworkIsolated", "False APIError"}, {"Failed", "False NotFailed"}}}},
    {"LeftoverPolicyIsAdopted",
     [] {
       Observed o = running();
       o.networkPolicy = withoutOwner(*o.networkPolicy);
       return o;
     },
     {{"ReplaceNetworkPolicy"}, "Running", {}}},

    // --- Pods that are not (or no longer) the sandbox's own ---
    {"ForeignPodOfTheNameBlocks",
     [] {
       Observed o = running();
       o.pod.reset();
       o.foreignPod = true;
       return o;
     },
     {{"KeepNetworkPolicy"}, "Blocked", {{"Blocked", "True NameConflict"}}}},
    {"PodThatLostItsOwnerIsReplaced",
     [] {
       Observed o = running();
       o.leftoverPod = withoutOwner(*o.pod);
       o.pod.reset();
       return o;
     },
     {{"DeletePod: it had lost its owner reference", "KeepNetworkPolicy"}, "Pending", {}},
     [](const Plan& plan) { requeuesOnSuccess(plan, milliseconds(500)); }},
    {"PolicySelectingTheTemplateBlocks",
     [] {
       Observed o = fresh();
       o.otherNetworkPolicies = {shared(
           R"({"metadata": {"namespace": "agents", "name": "open"}, "spec": {"podSelector": {}, "egress": [{}]}})")};
       return o;
     },
     {{"AddFinalizer", "CreateNetworkPolicy"}, "Blocked", {{"Blocked", "True SelectedByOtherObject"}}}},
    {"ServiceSelectingThePodDeletesIt",
     [] {
       Observed o = running();
       o.services = {shared(R"({"metadata": {"namespace": "agents", "name": "expose"},
                                "spec": {"selector": {"agentguard.io/sandbox": "analyst"}}})")};
       return o;
     },
     // The Pod is reported while it terminates; no new one is made while the selection lasts.
     {{"KeepNetworkPolicy", "DeletePod: another object selects it"},
      "Running",
      {{"Blocked", "True SelectedByOtherObject"}}}},

    // --- What blocks a Pod ---
    {"ForbiddenTemplateFieldKeepsThePolicyInForce",
     [] {
       Observed o = running();
       o.pod.reset();
       o.parsed.violations = {{"spec.template.spec.hostNetwork", "hostNetwork is true; remove it",
                               std::string(reasons::kForbiddenTemplateField)}};
       return o;
     },
     {{"KeepNetworkPolicy"},
      "Blocked",
      {{"Blocked", "True ForbiddenTemplateField"}, {"NetworkIsolated", "True PreviousPolicyKept"}}}},
    {"InvalidNewSandboxGetsAPolicyThatAllowsNothing",
     [] {
       Observed o = fresh();
       o.parsed.violations = {{"spec.network.egress[0].cidr", "300.1.1.1/24 is no CIDR", std::string(reasons::kInvalidSpec)}};
       return o;
     },
     {{"AddFinalizer", "CreateNetworkPolicy"}, "Blocked", {{"Blocked", "True InvalidSpec"}}},
     [](const Plan& plan) {
       const json& policy = std::get<EnsureNetworkPolicy>(plan.actions[1]).desired;
       EXPECT_EQ(policy["spec"].value("egress", json::array()), json::array());
     }},
    {"NameLongerThanALabelBlocksWithoutPolicy",
     [] {
       Observed o = fresh();
       o.sandbox["metadata"]["name"] = std::string(64, 'a');
       o.meta = readMeta(o.sandbox);
       return o;
     },
     {{"AddFinalizer"}, "Blocked", {{"Blocked", "True InvalidSpec"}}}},
    {"MissingClassBlocksAndDeletesThePod",
     [] {
       Observed o = running();
       o.binding.blocker = Problem{"ClassNotFound", "AgentSandboxClass standard does not exist"};
       return o;
     },
     {{"KeepNetworkPolicy", "DeletePod: it is beyond its AgentSandboxClass"},
      "Blocked",
      {{"Blocked", "True ClassNotFound"}}},
     [](const Plan& plan) { requeuesOnSuccess(plan, milliseconds(500)); }},
    {"MissingRuntimeClassBlocks",
     [] {
       Observed o = fresh();
       o.runtimeClassExists = false;
       return o;
     },
     {{"AddFinalizer", "CreateNetworkPolicy"},
      "Blocked",
      {{"Blocked", "True RuntimeClassNotFound"}, {"RuntimeSandboxed", "False RuntimeClassNotFound"}}}},
    {"RuntimeClassOutsideTheAllowListBlocks",
     [] {
       Observed o = fresh();
       o.binding.bound.runtimeClassName = "runc";
       return o;
     },
     {{"AddFinalizer", "CreateNetworkPolicy"}, "Blocked", {{"Blocked", "True RuntimeClassNotAllowed"}}}},

    // --- Deletion: the Pod, then the NetworkPolicy, then the finalizer ---
    {"DeletionRemovesThePodFirst",
     [] {
       Observed o = running();
       deleting(o);
       o.podToTearDown = o.pod;
       return o;
     },
     {{"DeletePod: the AgentSandbox is being deleted"}, "", {}},
     [](const Plan& plan) { requeuesOnSuccess(plan, milliseconds(2000)); }},
    {"DeletionWaitsForATerminatingPod",
     [] {
       Observed o = running();
       deleting(o);
       o.podToTearDown = o.pod;
       (*o.podToTearDown)["metadata"]["deletionTimestamp"] = time::formatRfc3339(kNow);
       return o;
     },
     {{}, "", {}},
     [](const Plan& plan) { EXPECT_EQ(plan.requeueAfter, milliseconds(2000)); }},
    {"DeletionRemovesAnOrphanedPodToo",
     [] {
       Observed o = running();
       deleting(o);
       o.podToTearDown = withoutOwner(*o.pod);
       return o;
     },
     {{"DeletePod: the AgentSandbox is being deleted"}, "", {}}},
    {"DeletionThenRemovesThePolicyThenTheFinalizer",
     [] {
       Observed o = running();
       deleting(o);
       o.policyToTearDown = o.networkPolicy;
       return o;
     },
     {{"DeleteNetworkPolicy", "RemoveFinalizer"}, "", {}}},
    {"DeletionLeavesAForeignPolicyAlone",
     [] {
       Observed o = running();
       deleting(o);
       o.policyToTearDown = json{{"metadata", {{"namespace", "agents"}, {"name", networkPolicyName(o.meta)}}}};
       return o;
     },
     {{"RemoveFinalizer"}, "", {}}},
    {"DeletionWithNothingLeftRemovesTheFinalizer",
     [] {
       Observed o = running();
       deleting(o);
       return o;
     },
     {{"RemoveFinalizer"}, "", {}}},
    {"DeletionRetriesAnUnreadablePod",
     [] {
       Observed o = running();
       deleting(o);
       o.teardownReadError = makeError(ErrorCode::kUnavailable, "down");
       return o;
     },
     {{}, "", {}},
     [](const Plan& plan) { EXPECT_TRUE(plan.error.has_value()); }},
    // --- agentguard-gate: tools and egressHosts ---
    {"ToolsSandboxEnsuresTheGateThenAPodThatReachesIt", [] { return withTools(fresh()); },
     {{"AddFinalizer", "CreateNetworkPolicy", "EnsureGate", "CreatePod"}, "Pending", {{"Blocked", "False NotBlocked"}}},
     [](const Plan& plan) {
       noError(plan);
       const auto& policy = std::get<EnsureNetworkPolicy>(plan.actions[1]);
       EXPECT_EQ(policy.egress, "Gate only (1 MCP server, 2 hosts)");
       // Egress to the gate's Pods alone: no DNS, no CIDR.
       const json& egress = policy.desired["spec"]["egress"];
       ASSERT_EQ(egress.size(), 1u);
       EXPECT_EQ(egress[0]["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"], "agentguard-gate");
       const auto& gate = std::get<EnsureGate>(plan.actions[2]);
       ASSERT_EQ(gate.objects.size(), 6u);
       EXPECT_EQ(gate.tokenReviewBinding, "agentguard-gate-tokenreview");
       EXPECT_EQ(gate.objects[4].body["spec"]["template"]["spec"]["containers"][0]["image"],
                 "registry.example.com/agentguard:1");
       const json& pod = createPodOf(plan).pod;
       const json& env = pod["spec"]["containers"][0]["env"];
       EXPECT_NE(std::find(env.begin(), env.end(), json{{"name", "MCP_GATEWAY_URL"}, {"value", "http://10.96.0.20:8080/mcp"}}),
                 env.end());
       EXPECT_EQ(pod["spec"]["volumes"].back()["name"], "agentguard-gate-token");
       EXPECT_EQ(computeStatus(*plan.status, SandboxStatus{}, kNow).gateAddress, "10.96.0.20");
     }},
    {"ToolsSandboxWaitsForTheGateAddress", [] { return withTools(fresh(), ""); },
     {{"AddFinalizer", "CreateNetworkPolicy", "EnsureGate"}, "Pending", {{"Ready", "False PodNotCreated"}}},
     [](const Plan& plan) {
       noError(plan);
       EXPECT_EQ(plan.requeueAfter, milliseconds(1000));
     }},
    {"ToolsSandboxWaitsForTheGateService", [] { return withTools(fresh(), std::nullopt); },
     {{"AddFinalizer", "CreateNetworkPolicy", "EnsureGate"}, "Pending", {}},
     [](const Plan& plan) { EXPECT_EQ(plan.requeueAfter, milliseconds(1000)); }},
    {"RunningToolsSandboxKeepsTheGateInPlace", [] { return withTools(running()); },
     {{"KeepNetworkPolicy", "EnsureGate"}, "Running", {{"Ready", "True PodReady"}}}},
    {"ToolsWithoutGateImageBlock",
     [] {
       Observed o = withTools(fresh());
       o.settings.gate.image.clear();
       return o;
     },
     {{"AddFinalizer", "CreateNetworkPolicy"}, "Blocked", {{"Blocked", "True GateNotConfigured"}}}},
    {"ToolsWithCidrsAreRefusedAndMakeNothing",
     [] {
       Observed o = withTools(fresh());
       o.sandbox["spec"]["network"]["egress"] = json::array({{{"cidr", "203.0.113.0/24"}}});
       o.parsed = parseSpec(o.sandbox["spec"]);
       o.binding.bound.spec = o.parsed.spec;
       return o;
     },
     {{"AddFinalizer", "CreateNetworkPolicy"}, "Blocked", {{"Blocked", "True InvalidSpec"}}},
     [](const Plan& plan) {
       // Nothing is allowed while the spec is refused: no DNS, no gate.
       EXPECT_FALSE(std::get<EnsureNetworkPolicy>(plan.actions[1]).desired["spec"].contains("egress"));
     }},
    {"LastToolsSandboxDroppingToolsRemovesTheGate",
     [] {
       Observed o = running();
       o.previous.gateAddress = "10.96.0.20";
       o.gate.service = json{{"metadata", {{"name", "agentguard-gate"}}}, {"spec", {{"clusterIP", "10.96.0.20"}}}};
       o.settings.gate.tokenReviewBinding = "agentguard-gate-tokenreview";
       return o;
     },
     {{"KeepNetworkPolicy", "RemoveGate"}, "Running", {}}},
    // A sandbox that never used the gate leaves it alone: a tools sandbox may have been created a moment ago.
    {"SandboxThatNeverUsedTheGateLeavesIt",
     [] {
       Observed o = running();
       o.gate.service = json{{"metadata", {{"name", "agentguard-gate"}}}, {"spec", {{"clusterIP", "10.96.0.20"}}}};
       return o;
     },
     {{"KeepNetworkPolicy"}, "Running", {}}},
    {"GateStaysWhileAnotherSandboxUsesIt",
     [] {
       Observed o = running();
       o.previous.gateAddress = "10.96.0.20";
       o.gate.service = json{{"metadata", {{"name", "agentguard-gate"}}}, {"spec", {{"clusterIP", "10.96.0.20"}}}};
       o.gate.usedByOthers = true;
       return o;
     },
     {{"KeepNetworkPolicy"}, "Running", {}}},
    {"DeletingTheLastToolsSandboxRemovesTheGateAfterItsPod",
     [] {
       Observed o = withTools(running());
       deleting(o);
       o.policyToTearDown = o.networkPolicy;
       return o;
     },
     {{"DeleteNetworkPolicy", "RemoveGate", "RemoveFinalizer"}, "", {}}},
    {"DeletingAToolsSandboxKeepsTheGateForOthers",
     [] {
       Observed o = withTools(running());
       deleting(o);
       o.gate.usedByOthers = true;
       return o;
     },
     {{"RemoveFinalizer"}, "", {}}},
    {"DeletingAToolsSandboxWaitsForItsPodBeforeTheGate",
     [] {
       Observed o = withTools(running());
       deleting(o);
       o.podToTearDown = o.pod;
       return o;
     },
     {{"DeletePod: the AgentSandbox is being deleted"}, "", {}}},
    {"DeletionWithoutOurFinalizerDoesNothing",
     [] {
       Observed o = running();
       o.sandbox["metadata"]["finalizers"] = json::array({"someone.else/cleanup"});
       deleting(o);
       o.podToTearDown = o.pod;
       return o;
     },
     {{}, "", {}}},
};

INSTANTIATE_TEST_SUITE_P(States, PlanForTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<PlanCase>& param) { return param.param.name; });

// Blocked and Failed events fire when the condition becomes True or changes reason, not on every reconcile.
TEST(TransitionEventsTest, FireOnChangeOnly) {
  StatusInputs in;
  in.blocker = Problem{"NameConflict", "Pod agents/analyst exists"};
  in.failure = Problem{"QuotaExceeded", "Could not create Pod analyst"};
  SandboxStatus previous;
  auto events = transitionEvents(in, previous);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].reason, "Blocked");
  EXPECT_EQ(events[1].reason, "Failed");
  previous.conditions = {{"Blocked", "True", "NameConflict", "", 1, ""}, {"Failed", "True", "QuotaExceeded", "", 1, ""}};
  EXPECT_TRUE(transitionEvents(in, previous).empty());
  previous.conditions[0].reason = "InvalidSpec";
  events = transitionEvents(in, previous);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason, "Blocked");
}

}  // namespace
}  // namespace agentguard::op

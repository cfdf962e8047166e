// The reconciler against the real local API server (kube-apiserver v1.37; no kubelet, so Pods stay Pending and
// assertions are on API objects). Every test runs under the invariant checker: no sandbox Pod may exist without
// its NetworkPolicy at any revision.
#include <gtest/gtest.h>

#include "common/kube/resource.h"
#include "operator/builders/network_policy_builder.h"
#include "tests/operator/support/operator_cluster_fixture.h"

namespace agentguard::op::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class ClusterReconcilerTest : public OperatorClusterTest {};

std::string uidOf(const json& object) { return object["metadata"].value("uid", ""); }

const kube::Resource kResourceQuotas{"", "v1", "resourcequotas", true};

TEST_F(ClusterReconcilerTest, CreatesNetworkPolicyThenPodWithEveryEnforcedField) {
  // The Secret the template names must exist (and be no ServiceAccount token) before a Pod is made.
  auto secret = client_->create(kube::resources::secrets(), ns_, json::parse(R"({"apiVersion": "v1", "kind": "Secret",
      "metadata": {"name": "api"}, "type": "Opaque", "data": {"key": "dmFsdWU="}})"));
  ASSERT_TRUE(secret.ok()) << secret.error().describe();
  startOperator();
  createSandbox("analyst", json::parse(R"({
    "network": {"egress": [{"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"], "ports": [{"port": 443}]}]},
    "template": {"metadata": {"labels": {"team": "research"}},
                 "spec": {"containers": [{"name": "agent", "image": "registry.example/agent:1",
                                          "env": [{"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "api", "key": "key"}}}],
                                          "volumeMounts": [{"name": "workspace", "mountPath": "/workspace"}]}],
                          "volumes": [{"name": "workspace", "emptyDir": {"sizeLimit": "1Gi"}}]}}})"));
  ASSERT_TRUE(waitUntil([&] { return pod("analyst").has_value(); })) << "no Pod was created";
  ASSERT_TRUE(waitUntil([&] { return condition("analyst", "RuntimeSandboxed").value("status", "") == "True"; }));

  // Order: the NetworkPolicy existed (confirmed by the API) before the Pod was created.
  const auto policyLife = checker_->policyLifetime("analyst");
  const auto podLife = checker_->podLifetime("analyst");
  ASSERT_NE(policyLife.created, 0u);
  EXPECT_LT(policyLife.created, podLife.created);

  const json policy = *networkPolicy("analyst");
  const json sandboxObject = *sandbox("analyst");
  const json expected = buildNetworkPolicy(readMeta(sandboxObject), parseSpec(sandboxObject["spec"]).spec.network);
  EXPECT_EQ(policy["spec"], expected["spec"]);
  EXPECT_EQ(policy["spec"]["egress"][1]["to"][0]["ipBlock"]["except"][0], "203.0.113.128/25");
  EXPECT_EQ(policy["metadata"]["ownerReferences"][0]["uid"], uidOf(sandboxObject));

  const json p = *pod("analyst");
  EXPECT_EQ(p["spec"]["runtimeClassName"], "gvisor");
  EXPECT_EQ(p["spec"]["automountServiceAccountToken"], false);
  EXPECT_EQ(p["spec"]["enableServiceLinks"], false);
  EXPECT_FALSE(p["spec"].value("hostNetwork", false));
  EXPECT_EQ(p["spec"]["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(p["spec"]["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  const json& sc = p["spec"]["containers"][0]["securityContext"];
  EXPECT_EQ(sc["privileged"], false);
  EXPECT_EQ(sc["allowPrivilegeEscalation"], false);
  EXPECT_EQ(sc["readOnlyRootFilesystem"], true);
  EXPECT_EQ(sc["runAsNonRoot"], true);
  EXPECT_EQ(sc["capabilities"]["drop"], json::array({"ALL"}));
  EXPECT_FALSE(sc["capabilities"].contains("add"));
  EXPECT_EQ(sc["seccompProfile"]["type"], "RuntimeDefault");
  EXPECT_EQ(p["metadata"]["labels"]["agentguard.io/sandbox"], "analyst");
  EXPECT_EQ(p["metadata"]["labels"]["team"], "research");
  EXPECT_EQ(p["metadata"]["ownerReferences"][0]["controller"], true);
  EXPECT_EQ(p["metadata"]["ownerReferences"][0]["uid"], uidOf(sandboxObject));

  EXPECT_EQ(condition("analyst", "NetworkIsolated")["status"], "True");
  EXPECT_EQ(condition("analyst", "Blocked")["status"], "False");
  const json status = (*sandbox("analyst"))["status"];
  EXPECT_EQ(status["phase"], "Pending");
  EXPECT_EQ(status["podName"], "analyst");
  EXPECT_EQ(status["runtimeClassName"], "gvisor");
  EXPECT_EQ(status["egress"], "1 destination + DNS (1 target)");
  EXPECT_EQ(status["className"], "default-test");
  EXPECT_EQ(status["observedGeneration"], 1);

  // And an Event on the sandbox says what was made.
  EXPECT_TRUE(waitUntil([&] {
    auto events = client_->list(kube::resources::events(), ns_);
    if (!events.ok()) return false;
    for (const json& event : events->items) {
      if (event["involvedObject"].value("name", "") == "analyst" && event.value("reason", "") == "Created" &&
          event.value("message", "").find("analyst-isolation") != std::string::npos) {
        return true;
      }
    }
    return false;
  })) << "no Created event";
}

TEST_F(ClusterReconcilerTest, StatusIsWrittenOnlyWhenItChanges) {
  startOperator();
  createSandbox("quiet");
  ASSERT_TRUE(waitUntil([&] { return condition("quiet", "RuntimeSandboxed").value("status", "") == "True"; }));
  ASSERT_TRUE(waitUntil([&] { return operators_[0]->controller().queueDepth() == 0; }));
  const std::string before = (*sandbox("quiet"))["metadata"]["resourceVersion"];
  // A resync-like nudge: reconciling the same inputs again must not write.
  ASSERT_TRUE(reconcileEverySandboxAgain());
  EXPECT_EQ((*sandbox("quiet"))["metadata"]["resourceVersion"], before);
}

TEST_F(ClusterReconcilerTest, ForbiddenTemplateFieldBlocksWithoutPod) {
  startOperator();
  createSandbox("escalate", json::parse(R"({"template": {"spec": {"containers": [
      {"name": "agent", "image": "a:1", "securityContext": {"privileged": true}}]}}})"));
  ASSERT_TRUE(waitUntil([&] { return phase("escalate") == "Blocked"; }));
  const json blocked = condition("escalate", "Blocked");
  EXPECT_EQ(blocked["status"], "True");
  EXPECT_EQ(blocked["reason"], "ForbiddenTemplateField");
  EXPECT_NE(blocked["message"].get<std::string>().find("spec.template.spec.containers[0].securityContext.privileged"),
            std::string::npos)
      << blocked["message"];
  EXPECT_FALSE(pod("escalate").has_value());
  EXPECT_TRUE(networkPolicy("escalate").has_value()) << "isolation is in place even for a blocked sandbox";

  // Fixing the template unblocks it.
  auto patched = client_->mergePatch(kube::resources::agentSandboxes(), ns_, "escalate",
                                     json::parse(R"({"spec": {"template": {"spec": {"containers": [
                                         {"name": "agent", "image": "a:1"}]}}}})"));
  ASSERT_TRUE(patched.ok()) << patched.error().describe();
  ASSERT_TRUE(waitUntil([&] { return pod("escalate").has_value(); }));
  EXPECT_TRUE(waitUntil([&] { return condition("escalate", "Blocked").value("status", "") == "False"; }));
}

TEST_F(ClusterReconcilerTest, HostNetworkIsDetectedNotPruned) {
  startOperator();
  createSandbox("hostnet", json::parse(R"({"template": {"spec": {"hostNetwork": true}}})"));
  ASSERT_TRUE(waitUntil([&] { return phase("hostnet") == "Blocked"; }));
  EXPECT_NE(condition("hostnet", "Blocked")["message"].get<std::string>().find("spec.template.spec.hostNetwork"),
            std::string::npos);
  EXPECT_FALSE(pod("hostnet").has_value());
}

TEST_F(ClusterReconcilerTest, MissingRuntimeClassBlocksUntilItIsCreated) {
  const std::string runtimeClass = "sandboxed-" + ns_.substr(ns_.size() - 6);
  OperatorOptions options = defaultOptions();
  options.allowedRuntimeClasses.insert(runtimeClass);
  startOperator(options);
  createSandbox("waiting", {{"runtimeClassName", runtimeClass}});
  ASSERT_TRUE(waitUntil([&] { return phase("waiting") == "Blocked"; }));
  EXPECT_EQ(condition("waiting", "Blocked")["reason"], "RuntimeClassNotFound");
  EXPECT_EQ(condition("waiting", "RuntimeSandboxed")["reason"], "RuntimeClassNotFound");
  EXPECT_FALSE(pod("waiting").has_value());

  ensureRuntimeClass(runtimeClass);
  ASSERT_TRUE(waitUntil([&] { return pod("waiting").has_value(); })) << "the RuntimeClass event did not wake the sandbox";
  EXPECT_EQ((*pod("waiting"))["spec"]["runtimeClassName"], runtimeClass);
  EXPECT_TRUE(waitUntil([&] { return condition("waiting", "Blocked").value("status", "") == "False"; }));
}

TEST_F(ClusterReconcilerTest, RuntimeClassOutsideTheAllowListIsRefused) {
  ensureRuntimeClass("runc-" + ns_.substr(ns_.size() - 6));
  startOperator();
  createSandbox("plain", {{"runtimeClassName", "runc-" + ns_.substr(ns_.size() - 6)}});
  ASSERT_TRUE(waitUntil([&] { return phase("plain") == "Blocked"; }));
  EXPECT_EQ(condition("plain", "Blocked")["reason"], "RuntimeClassNotAllowed");
  EXPECT_FALSE(pod("plain").has_value());
}

TEST_F(ClusterReconcilerTest, ExceededQuotaIsReportedAndRetried) {
  const json quota = json::parse(R"({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "no-pods"},
                                     "spec": {"hard": {"pods": "0"}}})");
  ASSERT_TRUE(client_->create(kResourceQuotas, ns_, quota).ok());
  // The API server's quota admission reads quotas from its own cache: a Pod created the instant after the
  // quota can still slip through. Once the quota controller has written status.hard, the API server has
  // seen the quota and enforces it.
  ASSERT_TRUE(waitUntil([&] {
    const auto current = client_->get(kResourceQuotas, ns_, "no-pods");
    return current.ok() && current->contains("status") && (*current)["status"].contains("hard");
  })) << "the quota controller never processed the ResourceQuota";
  startOperator();
  createSandbox("squeezed");
  ASSERT_TRUE(waitUntil([&] { return condition("squeezed", "Failed").value("reason", "") == "QuotaExceeded"; }))
      << condition("squeezed", "Failed").dump();
  EXPECT_EQ(condition("squeezed", "Failed")["status"], "True");
  EXPECT_EQ(phase("squeezed"), "Pending");
  EXPECT_FALSE(pod("squeezed").has_value());

  ASSERT_TRUE(client_->remove(kResourceQuotas, ns_, "no-pods").ok());
  ASSERT_TRUE(waitUntil([&] { return pod("squeezed").has_value(); }, 90s)) << "not retried after the quota went";
  EXPECT_TRUE(waitUntil([&] { return condition("squeezed", "Failed").value("status", "") == "False"; }));
}

TEST_F(ClusterReconcilerTest, DeletedNetworkPolicyStaysInForceThenIsRestored) {
  startOperator();
  createSandbox("guarded");
  ASSERT_TRUE(waitUntil([&] { return pod("guarded").has_value(); }));
  const json original = *networkPolicy("guarded");

  // An ordinary delete only marks it: the finalizer keeps it in force while the Pod exists.
  ASSERT_TRUE(client_->remove(kube::resources::networkPolicies(), ns_, "guarded-isolation").ok());
  ASSERT_TRUE(waitUntil([&] {
    const auto live = networkPolicy("guarded");
    return live && live->value("metadata", json::object()).contains("deletionTimestamp");
  }));
  EXPECT_EQ((*networkPolicy("guarded"))["spec"], original["spec"]);
  EXPECT_TRUE(pod("guarded").has_value());

  // Forced away (finalizer stripped by hand): the operator restores it.
  checker_->excuse("guarded");
  auto stripped = client_->mergePatch(kube::resources::networkPolicies(), ns_, "guarded-isolation",
                                      {{"metadata", {{"finalizers", nullptr}}}});
  ASSERT_TRUE(stripped.ok()) << stripped.error().describe();
  ASSERT_TRUE(waitUntil([&] {
    const auto live = networkPolicy("guarded");
    return live && uidOf(*live) != uidOf(original) && !live->value("metadata", json::object()).contains("deletionTimestamp");
  })) << "the NetworkPolicy was not restored";
  EXPECT_EQ((*networkPolicy("guarded"))["spec"], original["spec"]);
}

TEST_F(ClusterReconcilerTest, EditedNetworkPolicyIsRestored) {
  startOperator();
  createSandbox("edited");
  ASSERT_TRUE(waitUntil([&] { return pod("edited").has_value(); }));
  const json original = *networkPolicy("edited");
  auto widened = client_->mergePatch(kube::resources::networkPolicies(), ns_, "edited-isolation",
                                     json::parse(R"({"spec": {"egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]}})"));
  ASSERT_TRUE(widened.ok()) << widened.error().describe();
  ASSERT_TRUE(waitUntil([&] {
    const auto live = networkPolicy("edited");
    return live && (*live)["spec"] == original["spec"] &&
           (*live)["metadata"]["resourceVersion"] != (*widened)["metadata"]["resourceVersion"];
  })) << "the widened NetworkPolicy was not restored";
}

TEST_F(ClusterReconcilerTest, DeletedPodIsRecreatedWhenRestartPolicyIsAlways) {
  startOperator();
  createSandbox("phoenix");
  ASSERT_TRUE(waitUntil([&] { return pod("phoenix").has_value(); }));
  const std::string first = uidOf(*pod("phoenix"));
  ASSERT_TRUE(client_->remove(kube::resources::pods(), ns_, "phoenix").ok());
  ASSERT_TRUE(waitUntil([&] {
    const auto live = pod("phoenix");
    return live && uidOf(*live) != first;
  })) << "the Pod was not recreated";
  EXPECT_EQ(phase("phoenix"), "Pending");
}

TEST_F(ClusterReconcilerTest, DeletedPodFinishesSandboxWhenRestartPolicyIsNever) {
  startOperator();
  createSandbox("oneshot", json::parse(R"({"lifecycle": {"restartPolicy": "Never"}})"));
  ASSERT_TRUE(waitUntil([&] { return pod("oneshot").has_value(); }));
  // The Pod is created before the status that records its start is written.
  ASSERT_TRUE(waitUntil([&] {
    const auto object = sandbox("oneshot");
    return object && !object->value("status", json::object()).value("startTime", "").empty();
  }));
  ASSERT_TRUE(client_->remove(kube::resources::pods(), ns_, "oneshot").ok());
  ASSERT_TRUE(waitUntil([&] { return phase("oneshot") == "Failed"; }));
  EXPECT_EQ(condition("oneshot", "Failed")["reason"], "PodDeleted");
  EXPECT_FALSE((*sandbox("oneshot"))["status"].value("finishTime", "").empty());
  // Nudge every sandbox through the reconciler once more: a finished sandbox must still make no Pod.
  ASSERT_TRUE(reconcileEverySandboxAgain());
  EXPECT_FALSE(pod("oneshot").has_value());
  EXPECT_EQ(checker_->podCreations("oneshot"), 1);
}

TEST_F(ClusterReconcilerTest, ExpiryDeletesThePod) {
  startOperator();
  createSandbox("brief", json::parse(R"({"lifecycle": {"maxLifetime": "4s"}})"));
  ASSERT_TRUE(waitUntil([&] { return pod("brief").has_value(); }));
  // The Pod is created before the status that records the expiry is written.
  EXPECT_TRUE(waitUntil([&] {
    const auto object = sandbox("brief");
    return object && !object->value("status", json::object()).value("expiresAt", "").empty();
  }));
  ASSERT_TRUE(waitUntil([&] { return phase("brief") == "Expired"; }, 20s));
  EXPECT_TRUE(waitUntil([&] { return !pod("brief").has_value(); }));
  EXPECT_EQ(condition("brief", "Failed")["reason"], "Expired");
  EXPECT_EQ(condition("brief", "Ready")["reason"], "Expired");
  EXPECT_TRUE(networkPolicy("brief").has_value());
}

TEST_F(ClusterReconcilerTest, ExpiryCanDeleteTheSandbox) {
  startOperator();
  createSandbox("ephemeral", json::parse(R"({"lifecycle": {"maxLifetime": "4s", "onExpiry": "DeleteSandbox"}})"));
  ASSERT_TRUE(waitUntil([&] { return pod("ephemeral").has_value(); }));
  ASSERT_TRUE(waitUntil([&] { return !sandbox("ephemeral").has_value(); }, 20s));
  EXPECT_FALSE(pod("ephemeral").has_value());
  EXPECT_FALSE(networkPolicy("ephemeral").has_value());
  const auto podLife = checker_->podLifetime("ephemeral");
  const auto policyLife = checker_->policyLifetime("ephemeral");
  EXPECT_LT(podLife.deleted, policyLife.deleted) << "the Pod must be gone before its NetworkPolicy";
}

TEST_F(ClusterReconcilerTest, DeletingTheSandboxRemovesPodThenNetworkPolicy) {
  startOperator();
  createSandbox("doomed");
  ASSERT_TRUE(waitUntil([&] { return pod("doomed").has_value(); }));
  ASSERT_TRUE(client_->remove(kube::resources::agentSandboxes(), ns_, "doomed").ok());
  ASSERT_TRUE(waitUntil([&] { return !sandbox("doomed").has_value(); }));
  EXPECT_FALSE(pod("doomed").has_value());
  EXPECT_FALSE(networkPolicy("doomed").has_value());
  const auto podLife = checker_->podLifetime("doomed");
  const auto policyLife = checker_->policyLifetime("doomed");
  ASSERT_NE(podLife.deleted, 0u);
  EXPECT_LT(podLife.deleted, policyLife.deleted) << "the Pod must be gone before its NetworkPolicy";
}

TEST_F(ClusterReconcilerTest, ForegroundDeletionKeepsTheOrder) {
  startOperator();
  createSandbox("foreground");
  ASSERT_TRUE(waitUntil([&] { return pod("foreground").has_value(); }));
  kube::DeleteOptions options;
  options.propagationPolicy = "Foreground";
  ASSERT_TRUE(client_->remove(kube::resources::agentSandboxes(), ns_, "foreground", options).ok());
  ASSERT_TRUE(waitUntil([&] { return !sandbox("foreground").has_value(); }, 60s));
  const auto podLife = checker_->podLifetime("foreground");
  const auto policyLife = checker_->policyLifetime("foreground");
  ASSERT_NE(podLife.deleted, 0u);
  EXPECT_LT(podLife.deleted, policyLife.deleted);
}

TEST_F(ClusterReconcilerTest, RecoversFromAnApiServerRestartWithoutDuplicates) {
  startOperator();
  for (int i = 0; i < 3; ++i) createSandbox("before-" + std::to_string(i));
  ASSERT_TRUE(waitUntil([&] { return pod("before-2").has_value(); }));
  std::string error;
  ASSERT_TRUE(cluster().restartApiServer(&error)) << error;
  for (int i = 0; i < 3; ++i) createSandbox("after-" + std::to_string(i));
  for (int i = 0; i < 3; ++i) {
    const std::string name = "after-" + std::to_string(i);
    ASSERT_TRUE(waitUntil([&] { return pod(name).has_value(); }, 60s)) << name;
  }
  ASSERT_TRUE(client_->remove(kube::resources::pods(), ns_, "before-0").ok());
  ASSERT_TRUE(waitUntil([&] { return pod("before-0").has_value(); }, 60s));
  auto pods = client_->list(kube::resources::pods(), ns_);
  ASSERT_TRUE(pods.ok());
  EXPECT_EQ(pods->items.size(), 6u);
  for (int i = 1; i < 3; ++i) EXPECT_EQ(checker_->podCreations("before-" + std::to_string(i)), 1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(checker_->podCreations("after-" + std::to_string(i)), 1);
}

}  // namespace
}  // namespace agentguard::op::testing

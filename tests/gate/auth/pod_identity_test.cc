#include "gate/auth/pod_identity.h"

#include <gtest/gtest.h>

#include "tests/gate/auth/fake_caller_lookup.h"

namespace agentguard::gate {
namespace {

using testing::Json;
using testing::sandboxPod;

std::string reasonOf(const Json& pod, const std::string& ip = "10.0.0.5", const std::string& uid = "pod-uid") {
  const auto caller = callerFromPod(pod, ip, uid);
  return caller.ok() ? "accepted" : caller.error().message;
}

TEST(PodIdentityTest, SandboxPodBecomesTheCaller) {
  const auto caller = callerFromPod(sandboxPod("agents", "analyst-0", "pod-uid", "10.0.0.5"), "10.0.0.5", "pod-uid");
  ASSERT_TRUE(caller.ok()) << caller.error().describe();
  EXPECT_EQ(caller->namespaceName, "agents");
  EXPECT_EQ(caller->sandbox, "analyst");
  EXPECT_EQ(caller->sandboxUid, "analyst-uid");
  EXPECT_EQ(caller->pod, "analyst-0");
  EXPECT_EQ(caller->podUid, "pod-uid");
  EXPECT_EQ(caller->serviceAccount, "agent");
  EXPECT_EQ(caller->sourceIp, "10.0.0.5");
}

TEST(PodIdentityTest, EachRefusalSaysWhy) {
  const Json pod = sandboxPod("agents", "x", "pod-uid", "10.0.0.5");
  Json pending = pod;
  pending["status"]["phase"] = "Pending";
  Json noController = pod;
  noController["metadata"]["ownerReferences"][0]["controller"] = false;
  Json replicaSet = pod;
  replicaSet["metadata"]["ownerReferences"][0]["kind"] = "ReplicaSet";
  replicaSet["metadata"]["ownerReferences"][0]["apiVersion"] = "apps/v1";
  Json otherGroup = pod;
  otherGroup["metadata"]["ownerReferences"][0]["apiVersion"] = "agents.x-k8s.io/v1alpha1";
  Json noSandboxUid = pod;
  noSandboxUid["metadata"]["ownerReferences"][0].erase("uid");
  Json noOwners = pod;
  noOwners["metadata"].erase("ownerReferences");

  EXPECT_EQ(reasonOf(pod), "accepted");
  EXPECT_EQ(reasonOf(pod, "10.0.0.9"), "pod agents/x has IP 10.0.0.5, the request came from 10.0.0.9");
  EXPECT_EQ(reasonOf(pod, "10.0.0.5", "old-uid"),
            "pod agents/x has UID pod-uid, the token was issued for UID old-uid (a deleted Pod's token)");
  EXPECT_EQ(reasonOf(pending), "pod agents/x is Pending, not Running");
  EXPECT_EQ(reasonOf(noController), "pod agents/x has no controller; only AgentSandbox Pods may call the gate");
  EXPECT_EQ(reasonOf(noOwners), reasonOf(noController));
  EXPECT_EQ(reasonOf(replicaSet),
            "pod agents/x is controlled by ReplicaSet (apps/v1), not an AgentSandbox; only AgentSandbox Pods may call the gate");
  EXPECT_EQ(reasonOf(otherGroup),
            "pod agents/x is controlled by AgentSandbox (agents.x-k8s.io/v1alpha1), not an AgentSandbox; only AgentSandbox "
            "Pods may call the gate");
  EXPECT_EQ(reasonOf(noSandboxUid), "pod agents/x has an AgentSandbox controller reference without name or uid");
}

TEST(PodIdentityTest, SecondaryPodIpMatches) {
  Json pod = sandboxPod("agents", "x", "pod-uid", "10.0.0.5");
  pod["status"]["podIPs"].push_back({{"ip", "fd00::5"}});
  EXPECT_EQ(reasonOf(pod, "fd00::5"), "accepted");
}

TEST(PodIdentityTest, NoExpectedUidSkipsTheUidCheck) {
  EXPECT_TRUE(callerFromPod(sandboxPod("agents", "x", "any", "10.0.0.5"), "10.0.0.5", "").ok());
}

}  // namespace
}  // namespace agentguard::gate

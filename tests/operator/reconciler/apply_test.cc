// What a reconcile writes, and in which order, against an API server in memory (tests/operator/support/
// fake_cluster.h). The same paths against a real API server are in reconciler_cluster_test.cc.
#include "common/time/rfc3339.h"
#include "operator/reconciler/apply.h"

#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>

#include "common/kube/resource.h"
#include "operator/api/class_bounds.h"
#include "operator/builders/owned_objects.h"
#include "operator/reconciler/reconciler.h"
#include "tests/operator/support/fake_cluster.h"

namespace agentguard::op {
namespace {

using nlohmann::json;
using testing::FakeCluster;

class RecordedEvents final : public EventSink {
 public:
  void record(const SandboxMeta&, EventType, std::string_view reason, std::string) override {
    reasons.emplace_back(reason);
  }
  std::vector<std::string> reasons;
};

class ReconcileWritesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.put(kube::resources::runtimeClasses(), {{"metadata", {{"name", "gvisor"}}}, {"handler", "runsc"}});
    cluster_.put(kube::resources::agentSandboxClasses(),
                 {{"metadata",
                   {{"name", "standard"}, {"annotations", {{"agentsandboxclass.agentguard.io/is-default-class", "true"}}}}},
                  {"spec", {{"egress", {{"allowedCIDRs", json::array({"0.0.0.0/0"})}}}}}});
    json sandbox = {{"apiVersion", "agentguard.io/v1alpha1"},
                    {"kind", "AgentSandbox"},
                    {"metadata", {{"namespace", "agents"}, {"name", "analyst"}, {"generation", 1}}},
                    {"spec",
                     {{"template",
                       {{"spec", {{"containers", json::array({{{"name", "agent"}, {"image", "agent:1"}}})}}}}}}}};
    meta_ = readMeta(cluster_.put(kube::resources::agentSandboxes(), sandbox));
  }

  ReconcileResult reconcile() { return reconciler_.reconcile("agents", "analyst"); }

  std::string write(const std::string& verb, const kube::Resource& resource, const std::string& name) const {
    return verb + " " + resource.resource + " agents/" + name;
  }
  // The position of `entry` in the writes so far (the end when absent).
  size_t positionOf(const std::string& entry) const {
    const auto writes = cluster_.writes();
    return std::find(writes.begin(), writes.end(), entry) - writes.begin();
  }
  bool wrote(const std::string& entry) const { return positionOf(entry) < cluster_.writes().size(); }
  SandboxStatus status() const {
    const auto sandbox = cluster_.find(kube::resources::agentSandboxes(), "agents", "analyst");
    return SandboxStatus::fromJson(sandbox->value("status", json::object()));
  }
  std::string condition(const std::string& type) const {
    const SandboxStatus current = status();
    const Condition* found = current.condition(type);
    return found == nullptr ? "(none)" : found->status + " " + found->reason;
  }

  FakeCluster cluster_;
  RecentWrites writes_;
  RecordedEvents events_;
  ManualClock clock_;
  std::ostringstream logs_;
  log::Logger logger_{logs_};
  Reconciler reconciler_{cluster_, writes_, cluster_, events_, nullptr, clock_, logger_, ReconcilerOptions{}};
  SandboxMeta meta_;
};

TEST_F(ReconcileWritesTest, FinalizerThenPolicyThenPodThenStatus) {
  const ReconcileResult result = reconcile();
  ASSERT_FALSE(result.error) << result.error->describe();
  const std::vector<std::string> expected = {
      "patch agentsandboxes agents/analyst",
      write("create", kube::resources::networkPolicies(), networkPolicyName(meta_)),
      write("create", kube::resources::serviceAccounts(), dedicatedServiceAccountName(meta_)),
      write("create", kube::resources::pods(), podName(meta_)),
      "patch agentsandboxes/status agents/analyst",
  };
  EXPECT_EQ(cluster_.writes(), expected);
  EXPECT_EQ(events_.reasons, std::vector<std::string>{"Created"});
  EXPECT_EQ(condition("NetworkIsolated"), "True NetworkPolicyApplied");

  // Level-triggered: nothing changed, so nothing is written.
  const size_t before = cluster_.writes().size();
  EXPECT_FALSE(reconcile().error);
  EXPECT_EQ(cluster_.writes().size(), before);
}

TEST_F(ReconcileWritesTest, FailedPolicyWriteCreatesNoPodAndIsRetried) {
  cluster_.failNext("create", kube::resources::networkPolicies(), makeError(ErrorCode::kUnavailable, "etcd is slow"));
  const ReconcileResult result = reconcile();
  ASSERT_TRUE(result.error);
  EXPECT_FALSE(wrote(write("create", kube::resources::pods(), podName(meta_))));
  EXPECT_EQ(condition("NetworkIsolated"), "False APIError");
  EXPECT_EQ(condition("Failed"), "True APIError");
}

TEST_F(ReconcileWritesTest, RefusedPolicyBlocksOnceWithoutPod) {
  cluster_.failNext("create", kube::resources::networkPolicies(),
                    makeError(ErrorCode::kInvalidArgument, "spec.egress[0].to[0].ipBlock.cidr: Invalid value"));
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.error);  // retrying cannot help: the spec must change
  EXPECT_FALSE(wrote(write("create", kube::resources::pods(), podName(meta_))));
  EXPECT_EQ(condition("Blocked"), "True InvalidSpec");
  EXPECT_EQ(events_.reasons, std::vector<std::string>{"Blocked"});
}

// The cache did not show the policy; the API server has one that is not the sandbox's. It is judged as it is on
// the server: the sandbox is blocked and no Pod is made.
TEST_F(ReconcileWritesTest, PolicyTheCacheMissedIsJudgedAsTheServerHasIt) {
  cluster_.put(kube::resources::networkPolicies(),
               {{"metadata", {{"namespace", "agents"}, {"name", networkPolicyName(meta_)}}},
                {"spec", {{"podSelector", json::object()}}}});
  cluster_.hideFromCache(kube::resources::networkPolicies(), "agents", networkPolicyName(meta_));
  reconcile();
  EXPECT_TRUE(wrote(write("create", kube::resources::networkPolicies(), networkPolicyName(meta_))));
  EXPECT_FALSE(wrote(write("create", kube::resources::pods(), podName(meta_))));
  EXPECT_EQ(condition("Blocked"), "True NameConflict");
}

// After a restart the cache has not seen the sandbox's own policy yet: the create answers AlreadyExists, the policy
// read from the API server is the one in force, and the Pod is made behind it without rewriting it.
TEST_F(ReconcileWritesTest, OwnPolicyTheCacheMissedGuardsTheNewPod) {
  ASSERT_FALSE(reconcile().error);
  ASSERT_TRUE(cluster_.remove(kube::resources::pods(), "agents", podName(meta_)).ok());
  cluster_.hideFromCache(kube::resources::networkPolicies(), "agents", networkPolicyName(meta_));
  RecentWrites restarted;
  Reconciler reconciler{cluster_, restarted, cluster_, events_, nullptr, clock_, logger_, ReconcilerOptions{}};
  const size_t before = cluster_.writes().size();

  ASSERT_FALSE(reconciler.reconcile("agents", "analyst").error);
  const auto writes = cluster_.writes();
  const std::vector<std::string> after(writes.begin() + static_cast<std::ptrdiff_t>(before), writes.end());
  const std::vector<std::string> expected = {
      write("create", kube::resources::networkPolicies(), networkPolicyName(meta_)),  // AlreadyExists
      write("create", kube::resources::serviceAccounts(), dedicatedServiceAccountName(meta_)),  // AlreadyExists
      write("create", kube::resources::pods(), podName(meta_)),
  };
  EXPECT_EQ(after, expected);
  EXPECT_EQ(events_.reasons.back(), "Recreated");
}

TEST_F(ReconcileWritesTest, ExceededQuotaIsReportedAndRetried) {
  cluster_.failNext("create", kube::resources::pods(),
                    makeError(ErrorCode::kForbidden, "pods \"analyst\" is forbidden: exceeded quota: agents"));
  const ReconcileResult result = reconcile();
  ASSERT_TRUE(result.error);
  EXPECT_EQ(condition("Failed"), "True QuotaExceeded");
  EXPECT_EQ(condition("NetworkIsolated"), "True NetworkPolicyApplied");
}

// A Pod the sandbox's expiry could not delete is still reported (and the deletion retried).
TEST_F(ReconcileWritesTest, ExpiredPodThatCouldNotBeDeletedIsStillReported) {
  ASSERT_FALSE(reconcile().error);
  const std::string expired = time::formatRfc3339(clock_.wallNow() - std::chrono::seconds(1));
  ASSERT_TRUE(cluster_.mergePatch(kube::resources::agentSandboxes(), "agents", "analyst",
                                  {{"spec", {{"lifecycle", {{"shutdownTime", expired}}}}}})
                  .ok());
  cluster_.failNext("delete", kube::resources::pods(), makeError(ErrorCode::kUnavailable, "etcd is slow"));
  EXPECT_TRUE(reconcile().error);
  EXPECT_EQ(status().phase, "Expired");
  EXPECT_EQ(status().podName, podName(meta_));

  EXPECT_FALSE(reconcile().error);  // the Expired event is not repeated; the Pod goes
  EXPECT_FALSE(cluster_.find(kube::resources::pods(), "agents", podName(meta_)));
  EXPECT_EQ(status().podName, "");
  EXPECT_EQ(std::count(events_.reasons.begin(), events_.reasons.end(), "Expired"), 1);
}

TEST_F(ReconcileWritesTest, TeardownRemovesPodThenPolicyThenFinalizer) {
  ASSERT_FALSE(reconcile().error);
  ASSERT_TRUE(cluster_.remove(kube::resources::agentSandboxes(), "agents", "analyst").ok());  // finalizer: stays
  const std::string pod = write("delete", kube::resources::pods(), podName(meta_));
  const std::string policy = write("delete", kube::resources::networkPolicies(), networkPolicyName(meta_));

  const ReconcileResult first = reconcile();
  EXPECT_FALSE(first.error);
  EXPECT_EQ(first.requeueAfter, ReconcilerOptions{}.teardownRecheck);  // until the Pod is confirmed gone
  EXPECT_TRUE(wrote(pod));
  EXPECT_FALSE(wrote(policy));
  EXPECT_TRUE(cluster_.find(kube::resources::agentSandboxes(), "agents", "analyst"));

  EXPECT_FALSE(reconcile().error);
  EXPECT_LT(positionOf(pod), positionOf(policy));
  EXPECT_FALSE(cluster_.find(kube::resources::networkPolicies(), "agents", networkPolicyName(meta_)));
  EXPECT_FALSE(cluster_.find(kube::resources::agentSandboxes(), "agents", "analyst"));  // its finalizer went last
}

}  // namespace
}  // namespace agentguard::op

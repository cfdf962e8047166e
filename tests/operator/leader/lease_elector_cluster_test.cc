// Leader election between operator replicas on the real local API server.
#include <gtest/gtest.h>

#include "common/kube/resource.h"
#include "operator/leader/leader_guarded_client.h"
#include "operator/leader/lease_elector.h"
#include "tests/operator/support/operator_cluster_fixture.h"

namespace agentguard::op::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class ClusterLeaderElectionTest : public OperatorClusterTest {};

TEST_F(ClusterLeaderElectionTest, TwoReplicasMakeExactlyOnePodPerSandbox) {
  OperatorOptions options = defaultOptions();
  options.leaderElect = true;
  OperatorApp& first = startOperator(options);
  OperatorApp& second = startOperator(options);
  ASSERT_TRUE(waitUntil([&] { return first.isLeader() || second.isLeader(); }, 20s));
  EXPECT_NE(first.isLeader(), second.isLeader()) << "exactly one replica leads";
  for (int i = 0; i < 5; ++i) createSandbox("pair-" + std::to_string(i));
  for (int i = 0; i < 5; ++i) {
    const std::string name = "pair-" + std::to_string(i);
    ASSERT_TRUE(waitUntil([&] { return pod(name).has_value(); })) << name;
  }
  auto pods = client_->list(kube::resources::pods(), ns_);
  ASSERT_TRUE(pods.ok());
  EXPECT_EQ(pods->items.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(checker_->podCreations("pair-" + std::to_string(i)), 1);

  // The leader stops (and releases the lease): the standby takes over and keeps reconciling.
  OperatorApp& leader = first.isLeader() ? first : second;
  OperatorApp& standby = first.isLeader() ? second : first;
  leader.stop();
  ASSERT_TRUE(waitUntil([&] { return standby.isLeader(); }, 10s)) << "the standby did not take over";
  createSandbox("after-handover");
  ASSERT_TRUE(waitUntil([&] { return pod("after-handover").has_value(); }));
  EXPECT_EQ(checker_->podCreations("after-handover"), 1);
}

TEST_F(ClusterLeaderElectionTest, LeaseIsTakenOnlyAfterItExpires) {
  ManualClock clock;
  LeaseOptions options;
  options.ns = ns_;
  options.name = "election";
  options.leaseDuration = 3s;
  options.renewDeadline = 2s;
  options.retryPeriod = 500ms;
  options.identity = "a";
  LeaseElector a(*client_, clock, logger_, options);
  options.identity = "b";
  LeaseElector b(*client_, clock, logger_, options);

  ASSERT_TRUE(a.tryAcquireOrRenew());
  EXPECT_FALSE(b.tryAcquireOrRenew()) << "b first observes a's lease";
  clock.advance(2'900ms);
  EXPECT_FALSE(b.tryAcquireOrRenew()) << "not expired yet on b's clock";
  clock.advance(200ms);
  EXPECT_TRUE(b.tryAcquireOrRenew()) << "a stopped renewing: b takes over";
  auto lease = client_->get(kube::resources::leases(), ns_, "election");
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], "b");
  EXPECT_EQ((*lease)["spec"]["leaseTransitions"], 1);
  EXPECT_FALSE(a.tryAcquireOrRenew()) << "a now observes b's fresh lease";
}

TEST_F(ClusterLeaderElectionTest, LeaderThatCannotRenewStopsActingAtOnce) {
  ManualClock clock;
  LeaseOptions options;
  options.ns = ns_;
  options.name = "deadline";
  options.identity = "solo";
  options.leaseDuration = 3s;
  options.renewDeadline = 2s;
  options.retryPeriod = 500ms;
  LeaseElector elector(*client_, clock, logger_, options);
  std::atomic<int> started{0};
  elector.start([&] { ++started; }, [] {});
  ASSERT_TRUE(waitUntil([&] { return started.load() == 1; }));
  EXPECT_TRUE(elector.isLeader());
  // Time passes without a renewal (the manual clock outruns the renew loop's real-time waits): the token is
  // invalid the moment the deadline passes, before the renew loop notices.
  clock.advance(2'001ms);
  EXPECT_FALSE(elector.isLeader());
  elector.stop();
}

class Follower final : public Leadership {
 public:
  bool isLeader() const override { return false; }
};

TEST_F(ClusterLeaderElectionTest, GuardRefusesWritesWithoutLeadership) {
  Follower follower;
  LeaderGuardedClient guarded(*client_, follower);
  const json configMap = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "unwritten"}}}};
  auto created = guarded.create(kube::resources::configMaps(), ns_, configMap);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(client_->get(kube::resources::configMaps(), ns_, "unwritten").ok()) << "nothing reached the API";
  EXPECT_TRUE(guarded.list(kube::resources::configMaps(), ns_).ok()) << "reads pass";
}

}  // namespace
}  // namespace agentguard::op::testing

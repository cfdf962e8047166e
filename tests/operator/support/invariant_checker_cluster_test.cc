// The invariant checker itself: it must see a sandbox Pod that exists without its NetworkPolicy.
#include <gtest/gtest.h>

#include "common/kube/resource.h"
#include "tests/operator/support/operator_cluster_fixture.h"

namespace agentguard::op::testing {
namespace {

using nlohmann::json;

class ClusterInvariantCheckerTest : public OperatorClusterTest {};

TEST_F(ClusterInvariantCheckerTest, FlagsAPodWithoutItsNetworkPolicy) {
  json pod = json::parse(R"({"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "rogue", "labels": {"agentguard.io/sandbox": "rogue"}},
    "spec": {"containers": [{"name": "c", "image": "busybox"}]}})");
  ASSERT_TRUE(client_->create(kube::resources::pods(), ns_, pod).ok());
  const auto violations = checker_->verify();
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_NE(violations[0].find("Pod rogue of sandbox rogue existed without its NetworkPolicy"), std::string::npos)
      << violations[0];
  checker_->excuse("rogue");  // made on purpose: TearDown's check must not fail the test for it
}

}  // namespace
}  // namespace agentguard::op::testing

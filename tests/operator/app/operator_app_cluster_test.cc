// The operator's readiness against the real local API server, and against one it cannot reach.
#include <gtest/gtest.h>

#include "common/kube/cluster_config.h"
#include "common/kube/kube_client.h"
#include "tests/operator/support/operator_cluster_fixture.h"

namespace agentguard::op::testing {
namespace {

using namespace std::chrono_literals;

class ClusterOperatorAppTest : public OperatorClusterTest {};

TEST_F(ClusterOperatorAppTest, ReadyOnlyOnceItsCachesHaveSynced) {
  OperatorApp app(*client_, defaultOptions(), logger_, clock_, makeIdentity());
  EXPECT_FALSE(app.ready()) << "ready before it has listed anything";
  app.start();
  EXPECT_TRUE(waitUntil([&] { return app.ready(); }, 20s)) << "the caches never synced";
  app.stop();
}

TEST_F(ClusterOperatorAppTest, NotReadyWhileTheApiServerCannotBeReached) {
  auto config = kube::loadKubeconfig(cluster().kubeconfigPath());
  ASSERT_TRUE(config.ok()) << config.error().describe();
  const uint16_t closed = agentguard::testing::freeLoopbackPort();  // nothing listens there
  ASSERT_NE(closed, 0);
  config->server = "https://127.0.0.1:" + std::to_string(closed);
  auto unreachable = kube::makeKubeClient(*config);
  ASSERT_TRUE(unreachable.ok()) << unreachable.error().describe();
  OperatorApp app(**unreachable, defaultOptions(), logger_, clock_, makeIdentity());
  // start() gives the caches 30 s to sync (a new leader should act on what it knows), then goes on
  // without them: it must not hang on a server that never answers, and must not claim readiness.
  const auto starting = std::chrono::steady_clock::now();
  app.start();
  EXPECT_LT(std::chrono::steady_clock::now() - starting, 40s) << "start() hung on the unreachable server";
  EXPECT_FALSE(app.ready()) << "ready without ever reaching the API server";
  EXPECT_FALSE(waitUntil([&] { return app.ready(); }, 1s));
  const auto stopping = std::chrono::steady_clock::now();
  app.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 10s) << "stopping waited on the unreachable server";
}

}  // namespace
}  // namespace agentguard::op::testing

#include "webhook/checkpoints/kube_checkpoint_sink.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <set>

#include "common/kube/cluster_config.h"
#include "common/kube/resource.h"
#include "tests/common/decision/test_keys.h"
#include "tests/support/local_cluster.h"
#include "webhook/checkpoints/trust_configmap.h"

namespace agentguard::webhook {
namespace {

class KubeCheckpointSinkClusterTest : public agentguard::testing::LocalClusterTest {
 protected:
  void SetUp() override {
    LocalClusterTest::SetUp();
    ns_ = "checkpoints-" + std::to_string(std::random_device()() % 1000000);
    auto created = cluster().kubectl({"create", "namespace", ns_});
    ASSERT_EQ(created.exitCode, 0) << created.err;
    auto configMap = cluster().kubectl({"-n", ns_, "create", "configmap", "agentguard-checkpoints"});
    ASSERT_EQ(configMap.exitCode, 0) << configMap.err;
    auto config = kube::loadKubeconfig(cluster().kubeconfigPath());
    ASSERT_TRUE(config.ok()) << config.error().describe();
    auto client = kube::makeKubeClient(*config);
    ASSERT_TRUE(client.ok()) << client.error().describe();
    client_ = std::move(client).value();
  }
  void TearDown() override {
    if (!ns_.empty()) cluster().kubectl({"delete", "namespace", ns_, "--wait=false"});
  }

  std::string ns_;
  std::unique_ptr<kube::KubeClient> client_;
};

TEST_F(KubeCheckpointSinkClusterTest, KeepsTheNewestNotePerOriginAndAnEventPerCheckpoint) {
  KubeCheckpointSink sink(*client_, ns_, "agentguard-checkpoints");
  const decision::Checkpoint a1{"webhook-a", 1000, std::string(32, 'a')};
  const decision::Checkpoint a2{"webhook-a", 2000, std::string(32, 'b')};
  const decision::Checkpoint b1{"webhook-b", 500, std::string(32, 'c')};
  ASSERT_TRUE(sink.publish(a1, "webhook-a\n1000\nnote-a1\n").ok());
  ASSERT_TRUE(sink.publish(b1, "webhook-b\n500\nnote-b1\n").ok());
  Status latest = sink.publish(a2, "webhook-a\n2000\nnote-a2\n");
  ASSERT_TRUE(latest.ok()) << latest.error().describe();

  Result<nlohmann::json> configMap = client_->get(kube::resources::configMaps(), ns_, "agentguard-checkpoints");
  ASSERT_TRUE(configMap.ok()) << configMap.error().describe();
  EXPECT_EQ((*configMap)["data"], (nlohmann::json{{"webhook-a", "webhook-a\n2000\nnote-a2\n"},
                                                  {"webhook-b", "webhook-b\n500\nnote-b1\n"}}));

  kube::ListOptions options;
  options.fieldSelector = "involvedObject.name=agentguard-checkpoints,reason=DecisionLogCheckpoint";
  Result<kube::ObjectList> events = client_->list(kube::resources::events(), ns_, options);
  ASSERT_TRUE(events.ok()) << events.error().describe();
  std::multiset<std::string> messages;
  for (const nlohmann::json& event : events->items) {
    messages.insert(event.value("message", ""));
    EXPECT_EQ(event["involvedObject"]["kind"], "ConfigMap");
    EXPECT_EQ(event["involvedObject"]["uid"], (*configMap)["metadata"]["uid"]);
    EXPECT_EQ(event["source"]["component"], "agentguard-webhook");
  }
  EXPECT_EQ(messages, (std::multiset<std::string>{"webhook-a\n1000\nnote-a1\n", "webhook-b\n500\nnote-b1\n",
                                                   "webhook-a\n2000\nnote-a2\n"}));
}

TEST_F(KubeCheckpointSinkClusterTest, AMissingConfigMapIsAFailureNamingIt) {
  KubeCheckpointSink sink(*client_, ns_, "not-there");
  Status published = sink.publish(decision::Checkpoint{"webhook-a", 1, std::string(32, 'a')}, "note\n");
  ASSERT_FALSE(published.ok());
  EXPECT_EQ(published.error().code, ErrorCode::kNotFound);
  EXPECT_NE(published.error().message.find("ConfigMap " + ns_ + "/not-there"), std::string::npos)
      << published.error().message;
}

TEST_F(KubeCheckpointSinkClusterTest, TheTrustConfigMapKeepsOldKeysListed) {
  ASSERT_EQ(cluster().kubectl({"-n", ns_, "create", "configmap", "agentguard-trust"}).exitCode, 0);
  const decision::SigningKey old = decision::testing::newSigningKey();
  const decision::SigningKey rotated = decision::testing::newSigningKey();
  ASSERT_TRUE(publishTrustedKey(*client_, ns_, "agentguard-trust", old).ok());
  Status listed = publishTrustedKey(*client_, ns_, "agentguard-trust", rotated);
  ASSERT_TRUE(listed.ok()) << listed.error().describe();
  Result<nlohmann::json> trust = client_->get(kube::resources::configMaps(), ns_, "agentguard-trust");
  ASSERT_TRUE(trust.ok());
  EXPECT_EQ((*trust)["data"], (nlohmann::json{{old.keyId() + ".pem", old.publicKeyPem()},
                                              {rotated.keyId() + ".pem", rotated.publicKeyPem()}}));
  Status missing = publishTrustedKey(*client_, ns_, "not-there", old);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("ConfigMap " + ns_ + "/not-there"), std::string::npos);
}

// The Role docs/decision-log.md suggests lets the sink publish, and reaches no other ConfigMap nor any
// Event once created.
TEST_F(KubeCheckpointSinkClusterTest, TheDocumentedRoleIsEnoughAndReachesNothingElse) {
  ASSERT_EQ(cluster().kubectl({"-n", ns_, "create", "serviceaccount", "checkpointer"}).exitCode, 0);
  ASSERT_EQ(cluster().kubectl({"-n", ns_, "create", "configmap", "other"}).exitCode, 0);
  const std::string role = R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: checkpointer}
rules:
- apiGroups: [""]
  resources: [configmaps]
  resourceNames: [agentguard-checkpoints]
  verbs: [get, patch]
- apiGroups: [""]
  resources: [events]
  verbs: [create]
)";
  auto applied = cluster().kubectl({"-n", ns_, "apply", "-f", "-"}, {.stdinText = role});
  ASSERT_EQ(applied.exitCode, 0) << applied.err;
  auto bound = cluster().kubectl({"-n", ns_, "create", "rolebinding", "checkpointer", "--role=checkpointer",
                                  "--serviceaccount=" + ns_ + ":checkpointer"});
  ASSERT_EQ(bound.exitCode, 0) << bound.err;
  auto token = cluster().kubectl({"-n", ns_, "create", "token", "checkpointer"});
  ASSERT_EQ(token.exitCode, 0) << token.err;
  kube::ClusterConfig config;
  config.server = cluster().serverUrl();
  std::ifstream ca(cluster().caFile());
  std::ostringstream caText;
  caText << ca.rdbuf();
  config.caData = caText.str();
  config.token = token.out.substr(0, token.out.find_last_not_of("\n") + 1);
  auto client = kube::makeKubeClient(config);
  ASSERT_TRUE(client.ok()) << client.error().describe();

  KubeCheckpointSink sink(**client, ns_, "agentguard-checkpoints");
  const decision::Checkpoint checkpoint{"webhook-a", 1, std::string(32, 'a')};
  Status published = makeError(ErrorCode::kInternal, "not tried");
  // The authorizer may take a moment to see the new binding.
  agentguard::testing::waitFor([&] { return (published = sink.publish(checkpoint, "note\n")).ok(); }, std::chrono::seconds(30));
  ASSERT_TRUE(published.ok()) << published.error().describe();

  KubeCheckpointSink elsewhere(**client, ns_, "other");
  Status refused = elsewhere.publish(checkpoint, "note\n");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kForbidden) << refused.error().describe();

  kube::ListOptions options;
  options.fieldSelector = "reason=DecisionLogCheckpoint";
  Result<kube::ObjectList> events = client_->list(kube::resources::events(), ns_, options);
  ASSERT_TRUE(events.ok() && !events->items.empty());
  const std::string eventName = events->items.front()["metadata"]["name"];
  EXPECT_EQ((*client)->remove(kube::resources::events(), ns_, eventName).error().code, ErrorCode::kForbidden);
  EXPECT_EQ((*client)->mergePatch(kube::resources::events(), ns_, eventName, {{"message", "edited"}}).error().code,
            ErrorCode::kForbidden);
}

}  // namespace
}  // namespace agentguard::webhook

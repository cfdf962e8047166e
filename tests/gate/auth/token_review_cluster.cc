// Caller authentication against the real kube-apiserver (tests/support/local_cluster.h): a token bound to a
// Pod through the TokenRequest API with audience agentguard-gate, reviewed by a real TokenReview, and the
// Pod read through common/kube. No kubelet runs, so the test writes the Pod's status (Running, podIP).

#include <gtest/gtest.h>

#include <string>

#include "gate/auth/caller_authenticator.h"
#include "gate/auth/caller_lookup.h"
#include "tests/kube/kube_cluster_test.h"

namespace agentguard::gate {
namespace {

using kube::testing::Json;
using kube::testing::KubeClusterTest;
namespace resources = kube::resources;

class TokenReviewClusterTest : public KubeClusterTest {
 protected:
  void SetUp() override {
    KubeClusterTest::SetUp();
    if (HasFatalFailure()) return;
    const std::string crd = std::string(AGENTGUARD_SOURCE_DIR) + "/crds/agentguard.io_agentsandboxes.yaml";
    const auto created = cluster().kubectl({"create", "-f", crd});
    ASSERT_TRUE(created.exitCode == 0 || created.err.find("AlreadyExists") != std::string::npos) << created.err;
    ASSERT_TRUE(cluster().waitForCrdEstablished("agentsandboxes.agentguard.io"));
    ns_ = createNamespace();
    ASSERT_TRUE(cluster().waitForDefaultServiceAccount(ns_));
    const Json account = {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "agent"}}}};
    ASSERT_TRUE(client().create(resources::serviceAccounts(), ns_, account).ok());
    const Json sandbox = {{"apiVersion", "agentguard.io/v1alpha1"},
                          {"kind", "AgentSandbox"},
                          {"metadata", {{"name", "analyst"}}},
                          {"spec", {{"template", {{"spec", {{"containers", {{{"name", "agent"}, {"image", "busybox"}}}}}}}}}}};
    auto createdSandbox = client().create(resources::agentSandboxes(), ns_, sandbox);
    ASSERT_TRUE(createdSandbox.ok()) << createdSandbox.error().describe();
    sandboxUid_ = (*createdSandbox)["metadata"]["uid"].get<std::string>();
    const Json pod = {
        {"apiVersion", "v1"},
        {"kind", "Pod"},
        {"metadata",
         {{"name", "analyst-0"},
          {"ownerReferences", {{{"apiVersion", "agentguard.io/v1alpha1"}, {"kind", "AgentSandbox"}, {"name", "analyst"},
                                {"uid", sandboxUid_}, {"controller", true}}}}}},
        {"spec", {{"serviceAccountName", "agent"}, {"containers", {{{"name", "agent"}, {"image", "busybox"}}}}}}};
    auto createdPod = client().create(resources::pods(), ns_, pod);
    ASSERT_TRUE(createdPod.ok()) << createdPod.error().describe();
    podUid_ = (*createdPod)["metadata"]["uid"].get<std::string>();
    const Json status = {{"status", {{"phase", "Running"}, {"podIP", "10.0.0.5"}, {"podIPs", {{{"ip", "10.0.0.5"}}}}}}};
    auto patched = client().mergePatch(resources::pods(), ns_, "analyst-0", status, "status");
    ASSERT_TRUE(patched.ok()) << patched.error().describe();
    lookup_ = makeKubeCallerLookup(client());
  }

  // A token of ServiceAccount agent bound to the Pod, from the TokenRequest API.
  std::string boundToken(const std::string& audience) {
    std::vector<std::string> args = {"create", "token", "agent", "-n", ns_, "--duration=10m", "--bound-object-kind=Pod",
                                     "--bound-object-name=analyst-0", "--bound-object-uid=" + podUid_};
    if (!audience.empty()) args.push_back("--audience=" + audience);
    const auto issued = cluster().kubectl(args);
    EXPECT_EQ(issued.exitCode, 0) << issued.err;
    std::string token = issued.out;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    return token;
  }

  std::unique_ptr<CallerAuthenticator> authenticator(const std::string& gateNamespace) {
    AuthenticatorOptions options;
    options.namespaceName = gateNamespace;
    return makeCallerAuthenticator(*lookup_, std::move(options));
  }

  std::string ns_;
  std::string sandboxUid_;
  std::string podUid_;
  std::unique_ptr<CallerLookup> lookup_;
};

TEST_F(TokenReviewClusterTest, BoundTokenAuthenticatesAsTheSandboxPod) {
  const std::string token = boundToken("agentguard-gate");
  const auto auth = authenticator(ns_);
  const auto caller = auth->authenticate(token, "10.0.0.5");
  ASSERT_TRUE(caller.ok()) << caller.error().describe();
  EXPECT_EQ(caller->namespaceName, ns_);
  EXPECT_EQ(caller->sandbox, "analyst");
  EXPECT_EQ(caller->sandboxUid, sandboxUid_);
  EXPECT_EQ(caller->pod, "analyst-0");
  EXPECT_EQ(caller->podUid, podUid_);
  EXPECT_EQ(caller->serviceAccount, "agent");
  EXPECT_EQ(auth->authenticate(token, "10.0.0.9").error().message,
            "pod " + ns_ + "/analyst-0 has IP 10.0.0.5, the request came from 10.0.0.9");
}

TEST_F(TokenReviewClusterTest, TokenForTheApiServerAudienceIsRefused) {
  const auto caller = authenticator(ns_)->authenticate(boundToken(""), "10.0.0.5");
  ASSERT_FALSE(caller.ok());
  EXPECT_EQ(caller.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(caller.error().message.rfind("token is not valid for audience agentguard-gate", 0), 0u) << caller.error().message;
}

TEST_F(TokenReviewClusterTest, TokenOfAnotherNamespaceIsRefused) {
  const auto caller = authenticator("elsewhere")->authenticate(boundToken("agentguard-gate"), "10.0.0.5");
  ASSERT_FALSE(caller.ok());
  EXPECT_EQ(caller.error().message, "token belongs to namespace " + ns_ + ", this gate serves namespace elsewhere");
}

TEST_F(TokenReviewClusterTest, SourceIpFindsThePodThroughTheFieldSelector) {
  const auto auth = authenticator(ns_);
  const auto caller = auth->identifyBySourceIp("10.0.0.5");
  ASSERT_TRUE(caller.ok()) << caller.error().describe();
  EXPECT_EQ(caller->pod, "analyst-0");
  EXPECT_EQ(auth->identifyBySourceIp("10.0.0.6").error().message,
            "no Running AgentSandbox pod in namespace " + ns_ + " has IP 10.0.0.6");
}

TEST_F(TokenReviewClusterTest, DeletedPodIsRefusedEvenWhileTheReviewIsCached) {
  const std::string token = boundToken("agentguard-gate");
  const auto auth = authenticator(ns_);
  ASSERT_TRUE(auth->authenticate(token, "10.0.0.5").ok());
  kube::DeleteOptions now;
  now.gracePeriodSeconds = 0;
  ASSERT_TRUE(client().remove(resources::pods(), ns_, "analyst-0", now).ok());
  ASSERT_TRUE(kube::testing::waitFor(
      [&] {
        const auto got = client().get(resources::pods(), ns_, "analyst-0");
        return !got.ok() && got.error().code == ErrorCode::kNotFound;
      },
      std::chrono::seconds(20)));
  EXPECT_EQ(auth->authenticate(token, "10.0.0.5").error().message,
            "pod " + ns_ + "/analyst-0 named by the token does not exist");
}

}  // namespace
}  // namespace agentguard::gate

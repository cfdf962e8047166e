// Caller authentication against the real kube-apiserver (tests/support/local_cluster.h): a token bound to a
// Pod through the TokenRequest API with audience agentguard-gate, reviewed by a real TokenReview, and the
// Pods read through the gate's Pod informer (list + watch). No kubelet runs, so the test writes the Pod's status
// (Running, podIP).

#include <gtest/gtest.h>

#include <sstream>
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
    auto createdPod = client().create(resources::pods(), ns_, podObject());
    ASSERT_TRUE(createdPod.ok()) << createdPod.error().describe();
    podUid_ = (*createdPod)["metadata"]["uid"].get<std::string>();
    auto patched = client().mergePatch(resources::pods(), ns_, "analyst-0", runningStatus(), "status");
    ASSERT_TRUE(patched.ok()) << patched.error().describe();
    lookup_ = std::make_unique<PodInformerLookup>(client(), ns_, logger_);
    lookup_->start();
    // The Pod's status is set before the informer starts; wait until its list holds it Running.
    ASSERT_TRUE(kube::testing::waitFor(
        [&] {
          const auto pod = lookup_->getPod(ns_, "analyst-0");
          return pod.ok() && (**pod).value("/status/phase"_json_pointer, std::string()) == "Running";
        },
        std::chrono::seconds(20)));
  }
  void TearDown() override {
    if (lookup_) lookup_->stop();
    KubeClusterTest::TearDown();
  }

  // The sandbox's Pod analyst-0 (no kubelet: its status is written by runningStatus()).
  Json podObject() const {
    return {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata",
             {{"name", "analyst-0"},
              {"labels", {{"agentguard.io/sandbox", "analyst"}}},
              {"ownerReferences", {{{"apiVersion", "agentguard.io/v1alpha1"}, {"kind", "AgentSandbox"}, {"name", "analyst"},
                                    {"uid", sandboxUid_}, {"controller", true}}}}}},
            {"spec", {{"serviceAccountName", "agent"}, {"containers", {{{"name", "agent"}, {"image", "busybox"}}}}}}};
  }
  static Json runningStatus() {
    return {{"status", {{"phase", "Running"}, {"podIP", "10.0.0.5"}, {"podIPs", {{{"ip", "10.0.0.5"}}}}}}};
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
  std::ostringstream logs_;
  log::Logger logger_{logs_, log::Level::kInfo};
  std::unique_ptr<PodInformerLookup> lookup_;
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

TEST_F(TokenReviewClusterTest, SourceIpFindsThePodInTheCache) {
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
  // The watch event takes the Pod out of the cache; until then the Pod still exists for the gate.
  const std::string gone = "pod " + ns_ + "/analyst-0 named by the token does not exist";
  EXPECT_TRUE(kube::testing::waitFor(
      [&] {
        const auto caller = auth->authenticate(token, "10.0.0.5");
        return !caller.ok() && caller.error().message == gone;
      },
      std::chrono::seconds(20)));
}

TEST_F(TokenReviewClusterTest, PodRecreatedUnderTheSameNameRefusesTheOldToken) {
  const std::string token = boundToken("agentguard-gate");
  const auto auth = authenticator(ns_);
  ASSERT_TRUE(auth->authenticate(token, "10.0.0.5").ok());
  kube::DeleteOptions now;
  now.gracePeriodSeconds = 0;
  ASSERT_TRUE(client().remove(resources::pods(), ns_, "analyst-0", now).ok());
  ASSERT_TRUE(kube::testing::waitFor(
      [&] {
        const auto pod = lookup_->getPod(ns_, "analyst-0");
        return !pod.ok() && pod.error().code == ErrorCode::kNotFound;
      },
      std::chrono::seconds(20)));
  auto created = client().create(resources::pods(), ns_, podObject());
  ASSERT_TRUE(created.ok()) << created.error().describe();
  const std::string newUid = (*created)["metadata"]["uid"].get<std::string>();
  ASSERT_TRUE(client().mergePatch(resources::pods(), ns_, "analyst-0", runningStatus(), "status").ok());
  const std::string refused = "pod " + ns_ + "/analyst-0 has UID " + newUid + ", the token was issued for UID " +
                              podUid_ + " (a deleted Pod's token)";
  EXPECT_TRUE(kube::testing::waitFor(
      [&] {
        const auto caller = auth->authenticate(token, "10.0.0.5");
        return !caller.ok() && caller.error().message == refused;
      },
      std::chrono::seconds(20)));
}

TEST_F(TokenReviewClusterTest, PodWithoutTheSandboxLabelIsNotCached) {
  Json pod = podObject();
  pod["metadata"]["name"] = "unlabelled";
  pod["metadata"].erase("labels");
  ASSERT_TRUE(client().create(resources::pods(), ns_, pod).ok());
  Json labelled = podObject();
  labelled["metadata"]["name"] = "labelled";
  ASSERT_TRUE(client().create(resources::pods(), ns_, labelled).ok());
  ASSERT_TRUE(kube::testing::waitFor([&] { return lookup_->getPod(ns_, "labelled").ok(); }, std::chrono::seconds(20)));
  EXPECT_EQ(lookup_->getPod(ns_, "unlabelled").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace agentguard::gate

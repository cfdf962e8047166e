// desiredRegistration: what the webhook registers from the chart's template, its CA and what is
// registered already (unit tests); WebhookRegistration against the real local kube-apiserver (the
// "Cluster" suite): nothing before ready, registered once ready, re-created when deleted, removed with
// its owner ClusterRole.

#include "webhook/registration/webhook_registration.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "common/encoding/base64.h"
#include "common/kube/cluster_config.h"
#include "common/kube/resource.h"
#include "tests/support/local_cluster.h"
#include "tests/support/scratch_dir.h"
#include "tests/webhook/support/test_tls.h"

namespace agentguard::webhook {
namespace {

using nlohmann::json;

std::string pem(const std::string& body) {
  return "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----";
}
const std::string kCaA = pem("QUFBQQ==");
const std::string kCaB = pem("QkJCQg==");
const std::string kCaC = pem("Q0NDQw==");

json templ() {
  return json::parse(R"({
    "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
    "metadata": {"name": "rel-agentguard-webhook", "labels": {"app.kubernetes.io/instance": "rel"}},
    "webhooks": [
      {"name": "workloads.agentguard.io", "clientConfig": {"service": {"name": "w", "namespace": "ns", "path": "/validate", "port": 443}},
       "admissionReviewVersions": ["v1"], "sideEffects": "None", "failurePolicy": "Fail"},
      {"name": "namespaces.agentguard.io", "clientConfig": {"service": {"name": "w", "namespace": "ns", "path": "/validate", "port": 443}},
       "admissionReviewVersions": ["v1"], "sideEffects": "None", "failurePolicy": "Fail"}
    ]})");
}

const json kOwner = {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "ClusterRole"},
                     {"name", "rel-agentguard-webhook"}, {"uid", "1234"}};

json registeredWith(const std::string& bundlePem) {
  json existing = templ();
  for (auto& entry : existing["webhooks"]) entry["clientConfig"]["caBundle"] = encoding::encodeBase64(bundlePem);
  return existing;
}

std::string bundleOf(const json& registration, size_t webhook = 0) {
  return *encoding::decodeBase64(registration["webhooks"][webhook]["clientConfig"]["caBundle"].get<std::string>(),
                                 encoding::kStrictBase64);
}

TEST(DesiredRegistration, FirstRegistrationTrustsTheReplicasCaInEveryWebhook) {
  auto desired = desiredRegistration(templ(), kCaA + "\n", nullptr, kOwner);
  ASSERT_TRUE(desired.ok()) << desired.error().message;
  EXPECT_EQ(bundleOf(*desired, 0), kCaA + "\n");
  EXPECT_EQ(bundleOf(*desired, 1), kCaA + "\n");
  EXPECT_EQ((*desired)["metadata"]["ownerReferences"], json::array({kOwner}));
  EXPECT_EQ((*desired)["metadata"]["labels"]["app.kubernetes.io/instance"], "rel");
  EXPECT_EQ((*desired)["metadata"]["annotations"]["agentguard.io/registration-template-sha256"].get<std::string>().size(),
            64u);
}

struct BundleCase {
  std::string name;
  std::string registered;  // PEM bundle on the server
  std::string own;         // this replica's CA
  std::string want;
};

class Bundles : public ::testing::TestWithParam<BundleCase> {};

TEST_P(Bundles, KeepTheCaBeforeARotationAndNeverFlap) {
  const auto& c = GetParam();
  auto desired = desiredRegistration(templ(), c.own, registeredWith(c.registered), kOwner);
  ASSERT_TRUE(desired.ok()) << desired.error().message;
  EXPECT_EQ(bundleOf(*desired), c.want);
}

INSTANTIATE_TEST_SUITE_P(
    Rotation, Bundles,
    ::testing::Values(
        BundleCase{"Unchanged", kCaA + "\n", kCaA, kCaA + "\n"},
        BundleCase{"NewCaAddsTheOldOne", kCaA + "\n", kCaB, kCaB + "\n" + kCaA + "\n"},
        // A replica whose Secret is not refreshed yet finds its CA second: it changes nothing.
        BundleCase{"OldReplicaDuringRotation", kCaB + "\n" + kCaA + "\n", kCaA, kCaB + "\n" + kCaA + "\n"},
        BundleCase{"NewReplicaDuringRotation", kCaB + "\n" + kCaA + "\n", kCaB, kCaB + "\n" + kCaA + "\n"},
        // The next rotation drops the oldest: never more than two CAs.
        BundleCase{"SecondRotationDropsTheOldest", kCaB + "\n" + kCaA + "\n", kCaC, kCaC + "\n" + kCaB + "\n"},
        // Line breaks differ (the API server keeps bytes as given): still the same CA.
        BundleCase{"SameCaOtherLineBreaks", "-----BEGIN CERTIFICATE-----QUFBQQ==-----END CERTIFICATE-----",
                   kCaA, "-----BEGIN CERTIFICATE-----QUFBQQ==-----END CERTIFICATE-----"},
        BundleCase{"GarbageBundleIsReplaced", "not a certificate", kCaA, kCaA + "\n"}),
    [](const auto& param) { return param.param.name; });

TEST(DesiredRegistration, RefusesWhatIsNotARegistration) {
  json noWebhooks = templ();
  noWebhooks["webhooks"] = json::array();
  json noName = templ();
  noName["metadata"].erase("name");
  json otherKind = templ();
  otherKind["kind"] = "MutatingWebhookConfiguration";
  for (const auto& bad : {noWebhooks, noName, otherKind, json("text"), json::array()}) {
    auto desired = desiredRegistration(bad, kCaA, nullptr, kOwner);
    ASSERT_FALSE(desired.ok()) << bad.dump();
    EXPECT_EQ(desired.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(DesiredRegistration, RefusesACaFileWithoutACertificate) {
  auto desired = desiredRegistration(templ(), "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n", nullptr,
                                     kOwner);
  ASSERT_FALSE(desired.ok());
  EXPECT_NE(desired.error().message.find("no PEM certificate"), std::string::npos);
}

TEST(DesiredRegistration, DropsTheTemplatesResourceVersion) {
  json withVersion = templ();
  withVersion["metadata"]["resourceVersion"] = "42";
  auto desired = desiredRegistration(withVersion, kCaA, nullptr, kOwner);
  ASSERT_TRUE(desired.ok());
  EXPECT_FALSE((*desired)["metadata"].contains("resourceVersion"));
}

// ---------------------------------------------------------------------------------------------------
// Against the real API server.

namespace fs = std::filesystem;

std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class WebhookRegistrationClusterTest : public agentguard::testing::LocalClusterTest {
 protected:
  void SetUp() override {
    LocalClusterTest::SetUp();
    std::mt19937 random(std::random_device{}());
    suffix_ = std::to_string(random() % 1000000);
    name_ = "agentguard-registration-test-" + suffix_;
    auto config = kube::loadKubeconfig(cluster().kubeconfigPath());
    ASSERT_TRUE(config.ok()) << config.error().describe();
    auto client = kube::makeKubeClient(*config);
    ASSERT_TRUE(client.ok()) << client.error().describe();
    client_ = std::move(client).value();
    json role = {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "ClusterRole"},
                 {"metadata", {{"name", name_}}}, {"rules", json::array()}};
    ASSERT_TRUE(client_->create(kube::resources::clusterRoles(), "", role).ok());
    // Selects only namespaces with a label nobody sets, and is ignored when unreachable: other tests
    // sharing the cluster never reach it.
    json registration = templ();
    registration["metadata"]["name"] = name_;
    for (auto& entry : registration["webhooks"]) {
      entry["failurePolicy"] = "Ignore";
      entry["namespaceSelector"] = {{"matchLabels", {{"agentguard-registration-test", suffix_}}}};
      entry["rules"] = json::array({{{"apiGroups", {""}}, {"apiVersions", {"v1"}}, {"operations", {"CREATE"}},
                                     {"resources", {"configmaps"}}}});
    }
    std::ofstream(dir_ / "template.json") << registration.dump();
    std::ofstream(dir_ / "ca.crt") << pki_.caPem();
    options_ = RegistrationOptions{(dir_ / "template.json").string(), (dir_ / "ca.crt").string(), name_};
  }

  void TearDown() override {
    if (client_) {
      (void)client_->remove(kube::resources::validatingWebhookConfigurations(), "", name_);
      (void)client_->remove(kube::resources::clusterRoles(), "", name_);
    }
  }

  bool registered() const {
    return client_->get(kube::resources::validatingWebhookConfigurations(), "", name_).ok();
  }

  std::string suffix_, name_;
  agentguard::testing::ScratchDir dir_{"registration"};
  webhook::testing::TestPki pki_;
  std::unique_ptr<kube::KubeClient> client_;
  RegistrationOptions options_;
  std::ostringstream logs_;
  log::Logger logger_{logs_, log::Level::kInfo, "webhook"};
};

TEST_F(WebhookRegistrationClusterTest, RegistersOnlyOnceReadyAndRestoresADeletedRegistration) {
  bool ready = false;
  WebhookRegistration registration(*client_, options_, [&ready] { return ready; }, logger_);
  ASSERT_TRUE(registration.reconcile().ok());
  EXPECT_FALSE(registered()) << "registered before the webhook was ready";
  EXPECT_FALSE(registration.registered());

  ready = true;
  ASSERT_TRUE(registration.reconcile().ok()) << logs_.str();
  auto stored = client_->get(kube::resources::validatingWebhookConfigurations(), "", name_);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(bundleOf(*stored), pki_.caPem().substr(0, pki_.caPem().find_last_not_of('\n') + 1) + "\n");
  EXPECT_EQ((*stored)["metadata"]["ownerReferences"][0]["name"], name_);
  EXPECT_TRUE(registration.registered());
  const auto version = (*stored)["metadata"]["resourceVersion"];

  // Nothing changed: no write.
  ASSERT_TRUE(registration.reconcile().ok());
  auto again = client_->get(kube::resources::validatingWebhookConfigurations(), "", name_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)["metadata"]["resourceVersion"], version);

  ASSERT_TRUE(client_->remove(kube::resources::validatingWebhookConfigurations(), "", name_).ok());
  ASSERT_TRUE(registration.reconcile().ok());
  EXPECT_TRUE(registered()) << "a deleted registration was not restored";
}

TEST_F(WebhookRegistrationClusterTest, UndoesAnEditInPlaceThatKeptTheTemplatesAnnotation) {
  WebhookRegistration registration(*client_, options_, [] { return true; }, logger_);
  ASSERT_TRUE(registration.reconcile().ok()) << logs_.str();
  auto stored = client_->get(kube::resources::validatingWebhookConfigurations(), "", name_);
  ASSERT_TRUE(stored.ok());
  const json rules = (*stored)["webhooks"][0]["rules"];

  // What someone with write access could do to switch the webhook off without deleting it: watch
  // nothing that matters, and skip every object with a label an agent can set.
  json edited = *stored;
  for (auto& entry : edited["webhooks"]) {
    entry["rules"][0]["resources"] = json::array({"leases"});
    entry["objectSelector"] = {{"matchLabels", {{"skip-me", "true"}}}};
  }
  ASSERT_TRUE(client_->replace(kube::resources::validatingWebhookConfigurations(), "", name_, edited).ok());

  ASSERT_TRUE(registration.reconcile().ok()) << logs_.str();
  auto restored = client_->get(kube::resources::validatingWebhookConfigurations(), "", name_);
  ASSERT_TRUE(restored.ok());
  for (const auto& entry : (*restored)["webhooks"]) {
    EXPECT_EQ(entry["rules"], rules);
    EXPECT_EQ(entry.value("objectSelector", json::object()), json::object()) << entry.dump();
  }
  EXPECT_NE(logs_.str().find("Restored webhook registration that was edited in place"), std::string::npos) << logs_.str();

  // Restored, it stays as it is: no write on the next pass.
  const auto version = (*restored)["metadata"]["resourceVersion"];
  ASSERT_TRUE(registration.reconcile().ok());
  auto again = client_->get(kube::resources::validatingWebhookConfigurations(), "", name_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)["metadata"]["resourceVersion"], version);
}

TEST_F(WebhookRegistrationClusterTest, TrustsOnlyCertificatesOfARegisteredCaOnceSettled) {
  const std::string cert = (dir_ / "tls.crt").string(), key = (dir_ / "tls.key").string();
  pki_.issue(cert, key, "4004");
  webhook::testing::TestPki otherPki;
  const std::string otherCert = (dir_ / "other.crt").string(), otherKey = (dir_ / "other.key").string();
  otherPki.issue(otherCert, otherKey, "5005");
  const std::string ours = readText(cert), theirs = readText(otherCert);

  WebhookRegistration settling(*client_, options_, [] { return true; }, logger_, std::chrono::hours(1));
  EXPECT_TRUE(settling.trusts(theirs)) << "nothing is registered yet, so nothing is at stake";
  ASSERT_TRUE(settling.reconcile().ok()) << logs_.str();
  EXPECT_FALSE(settling.trusts(ours)) << "trusted before the API server could have read the bundle";

  WebhookRegistration settled(*client_, options_, [] { return true; }, logger_, std::chrono::milliseconds(0));
  ASSERT_TRUE(settled.reconcile().ok()) << logs_.str();
  EXPECT_TRUE(settled.trusts(ours));
  EXPECT_FALSE(settled.trusts(theirs)) << "a certificate of another CA";
  EXPECT_FALSE(settled.trusts("not a certificate"));
}

TEST_F(WebhookRegistrationClusterTest, GoesAwayWithItsOwnerClusterRole) {
  WebhookRegistration registration(*client_, options_, [] { return true; }, logger_);
  ASSERT_TRUE(registration.reconcile().ok()) << logs_.str();
  ASSERT_TRUE(registered());
  ASSERT_TRUE(client_->remove(kube::resources::clusterRoles(), "", name_).ok());
  EXPECT_TRUE(agentguard::testing::waitFor([&] { return !registered(); }, std::chrono::seconds(60)))
      << "the garbage collector left the registration after its owner was deleted";
}

TEST_F(WebhookRegistrationClusterTest, AMissingTemplateIsAnErrorAndRegistersNothing) {
  options_.templateFile = (dir_ / "absent.json").string();
  WebhookRegistration registration(*client_, options_, [] { return true; }, logger_);
  auto status = registration.reconcile();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("absent.json"), std::string::npos);
  EXPECT_FALSE(registered());
  EXPECT_NE(logs_.str().find("Failed to register the webhook"), std::string::npos);
}

}  // namespace
}  // namespace agentguard::webhook

#pragma once

// The fixture of the agentguard-webhook end-to-end suites: the built binary behind the real local
// kube-apiserver, driven with kubectl. The webhook configuration only selects the test's namespaces
// (and PersistentVolumes) by a label, so other tests sharing the cluster never reach it, and it is
// deleted at the end whatever happens.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <boost/asio/ssl.hpp>
#include <cpprest/http_client.h>

#include "common/encoding/base64.h"
#include "engine/policy/policy_loader.h"
#include "tests/support/local_cluster.h"
#include "tests/webhook/support/test_tls.h"

extern char** environ;

namespace agentguard::webhook::testing {

using ::testing::HasSubstr;
using ::testing::Not;
using agentguard::testing::CommandOptions;
using agentguard::testing::CommandResult;
namespace fs = std::filesystem;

inline constexpr const char* kWebhookName = "workloads.agentguard.io";

inline std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether the bundled policies switch on a rule of `category`, so the matching example must be refused.
inline bool bundledPoliciesCover(const std::string& category) {
  auto policies = engine::loadPolicies(fs::path(AGENTGUARD_SOURCE_DIR) / "policies");
  if (!policies.ok()) return false;
  for (const auto& binding : policies->rules) {
    if (binding.definition->info.category == category && binding.action == engine::Action::kDeny) return true;
  }
  return false;
}

class WebhookClusterTest : public agentguard::testing::LocalClusterTest {
 protected:
  void SetUp() override {
    LocalClusterTest::SetUp();
    if (HasFatalFailure()) return;
    // Namespaces of an earlier test may still be terminating: every test gets its own.
    static int sequence = 0;
    const std::string suffix = std::to_string(::getpid()) + "-" + std::to_string(++sequence);
    run_ = "wh" + suffix;
    isolated_ = "agentguard-e2e-" + suffix + "-agents";
    open_ = "agentguard-e2e-" + suffix + "-research";
    certFile_ = pki_.dir() + "/tls.crt";
    keyFile_ = pki_.dir() + "/tls.key";
    pki_.issue(certFile_, keyFile_, "5005");
    port_ = agentguard::testing::freeLoopbackPort();
    startWebhook();
    ASSERT_TRUE(agentguard::testing::waitFor([this] { return ready(); }, std::chrono::seconds(60)))
        << "agentguard-webhook did not become ready:\n" << readFile(logFile());

    for (const auto& ns : {isolated_, open_}) {
      ASSERT_EQ(kubectl({"create", "namespace", ns}).exitCode, 0);
      ASSERT_EQ(kubectl({"label", "namespace", ns, "agentguard-e2e=" + run_}).exitCode, 0);
    }
    // Without it the ServiceAccount admission plugin refuses a Pod before the webhook sees it.
    for (const auto& ns : {isolated_, open_}) {
      ASSERT_TRUE(cluster().waitForDefaultServiceAccount(ns)) << "ServiceAccount default never appeared in " << ns;
    }
    registerWebhook();
  }

  void TearDown() override {
    // Never leave a failurePolicy: Fail webhook behind on the shared cluster.
    kubectl({"delete", "validatingwebhookconfiguration", "agentguard-e2e-" + run_, "--ignore-not-found"});
    kubectl({"delete", "namespace", isolated_, open_, "--ignore-not-found", "--wait=false"});
    kubectl({"delete", "persistentvolumes", "-l", "agentguard-e2e=" + run_, "--ignore-not-found", "--wait=false"});
    stopWebhook();
  }

  CommandResult kubectl(const std::vector<std::string>& args, const std::string& stdinText = "") const {
    CommandOptions options;
    options.stdinText = stdinText;
    return cluster().kubectl(args, options);
  }

  CommandResult apply(const std::string& yaml) const {
    std::string text = std::regex_replace(yaml, std::regex("namespace: agents"), "namespace: " + isolated_);
    text = std::regex_replace(text, std::regex("namespace: research"), "namespace: " + open_);
    return kubectl({"apply", "-f", "-"}, text);
  }

  std::string logFile() const { return pki_.dir() + "/webhook.log"; }

  // The policies the webhook serves: the bundled ones unless a suite needs others.
  virtual std::string policiesPath() const { return std::string(AGENTGUARD_SOURCE_DIR) + "/policies"; }
  // Flags a suite adds to the webhook's command line.
  virtual std::vector<std::string> extraWebhookArgs() const { return {}; }

  // Applies `yaml` until it is admitted: the webhook learns of a NetworkPolicy created just before
  // through its watch a moment later.
  void applyAdmitted(const std::string& yaml) const {
    CommandResult result;
    ASSERT_TRUE(agentguard::testing::waitFor([&] { return (result = apply(yaml)).exitCode == 0; },
                                             std::chrono::seconds(20)))
        << result.err << "\n" << readFile(logFile());
  }

  // A request the webhook refused, naming `part` (a rule id, a path).
  static void expectDenied(const CommandResult& result, const std::string& part) {
    EXPECT_NE(result.exitCode, 0) << "admitted:\n" << result.out;
    EXPECT_THAT(result.err, HasSubstr("denied the request: agentguard denied ")) << result.err;
    EXPECT_THAT(result.err, HasSubstr(part)) << result.err;
  }

  void startWebhook() {
    const std::string binary = std::string(AGENTGUARD_BINARY_DIR) + "/bin/agentguard-webhook";
    std::vector<std::string> args = {binary,
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(port_),
                                     "--tls-cert-file",
                                     certFile_,
                                     "--tls-private-key-file",
                                     keyFile_,
                                     "--policies",
                                     policiesPath(),
                                     "--kubeconfig",
                                     cluster().kubeconfigPath(),
                                     "--metrics-listen",
                                     "127.0.0.1:" + std::to_string(agentguard::testing::freeLoopbackPort()),
                                     "--reload-interval",
                                     "200ms"};
    for (const auto& arg : extraWebhookArgs()) args.push_back(arg);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, logFile().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    ASSERT_EQ(posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ), 0) << binary;
    posix_spawn_file_actions_destroy(&actions);
  }

  void stopWebhook() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "no clean shutdown:\n" << readFile(logFile());
  }

  bool ready() const {
    try {
      web::http::client::http_client_config config;
      const std::string ca = pki_.caFile();
      config.set_ssl_context_callback([ca](boost::asio::ssl::context& context) { context.load_verify_file(ca); });
      config.set_timeout(std::chrono::seconds(2));
      web::http::client::http_client client("https://127.0.0.1:" + std::to_string(port_), config);
      return client.request("GET", "/readyz").get().status_code() == 200;
    } catch (const std::exception&) {
      return false;
    }
  }

  void registerWebhook() {
    const std::string configuration = R"(apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: agentguard-e2e-)" + run_ + R"(
webhooks:
  - name: )" + kWebhookName + R"(
    clientConfig:
      url: https://127.0.0.1:)" + std::to_string(port_) + R"(/validate
      caBundle: )" + agentguard::encoding::encodeBase64(pki_.caPem()) + R"(
    failurePolicy: Fail
    sideEffects: None
    admissionReviewVersions: [v1]
    timeoutSeconds: 5
    namespaceSelector:
      matchExpressions:
        - {key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system, kube-public, kube-node-lease]}
        - {key: agentguard-e2e, operator: In, values: [)" + run_ + R"(]}
    rules:
      - apiGroups: [""]
        apiVersions: [v1]
        operations: [CREATE, UPDATE]
        resources: [pods, pods/ephemeralcontainers, services, services/status, replicationcontrollers, podtemplates,
                    configmaps]
      - apiGroups: [apps]
        apiVersions: [v1]
        operations: [CREATE, UPDATE]
        resources: [deployments, replicasets, statefulsets, daemonsets]
      - apiGroups: [batch]
        apiVersions: [v1, v1beta1]
        operations: [CREATE, UPDATE]
        resources: [jobs, cronjobs]
      - apiGroups: [networking.k8s.io]
        apiVersions: [v1]
        operations: [CREATE, UPDATE]
        resources: [ingresses]
      - apiGroups: [networking.k8s.io]
        apiVersions: [v1]
        operations: [CREATE, UPDATE, DELETE]
        resources: [networkpolicies]
  # PersistentVolumes are cluster-scoped: selected by the run's label instead of their namespace.
  - name: persistentvolumes.agentguard.io
    clientConfig:
      url: https://127.0.0.1:)" + std::to_string(port_) + R"(/validate
      caBundle: )" + agentguard::encoding::encodeBase64(pki_.caPem()) + R"(
    failurePolicy: Fail
    sideEffects: None
    admissionReviewVersions: [v1]
    timeoutSeconds: 5
    objectSelector:
      matchLabels: {agentguard-e2e: )" + run_ + R"(}
    rules:
      - apiGroups: [""]
        apiVersions: [v1]
        operations: [CREATE, UPDATE]
        resources: [persistentvolumes]
        scope: Cluster
)";
    const auto result = kubectl({"apply", "-f", "-"}, configuration);
    ASSERT_EQ(result.exitCode, 0) << result.err;
    // The API server picks new webhook configurations up asynchronously: wait until a refusal shows, or
    // (in warn and audit mode, which admit the probe) until the webhook logs the probe.
    const std::string probe = R"(apiVersion: v1
kind: Service
metadata: {name: probe, namespace: )" + isolated_ + R"(}
spec: {type: NodePort, ports: [{port: 80}]}
)";
    ASSERT_TRUE(agentguard::testing::waitFor(
        [&] {
          return kubectl({"apply", "--dry-run=server", "-f", "-"}, probe).exitCode != 0 ||
                 readFile(logFile()).find(R"("name":"probe")") != std::string::npos;
        },
        std::chrono::seconds(30)))
        << "the API server never called the webhook";
  }

  void expectRefused(const std::string& file, const std::string& rulePrefix) const {
    const auto result = apply(readFile(fs::path(AGENTGUARD_SOURCE_DIR) / "examples" / file));
    EXPECT_NE(result.exitCode, 0) << file << " was admitted:\n" << result.out;
    EXPECT_THAT(result.err, HasSubstr(std::string("admission webhook \"") + kWebhookName + "\" denied the request: "
                                      "agentguard denied "))
        << file;
    EXPECT_THAT(result.err, HasSubstr(rulePrefix)) << file;
    EXPECT_THAT(result.err, HasSubstr("; fix: ")) << file;
  }

  agentguard::webhook::testing::TestPki pki_;
  std::string run_, isolated_, open_, certFile_, keyFile_;
  int port_ = 0;
  pid_t pid_ = -1;
};


}  // namespace agentguard::webhook::testing

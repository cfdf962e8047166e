// Authentication and transport failures against the real API server: bearer tokens (fixed, from a file,
// of a ServiceAccount without RBAC), client certificates, untrusted CAs and an unreachable server.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/kube/kube_client.h"
#include "tests/kube/kube_cluster_test.h"
#include "tests/support/scratch_dir.h"

namespace agentguard::kube::testing {
namespace {

namespace fs = std::filesystem;
using agentguard::testing::runCommand;
using agentguard::testing::runKubectl;

std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class AuthTest : public KubeClusterTest {
 protected:
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // A client for the same server with the given credentials and the cluster's CA.
  std::unique_ptr<KubeClient> clientWith(ClusterConfig config) {
    config.server = this->config().server;
    if (config.caData.empty() && !config.insecureSkipTlsVerify) config.caData = this->config().caData;
    auto made = makeKubeClient(config);
    EXPECT_TRUE(made.ok()) << made.error().describe();
    return made.ok() ? std::move(made).value() : nullptr;
  }

  void openssl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto result = runCommand(argv);
    ASSERT_EQ(result.exitCode, 0) << result.err;
  }

 private:
  agentguard::testing::ScratchDir dir_{"kube-auth-test"};
};

TEST_F(AuthTest, ServiceAccountWithoutRbacIsForbidden) {
  const std::string ns = createNamespace();
  const Json account = {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "no-rights"}}}};
  ASSERT_TRUE(client().create(resources::serviceAccounts(), ns, account).ok());
  // A bound token from the TokenRequest API (ServiceAccounts get no token Secret since Kubernetes 1.24).
  const auto issued = runKubectl({"create", "token", "no-rights", "-n", ns, "--duration=10m"});
  ASSERT_EQ(issued.exitCode, 0) << issued.err;
  std::string token = issued.out;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  ASSERT_FALSE(token.empty());

  ClusterConfig credentials;
  credentials.token = token;
  auto restricted = clientWith(credentials);
  ASSERT_NE(restricted, nullptr);
  auto listed = restricted->list(resources::pods(), "kube-system");
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, ErrorCode::kForbidden) << listed.error().describe();
  EXPECT_NE(listed.error().message.find("system:serviceaccount:" + ns + ":no-rights"), std::string::npos)
      << listed.error().message;
  auto write = restricted->create(resources::configMaps(), ns, configMap("nope"));
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().code, ErrorCode::kForbidden);
  EXPECT_FALSE(write.error().retryable());
}

TEST_F(AuthTest, UnknownTokenIsForbidden) {
  ClusterConfig credentials;
  credentials.token = "not-a-token";
  auto anonymous = clientWith(credentials);
  ASSERT_NE(anonymous, nullptr);
  auto listed = anonymous->list(resources::namespaces(), "");
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, ErrorCode::kForbidden) << listed.error().describe();  // 401
}

TEST_F(AuthTest, TokenFileIsReadAgainWhenItChanges) {
  const std::string tokenFile = path("token");
  std::ofstream(tokenFile) << "rotated-out\n";
  ClusterConfig credentials;
  credentials.tokenFile = tokenFile;
  credentials.token = cluster().adminToken();  // the file wins over a fixed token
  auto rotating = clientWith(credentials);
  ASSERT_NE(rotating, nullptr);
  EXPECT_EQ(rotating->list(resources::namespaces(), "").error().code, ErrorCode::kForbidden);

  // Replace the file the way the kubelet does: a new file renamed over the old one.
  std::ofstream(tokenFile + ".new") << cluster().adminToken() << "\n";
  fs::rename(tokenFile + ".new", tokenFile);
  auto listed = rotating->list(resources::namespaces(), "");
  EXPECT_TRUE(listed.ok()) << listed.error().describe();
}

TEST_F(AuthTest, ClientCertificateFromKubeconfigAuthenticates) {
  const std::string caKey = cluster().envValue("AGENTGUARD_CLUSTER_CA_KEY");
  ASSERT_FALSE(caKey.empty());
  openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
           path("client.key"), "-out", path("client.csr"), "-subj", "/O=system:masters/CN=kube-test-client"});
  openssl({"x509", "-req", "-in", path("client.csr"), "-CA", cluster().caFile(), "-CAkey", caKey,
           "-CAcreateserial", "-days", "1", "-out", path("client.crt")});
  ASSERT_FALSE(HasFatalFailure());

  // A kubeconfig referring to the files, as an operator's out-of-cluster setup would.
  std::ofstream(path("kubeconfig")) << "apiVersion: v1\nkind: Config\ncurrent-context: cert\n"
                                    << "clusters:\n- name: local\n  cluster:\n    server: " << config().server
                                    << "\n    certificate-authority: " << cluster().caFile() << "\n"
                                    << "users:\n- name: cert\n  user:\n    client-certificate: client.crt\n"
                                    << "    client-key: client.key\n"
                                    << "contexts:\n- name: cert\n  context:\n    cluster: local\n    user: cert\n";
  auto loaded = loadKubeconfig(path("kubeconfig"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  EXPECT_TRUE(loaded->token.empty());
  auto certClient = makeKubeClient(*loaded);
  ASSERT_TRUE(certClient.ok()) << certClient.error().describe();
  auto listed = (*certClient)->list(resources::namespaces(), "");
  EXPECT_TRUE(listed.ok()) << listed.error().describe();
}

TEST_F(AuthTest, MismatchedClientKeyIsRefusedUpFront) {
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
           path("a.key"), "-out", path("a.crt"), "-subj", "/CN=a", "-days", "1"});
  openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path("b.key")});
  ASSERT_FALSE(HasFatalFailure());
  ClusterConfig config = this->config();
  config.token.clear();
  config.clientCertificateData = readText(path("a.crt"));
  config.clientKeyData = readText(path("b.key"));
  auto made = makeKubeClient(config);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(made.error().message.find("mismatch"), std::string::npos) << made.error().message;

  config.clientCertificateData.clear();
  config.clientKeyData.clear();
  config.caData = "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n";
  auto badCa = makeKubeClient(config);
  ASSERT_FALSE(badCa.ok());
  EXPECT_EQ(badCa.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(AuthTest, ServerSignedByAnotherCaIsNotTrusted) {
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
           path("other-ca.key"), "-out", path("other-ca.crt"), "-subj", "/CN=other-ca", "-days", "1"});
  ASSERT_FALSE(HasFatalFailure());
  ClusterConfig credentials;
  credentials.token = cluster().adminToken();
  credentials.caData = readText(path("other-ca.crt"));
  auto distrusting = clientWith(credentials);
  ASSERT_NE(distrusting, nullptr);
  auto listed = distrusting->list(resources::namespaces(), "");
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, ErrorCode::kUnavailable) << listed.error().describe();
  EXPECT_NE(listed.error().message.find("handshake"), std::string::npos) << listed.error().message;
}

TEST_F(AuthTest, SkippingVerificationWorksOnlyWhenAsked) {
  ClusterConfig credentials;
  credentials.token = cluster().adminToken();
  credentials.insecureSkipTlsVerify = true;
  auto insecure = clientWith(credentials);
  ASSERT_NE(insecure, nullptr);
  EXPECT_TRUE(insecure->list(resources::namespaces(), "").ok());
}

TEST_F(AuthTest, UnreachableServerIsUnavailable) {
  // A port that was free a moment ago: nothing listens there.
  const uint16_t port = agentguard::testing::freeLoopbackPort();
  ASSERT_NE(port, 0);

  ClusterConfig config = this->config();
  config.server = "https://127.0.0.1:" + std::to_string(port);
  auto made = makeKubeClient(config);
  ASSERT_TRUE(made.ok()) << made.error().describe();
  const auto begun = std::chrono::steady_clock::now();
  auto fetched = (*made)->get(resources::namespaces(), "", "default");
  ASSERT_FALSE(fetched.ok());
  EXPECT_EQ(fetched.error().code, ErrorCode::kUnavailable) << fetched.error().describe();
  EXPECT_TRUE(fetched.error().retryable());
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 10s);
  StopSignal stop;
  const Status watched = (*made)->watch(resources::configMaps(), "", {}, [](WatchEvent&&) { return true; }, stop);
  ASSERT_FALSE(watched.ok());
  EXPECT_EQ(watched.error().code, ErrorCode::kUnavailable) << watched.error().describe();
}

}  // namespace
}  // namespace agentguard::kube::testing

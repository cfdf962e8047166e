#include "common/kube/cluster_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "tests/support/scratch_dir.h"

namespace agentguard::kube {
namespace {

namespace fs = std::filesystem;

// "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n" and friends, base64-encoded: the parser
// does not look inside PEM data (the transport does).
constexpr const char* kCaPem = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
constexpr const char* kCaBase64 = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K";

using agentguard::testing::ScratchDir;

// Sets an environment variable for the scope, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string kubeconfig(const std::string& clusterBody, const std::string& userBody,
                       const std::string& extraContexts = "") {
  return "apiVersion: v1\nkind: Config\ncurrent-context: dev\n"
         "clusters:\n- name: local\n  cluster:\n" + clusterBody +
         "users:\n- name: admin\n  user:\n" + userBody +
         "contexts:\n- name: dev\n  context:\n    cluster: local\n    user: admin\n    namespace: agents\n" +
         extraContexts;
}

TEST(KubeconfigTest, ReadsInlineDataTokenAndNamespace) {
  ScratchDir dir{"kubeconfig"};
  const std::string path = dir.write(
      "config", kubeconfig("    server: https://127.0.0.1:6443/\n    certificate-authority-data: " +
                               std::string(kCaBase64) + "\n",
                           "    token: abc123\n"));
  auto config = loadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.error().describe();
  EXPECT_EQ(config->server, "https://127.0.0.1:6443");  // trailing slash dropped
  EXPECT_EQ(config->caData, kCaPem);
  EXPECT_EQ(config->token, "abc123");
  EXPECT_EQ(config->defaultNamespace, "agents");
  EXPECT_FALSE(config->insecureSkipTlsVerify);
  EXPECT_TRUE(config->clientCertificateData.empty());
}

TEST(KubeconfigTest, ReadsFilesRelativeToTheKubeconfig) {
  ScratchDir dir{"kubeconfig"};
  dir.write("pki/ca.crt", kCaPem);
  dir.write("pki/client.crt", "CERT");
  dir.write("pki/client.key", "KEY");
  dir.write("token", "t0ken\n");
  const std::string path = dir.write(
      "conf/config", kubeconfig("    server: https://k8s.example:443\n    certificate-authority: ../pki/ca.crt\n",
                                "    client-certificate: ../pki/client.crt\n    client-key: " + dir.path().string() +
                                    "/pki/client.key\n    tokenFile: ../token\n"));
  auto config = loadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.error().describe();
  EXPECT_EQ(config->caData, kCaPem);
  EXPECT_EQ(config->clientCertificateData, "CERT");
  EXPECT_EQ(config->clientKeyData, "KEY");
  EXPECT_EQ(config->tokenFile, dir.path().string() + "/conf/../token");
  EXPECT_TRUE(config->token.empty());
}

TEST(KubeconfigTest, InlineDataWinsOverFile) {
  ScratchDir dir{"kubeconfig"};
  const std::string path = dir.write(
      "config", kubeconfig("    server: https://a:1\n    certificate-authority: /does/not/exist\n"
                           "    certificate-authority-data: " + std::string(kCaBase64) + "\n",
                           "    token: x\n"));
  auto config = loadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.error().describe();
  EXPECT_EQ(config->caData, kCaPem);
}

TEST(KubeconfigTest, SelectsAnExplicitContext) {
  ScratchDir dir{"kubeconfig"};
  const std::string path = dir.write(
      "config", kubeconfig("    server: https://a:1\n", "    token: x\n",
                           "- name: other\n  context:\n    cluster: local\n    user: admin\n"));
  auto config = loadKubeconfig(path, "other");
  ASSERT_TRUE(config.ok()) << config.error().describe();
  EXPECT_EQ(config->defaultNamespace, "default");  // the context names none
}

TEST(KubeconfigTest, UnknownContextListsTheKnownOnes) {
  ScratchDir dir{"kubeconfig"};
  const std::string path = dir.write("config", kubeconfig("    server: https://a:1\n", "    token: x\n"));
  auto config = loadKubeconfig(path, "prod");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(config.error().message.find("context \"prod\" not found (contexts: dev)"), std::string::npos)
      << config.error().message;
}

TEST(KubeconfigTest, RefusesInsecureSkipTlsVerifyUnlessAllowed) {
  ScratchDir dir{"kubeconfig"};
  const std::string path =
      dir.write("config", kubeconfig("    server: https://a:1\n    insecure-skip-tls-verify: true\n", "    token: x\n"));
  auto refused = loadKubeconfig(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("insecure-skip-tls-verify"), std::string::npos);

  auto allowed = loadKubeconfig(path, "", /*allowInsecure=*/true);
  ASSERT_TRUE(allowed.ok()) << allowed.error().describe();
  EXPECT_TRUE(allowed->insecureSkipTlsVerify);
}

TEST(KubeconfigTest, RefusesPlainHttpServer) {
  ScratchDir dir{"kubeconfig"};
  const std::string path = dir.write("config", kubeconfig("    server: http://a:8080\n", "    token: x\n"));
  auto config = loadKubeconfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("https://"), std::string::npos);
}

TEST(KubeconfigTest, RefusesUnsupportedAuthentication) {
  ScratchDir dir{"kubeconfig"};
  const std::string path = dir.write(
      "config", kubeconfig("    server: https://a:1\n",
                           "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n"));
  auto config = loadKubeconfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("users[admin].user.exec is not supported"), std::string::npos)
      << config.error().message;
}

TEST(KubeconfigTest, RefusesACertificateWithoutItsKey) {
  ScratchDir dir{"kubeconfig"};
  const std::string path =
      dir.write("config", kubeconfig("    server: https://a:1\n", "    client-certificate-data: Q0VSVA==\n"));
  auto config = loadKubeconfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
}

TEST(KubeconfigTest, RefusesDataThatIsNotBase64) {
  ScratchDir dir{"kubeconfig"};
  const std::string path =
      dir.write("config", kubeconfig("    server: https://a:1\n    certificate-authority-data: not*base64\n", ""));
  auto config = loadKubeconfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("certificate-authority-data is not base64"), std::string::npos);
}

TEST(KubeconfigTest, MissingReferencedFileIsNamed) {
  ScratchDir dir{"kubeconfig"};
  const std::string path =
      dir.write("config", kubeconfig("    server: https://a:1\n    certificate-authority: missing.crt\n", ""));
  auto config = loadKubeconfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find(dir.path().string() + "/missing.crt"), std::string::npos) << config.error().message;
}

TEST(KubeconfigTest, MissingTokenFileIsRefused) {
  ScratchDir dir{"kubeconfig"};
  const std::string path = dir.write("config", kubeconfig("    server: https://a:1\n", "    tokenFile: nope\n"));
  EXPECT_FALSE(loadKubeconfig(path).ok());
}

TEST(KubeconfigTest, MissingKubeconfigIsNotFound) {
  auto config = loadKubeconfig("/nonexistent/kubeconfig");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kNotFound);
}

TEST(KubeconfigTest, MalformedYamlIsInvalidArgument) {
  ScratchDir dir{"kubeconfig"};
  auto config = loadKubeconfig(dir.write("config", "clusters: [\n"));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(loadKubeconfig(dir.write("list", "- a\n- b\n")).ok());
  EXPECT_FALSE(loadKubeconfig(dir.write("nocontext", "apiVersion: v1\n")).ok());
}

TEST(InClusterConfigTest, ReadsTheServiceAccountDirectory) {
  ScratchDir dir{"kubeconfig"};
  dir.write("sa/token", "jwt");
  dir.write("sa/ca.crt", kCaPem);
  dir.write("sa/namespace", "agentguard-system\n");
  auto config = loadInClusterConfig("10.96.0.1", "443", dir.path().string() + "/sa");
  ASSERT_TRUE(config.ok()) << config.error().describe();
  EXPECT_EQ(config->server, "https://10.96.0.1:443");
  EXPECT_EQ(config->tokenFile, dir.path().string() + "/sa/token");
  EXPECT_EQ(config->caData, kCaPem);
  EXPECT_EQ(config->defaultNamespace, "agentguard-system");
}

TEST(InClusterConfigTest, BracketsAnIpv6Host) {
  ScratchDir dir{"kubeconfig"};
  dir.write("sa/token", "jwt");
  dir.write("sa/ca.crt", kCaPem);
  auto config = loadInClusterConfig("fd00::1", "443", dir.path().string() + "/sa");
  ASSERT_TRUE(config.ok()) << config.error().describe();
  EXPECT_EQ(config->server, "https://[fd00::1]:443");
  EXPECT_EQ(config->defaultNamespace, "default");
}

TEST(InClusterConfigTest, FailsOutsideAPodOrWithoutToken) {
  ScratchDir dir{"kubeconfig"};
  EXPECT_EQ(loadInClusterConfig("", "", dir.path()).error().code, ErrorCode::kNotFound);
  auto noToken = loadInClusterConfig("10.96.0.1", "443", dir.path());
  ASSERT_FALSE(noToken.ok());
  EXPECT_NE(noToken.error().message.find("token"), std::string::npos);
}

TEST(ResolveClusterConfigTest, FlagThenKubeconfigVariableThenInClusterThenHome) {
  ScratchDir dir{"kubeconfig"};
  const std::string flagged = dir.write("flag", kubeconfig("    server: https://flag:1\n", ""));
  const std::string fromEnv = dir.write("env", kubeconfig("    server: https://env:1\n", ""));
  dir.write("home/.kube/config", kubeconfig("    server: https://home:1\n", ""));

  ScopedEnv home("HOME", (dir.path().string() + "/home").c_str());
  ScopedEnv host("KUBERNETES_SERVICE_HOST", nullptr);
  {
    ScopedEnv env("KUBECONFIG", ("/missing:" + fromEnv).c_str());
    EXPECT_EQ(resolveClusterConfig(flagged)->server, "https://flag:1");
    EXPECT_EQ(resolveClusterConfig("")->server, "https://env:1");
  }
  {
    ScopedEnv env("KUBECONFIG", "/missing/a:/missing/b");
    EXPECT_EQ(resolveClusterConfig("").error().code, ErrorCode::kNotFound);
  }
  ScopedEnv env("KUBECONFIG", nullptr);
  EXPECT_EQ(resolveClusterConfig("")->server, "https://home:1");
}

}  // namespace
}  // namespace agentguard::kube

#include <gtest/gtest.h>

#include "gate/app/kube_ports.h"

namespace agentguard::gate::app {
namespace {

// Answers GETs of Secrets from a map and counts them; every other call fails.
class SecretsOnly final : public kube::KubeClient {
 public:
  Result<nlohmann::json> get(const kube::Resource&, std::string_view ns, std::string_view name,
                             std::string_view) override {
    ++gets;
    const auto found = secrets.find(std::string(ns) + "/" + std::string(name));
    if (found == secrets.end()) return makeError(ErrorCode::kNotFound, "secrets \"" + std::string(name) + "\" not found");
    return found->second;
  }
  Result<kube::ObjectList> list(const kube::Resource&, std::string_view, const kube::ListOptions&) override {
    return unsupported();
  }
  Result<nlohmann::json> create(const kube::Resource&, std::string_view, const nlohmann::json&,
                                const kube::WriteOptions&) override {
    return unsupported();
  }
  Result<nlohmann::json> replace(const kube::Resource&, std::string_view, std::string_view, const nlohmann::json&,
                                 std::string_view, const kube::WriteOptions&) override {
    return unsupported();
  }
  Result<nlohmann::json> mergePatch(const kube::Resource&, std::string_view, std::string_view, const nlohmann::json&,
                                    std::string_view, const kube::WriteOptions&) override {
    return unsupported();
  }
  Result<nlohmann::json> apply(const kube::Resource&, std::string_view, std::string_view, const nlohmann::json&,
                               std::string_view, const kube::WriteOptions&) override {
    return unsupported();
  }
  Status remove(const kube::Resource&, std::string_view, std::string_view, const kube::DeleteOptions&) override {
    return unsupported();
  }
  Status watch(const kube::Resource&, std::string_view, const kube::WatchOptions&,
               const std::function<bool(kube::WatchEvent&&)>&, const kube::StopSignal&) override {
    return unsupported();
  }

  std::map<std::string, nlohmann::json> secrets;
  int gets = 0;

 private:
  static Error unsupported() { return makeError(ErrorCode::kInternal, "not supported by this fake"); }
};

TEST(SecretCredentialsTest, DecodesTheKeyAndCachesIt) {
  SecretsOnly cluster;
  cluster.secrets["agents/mail-mcp"] = {{"data", {{"token", "dXBzdHJlYW0tc2VjcmV0"}}}};  // "upstream-secret"
  SecretCredentials credentials(cluster);
  EXPECT_EQ(*credentials.secretValue("agents", "mail-mcp", "token"), "upstream-secret");
  EXPECT_EQ(*credentials.secretValue("agents", "mail-mcp", "token"), "upstream-secret");
  EXPECT_EQ(cluster.gets, 1);
}

TEST(SecretCredentialsTest, MissingKeyOrMultiLineValueIsRefusedWithTheFix) {
  SecretsOnly cluster;
  cluster.secrets["agents/mail-mcp"] = {{"data", {{"token", "YQpi"}}}};  // "a\nb": would split the header
  SecretCredentials credentials(cluster);
  auto missing = credentials.secretValue("agents", "mail-mcp", "other");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("agents/mail-mcp has no data.other"), std::string::npos);
  EXPECT_FALSE(credentials.secretValue("agents", "mail-mcp", "token").ok());
  EXPECT_EQ(credentials.secretValue("agents", "absent", "token").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace agentguard::gate::app

#include "webhook/policy/policy_reloader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/scratch_dir.h"
#include "webhook/metrics/webhook_metrics.h"

namespace agentguard::webhook {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

constexpr const char* kPolicy = R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata:
  name: exposure
spec:
  rules:
    - {id: exposure.service-loadbalancer, action: deny, severity: critical}
)";

class PolicyReloaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write(kPolicy);
    reloader_.onReload([this](bool ok) { metrics_.policyReloaded(ok); });
  }
  void write(const std::string& text) { std::ofstream(dir_ / "exposure.yaml") << text; }

  agentguard::testing::ScratchDir dir_{"policies"};
  std::ostringstream logs_;
  log::Logger logger_{logs_};
  PolicyReloader reloader_{dir_.path(), logger_};
  WebhookMetrics metrics_;
};

TEST_F(PolicyReloaderTest, LoadsAndReloadsOnChange) {
  ASSERT_TRUE(reloader_.load().ok());
  const auto first = reloader_.engine();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(reloader_.status(), "1 rules from 1 policies");
  EXPECT_FALSE(reloader_.reloadIfChanged()) << "nothing changed";
  write(std::string(kPolicy) + "    - {id: exposure.service-nodeport, action: warn, severity: high}\n");
  EXPECT_TRUE(reloader_.reloadIfChanged());
  EXPECT_NE(reloader_.engine(), first);
  EXPECT_EQ(reloader_.engine()->policies().rules.size(), 2u);
  EXPECT_THAT(metrics_.render(), HasSubstr("agentguard_policy_reload_total{result=\"success\"} 2"));
}

TEST_F(PolicyReloaderTest, LogsTheDigestOfEachLoadedSet) {
  ASSERT_TRUE(reloader_.load().ok());
  const std::string first = reloader_.engine()->policies().digest;
  ASSERT_EQ(first.rfind("sha256:", 0), 0u);
  EXPECT_THAT(logs_.str(), HasSubstr("\"digest\":\"" + first + "\""));
  write(std::string(kPolicy) + "    - {id: exposure.service-nodeport, action: warn, severity: high}\n");
  ASSERT_TRUE(reloader_.reloadIfChanged());
  const std::string second = reloader_.engine()->policies().digest;
  EXPECT_NE(second, first);
  EXPECT_THAT(logs_.str(), HasSubstr("\"digest\":\"" + second + "\""));
}

TEST_F(PolicyReloaderTest, BrokenFileKeepsTheLastGoodSet) {
  ASSERT_TRUE(reloader_.load().ok());
  const auto good = reloader_.engine();
  write(std::string(kPolicy) + "    - {id: exposure.no-such-rule, action: deny}\n");
  EXPECT_FALSE(reloader_.reloadIfChanged());
  EXPECT_EQ(reloader_.engine(), good);
  EXPECT_FALSE(reloader_.lastReloadSucceeded());
  EXPECT_THAT(reloader_.status(), HasSubstr("the last reload failed and the previous set stays in force"));
  EXPECT_THAT(reloader_.status(), HasSubstr("exposure.no-such-rule"));
  EXPECT_THAT(logs_.str(), HasSubstr("Kept the previous policies"));
  const std::string metrics = metrics_.render();
  EXPECT_THAT(metrics, HasSubstr("agentguard_policy_reload_total{result=\"failure\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("agentguard_policy_last_reload_success 0"));
  EXPECT_FALSE(reloader_.reloadIfChanged()) << "the same broken files are not recompiled";
  write(kPolicy);
  EXPECT_TRUE(reloader_.reloadIfChanged());
  EXPECT_TRUE(reloader_.lastReloadSucceeded());
}

// The decision log records which policy set decided: the digest follows the set in force.
TEST_F(PolicyReloaderTest, PolicyDigestNamesTheSetInForce) {
  EXPECT_EQ(reloader_.policyDigest(), "");
  ASSERT_TRUE(reloader_.load().ok());
  const std::string first = reloader_.policyDigest();
  EXPECT_EQ(first.size(), 64u);
  write(std::string(kPolicy) + "    - {id: exposure.no-such-rule, action: deny}\n");
  EXPECT_FALSE(reloader_.reloadIfChanged());
  EXPECT_EQ(reloader_.policyDigest(), first) << "a set that does not compile is not in force";
  write(std::string(kPolicy) + "    - {id: exposure.service-nodeport, action: warn, severity: high}\n");
  EXPECT_TRUE(reloader_.reloadIfChanged());
  EXPECT_NE(reloader_.policyDigest(), first);
  EXPECT_EQ(reloader_.policyDigest().size(), 64u);
}

TEST_F(PolicyReloaderTest, NoEngineWhenTheFirstLoadFails) {
  write("kind: Policy\n");
  EXPECT_FALSE(reloader_.load().ok());
  EXPECT_EQ(reloader_.engine(), nullptr);
  EXPECT_THAT(reloader_.status(), HasSubstr("not loaded"));
}

TEST(BundledPoliciesTest, Compile) {
  std::ostringstream logs;
  log::Logger logger(logs);
  PolicyReloader reloader(fs::path(AGENTGUARD_SOURCE_DIR) / "policies", logger);
  ASSERT_TRUE(reloader.load().ok()) << logs.str();
}

// Several layers: each reloaded on change, the later one overriding the earlier.
TEST(PolicyReloaderLayersTest, ReloadsAnyLayerThatChanges) {
  const agentguard::testing::ScratchDir overrides("overrides");
  const auto writeOverride = [&overrides](const std::string& action) {
    std::ofstream(overrides / "team.yaml") << "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: team}\n"
                                              "spec:\n  rules:\n    - {id: exposure.service-nodeport, action: "
                                           << action << "}\n";
  };
  writeOverride("warn");
  std::ostringstream logs;
  log::Logger logger(logs);
  PolicyReloader reloader(std::vector<std::string>{"builtin", overrides.path().string()}, logger);
  ASSERT_TRUE(reloader.load().ok()) << logs.str();
  const auto nodePortAction = [&reloader] {
    for (const auto& binding : reloader.engine()->policies().rules) {
      if (binding.definition->info.id == "exposure.service-nodeport") return std::string(engine::actionName(binding.action));
    }
    return std::string("off");
  };
  EXPECT_EQ(nodePortAction(), "warn");
  EXPECT_THAT(logs.str(), HasSubstr("\"path\":\"builtin," + overrides.path().string() + "\""));
  EXPECT_FALSE(reloader.reloadIfChanged());
  writeOverride("audit");
  EXPECT_TRUE(reloader.reloadIfChanged());
  EXPECT_EQ(nodePortAction(), "audit");
  // A broken override keeps the last good layered set.
  std::ofstream(overrides / "team.yaml") << "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: t}\n"
                                            "spec:\n  rules:\n    - {id: privilege.no-such-rule}\n";
  EXPECT_FALSE(reloader.reloadIfChanged());
  EXPECT_EQ(nodePortAction(), "audit");
  EXPECT_FALSE(reloader.lastReloadSucceeded());
}

}  // namespace
}  // namespace agentguard::webhook

#include "operator/app/options.h"

#include <gtest/gtest.h>

namespace agentguard::op {
namespace {

using namespace std::chrono_literals;

TEST(OptionsTest, Defaults) {
  auto options = parseOptions({});
  ASSERT_TRUE(options.ok()) << options.error().message;
  EXPECT_EQ(options->defaultRuntimeClass, "gvisor");
  EXPECT_EQ(options->allowedRuntimeClasses, std::set<std::string>{"gvisor"});
  EXPECT_FALSE(options->leaderElect);
  EXPECT_EQ(options->ns, "");
}

TEST(OptionsTest, ChartArguments) {
  auto options = parseOptions({"--namespace", "agents", "--default-runtime-class", "gvisor", "--allowed-runtime-classes",
                               "gvisor, kata", "--workers", "8", "--leader-elect", "--leader-election-namespace",
                               "agentguard-system", "--leader-election-id", "op", "--metrics-listen", "0.0.0.0:9090",
                               "--health-listen=0.0.0.0:8081", "--resync-period", "10m", "--log-level", "debug"});
  ASSERT_TRUE(options.ok()) << options.error().message;
  EXPECT_EQ(options->ns, "agents");
  EXPECT_EQ(options->allowedRuntimeClasses, (std::set<std::string>{"gvisor", "kata"}));
  EXPECT_EQ(options->workers, 8);
  EXPECT_TRUE(options->leaderElect);
  EXPECT_EQ(options->leaderElectionId, "op");
  EXPECT_EQ(options->healthListen, "0.0.0.0:8081");
  EXPECT_EQ(options->resyncPeriod, 600s);
  EXPECT_EQ(options->logLevel, log::Level::kDebug);
}

TEST(OptionsTest, GateFlags) {
  auto defaults = parseOptions({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->gate.image, "");  // sandboxes with tools are blocked until the chart names an image
  EXPECT_EQ(defaults->gate.replicas, 2);
  auto options = parseOptions({"--gate-image", "registry.example/agentguard:1", "--gate-replicas", "3",
                               "--gate-resources", R"({"limits": {"memory": "256Mi"}})", "--gate-cluster-role",
                               "rel-agentguard-gate", "--gate-token-review-binding", "rel-agentguard-gate-tokenreview"});
  ASSERT_TRUE(options.ok()) << options.error().message;
  EXPECT_EQ(options->gate.image, "registry.example/agentguard:1");
  EXPECT_EQ(options->gate.replicas, 3);
  EXPECT_EQ(options->gate.resources["limits"]["memory"], "256Mi");
  EXPECT_EQ(options->gate.clusterRole, "rel-agentguard-gate");
  EXPECT_EQ(options->gate.tokenReviewBinding, "rel-agentguard-gate-tokenreview");
}

// Durations are common/time's grammar, the webhook's and the gate's too.
TEST(OptionsTest, DurationsTakeTheOneGrammar) {
  auto options = parseOptions({"--resync-period", "1h30m", "--leader-election-lease-duration=1.5m",
                               "--leader-election-renew-deadline", "10s", "--leader-election-retry-period", "500ms"});
  ASSERT_TRUE(options.ok()) << options.error().message;
  EXPECT_EQ(options->resyncPeriod, 90min);
  EXPECT_EQ(options->leaseDuration, 90s);
  EXPECT_EQ(options->retryPeriod, 500ms);
  auto off = parseOptions({"--resync-period", "0s"});
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->resyncPeriod, 0s);
  auto zero = parseOptions({"--leader-election-retry-period", "0s"});
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("--leader-election-retry-period: must be more than 0"), std::string::npos);
}

TEST(OptionsTest, HelpListsEveryFlag) {
  const std::string text = usage();
  const std::vector<std::string> names = optionNames();
  EXPECT_GT(names.size(), 20u);
  for (const std::string& flag : names) {
    EXPECT_NE(text.find(flag + " "), std::string::npos) << flag;
  }
  auto help = parseOptions({"--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_TRUE(help->help);
}

struct BadFlags {
  std::string name;
  std::vector<std::string> args;
  std::string mentions;
};

class BadOptionsTest : public ::testing::TestWithParam<BadFlags> {};

TEST_P(BadOptionsTest, NamesTheFlag) {
  auto options = parseOptions(GetParam().args);
  ASSERT_FALSE(options.ok());
  EXPECT_NE(options.error().message.find(GetParam().mentions), std::string::npos) << options.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Options, BadOptionsTest,
    ::testing::Values(BadFlags{"Unknown", {"--frobnicate"}, "--frobnicate"},
                      BadFlags{"MissingValue", {"--workers"}, "--workers"},
                      BadFlags{"ZeroWorkers", {"--workers", "0"}, "--workers"},
                      BadFlags{"DefaultNotAllowed", {"--allowed-runtime-classes", "kata"}, "--default-runtime-class"},
                      BadFlags{"BadLevel", {"--log-level", "loud"}, "--log-level"},
                      BadFlags{"BadResync", {"--resync-period", "often"}, "--resync-period"},
                      BadFlags{"GateReplicasZero", {"--gate-replicas", "0"}, "--gate-replicas"},
                      BadFlags{"GateResourcesNotJson", {"--gate-resources", "256Mi"}, "--gate-resources"},
                      BadFlags{"GateResourcesUnknownKey", {"--gate-resources", R"({"claims": []})"}, "--gate-resources"},
                      BadFlags{"GateRoleEmpty", {"--gate-cluster-role", ""}, "--gate-cluster-role"},
                      BadFlags{"LeaseTimings",
                               {"--leader-elect", "--leader-election-renew-deadline", "20s"},
                               "renew-deadline"}),
    [](const ::testing::TestParamInfo<BadFlags>& param) { return param.param.name; });

TEST(OptionsTest, BackgroundScanFlags) {
  auto defaults = parseOptions({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->backgroundScanInterval, std::chrono::milliseconds(3600s));
  EXPECT_TRUE(defaults->backgroundScanPolicies.empty());  // off until the chart names the webhook's policies
  EXPECT_EQ(defaults->backgroundScanReports, ReportFamily::kOpenReports);

  auto options = parseOptions({"--background-scan-interval", "10m", "--background-scan-policies", "builtin",
                               "--background-scan-policies=/etc/agentguard/policies", "--background-scan-reports",
                               "policyreport", "--background-scan-namespace-selector",
                               R"({"matchExpressions":[{"key":"a","operator":"Exists"}]})",
                               "--background-scan-write-qps", "2.5"});
  ASSERT_TRUE(options.ok()) << options.error().message;
  EXPECT_EQ(options->backgroundScanInterval, std::chrono::milliseconds(600s));
  EXPECT_EQ(options->backgroundScanPolicies, (std::vector<std::string>{"builtin", "/etc/agentguard/policies"}));
  EXPECT_EQ(options->backgroundScanReports, ReportFamily::kPolicyReport);
  EXPECT_EQ(options->backgroundScanNamespaceSelector["matchExpressions"][0]["key"], "a");
  EXPECT_DOUBLE_EQ(options->backgroundScanWriteQps, 2.5);
}

TEST(OptionsTest, BackgroundScanFlagsRefuseWhatTheyCannotMean) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--background-scan-interval", "hourly"},
           {"--background-scan-reports", "kyverno"},
           {"--background-scan-namespace-selector", "kube-system"},
           {"--background-scan-namespace-selector", R"({"matchLabel":{"a":"b"}})"},
           {"--background-scan-write-qps", "0"},
           {"--background-scan-policies", ""}}) {
    auto options = parseOptions(args);
    ASSERT_FALSE(options.ok()) << args[0] << " " << args[1];
    EXPECT_NE(options.error().message.find(args[0]), std::string::npos) << options.error().message;
  }
}

}  // namespace
}  // namespace agentguard::op

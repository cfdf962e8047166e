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
                      BadFlags{"LeaseTimings",
                               {"--leader-elect", "--leader-election-renew-deadline", "20s"},
                               "renew-deadline"}),
    [](const ::testing::TestParamInfo<BadFlags>& param) { return param.param.name; });

}  // namespace
}  // namespace agentguard::op

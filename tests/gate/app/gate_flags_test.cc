#include "gate/app/gate_flags.h"

#include <gtest/gtest.h>

namespace agentguard::gate::app {
namespace {

TEST(GateFlagsTest, DefaultsFollowTheContract) {
  auto flags = parseGateFlags({"--namespace", "agents"});
  ASSERT_TRUE(flags.ok()) << flags.error().message;
  EXPECT_EQ(flags->ns, "agents");
  EXPECT_EQ(flags->mcpListen, ":8080");
  EXPECT_EQ(flags->proxyListen, ":3128");
  EXPECT_EQ(flags->metricsListen, ":9090");
  EXPECT_EQ(flags->tokenAudience, "agentguard-gate");
  EXPECT_EQ(flags->maxRequestBytes, 1024u * 1024u);
  EXPECT_EQ(flags->decisionLogOnFailure, decision::OnRecordFailure::kDeny);
}

TEST(GateFlagsTest, ReadsTheWebhooksDecisionLogFlags) {
  auto flags = parseGateFlags({"--namespace=agents", "--decision-log-file", "/var/log/g.dsse.jsonl",
                               "--decision-signing-key=/keys/k.pem", "--decision-log-on-failure", "allow",
                               "--decision-log-wait", "250ms", "--decision-checkpoint-records", "10",
                               "--decision-checkpoint-interval", "2m", "--log-level", "debug"});
  ASSERT_TRUE(flags.ok()) << flags.error().message;
  EXPECT_EQ(flags->decisionLogOnFailure, decision::OnRecordFailure::kAllow);
  EXPECT_EQ(flags->decisionLogWait, std::chrono::milliseconds(250));
  EXPECT_EQ(flags->decisionCheckpointRecords, 10u);
  EXPECT_EQ(flags->decisionCheckpointInterval, std::chrono::minutes(2));
  EXPECT_EQ(flags->logLevel, log::Level::kDebug);
  EXPECT_FALSE(flags->decisionSigningKeyCreate);
}

TEST(GateFlagsTest, CreatingTheSigningKeyIsASwitchThatNeedsTheKeyFile) {
  auto flags = parseGateFlags({"--namespace=agents", "--decision-log-file=/var/lib/g/log.dsse.jsonl",
                               "--decision-signing-key=/var/lib/g/key.pem", "--decision-signing-key-create"});
  ASSERT_TRUE(flags.ok()) << flags.error().message;
  EXPECT_TRUE(flags->decisionSigningKeyCreate);
  auto off = parseGateFlags({"--namespace=agents", "--decision-log-file=/l", "--decision-signing-key=/k",
                             "--decision-signing-key-create=false"});
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->decisionSigningKeyCreate);
}

// Durations are common/time's grammar, as the webhook's and the operator's: compound durations are read,
// and one too long for the clock is refused where the gate used to let up to 1000000000h through.
TEST(GateFlagsTest, DurationsTakeTheOneGrammar) {
  auto flags = parseGateFlags({"--namespace=agents", "--upstream-timeout", "1m30s", "--decision-log-wait=1.5s"});
  ASSERT_TRUE(flags.ok()) << flags.error().message;
  EXPECT_EQ(flags->upstreamTimeout, std::chrono::seconds(90));
  EXPECT_EQ(flags->decisionLogWait, std::chrono::milliseconds(1500));
  auto tooLong = parseGateFlags({"--namespace=agents", "--upstream-timeout", "1000000000h"});
  ASSERT_FALSE(tooLong.ok());
  EXPECT_NE(tooLong.error().message.find("--upstream-timeout: \"1000000000h\" is too long"), std::string::npos)
      << tooLong.error().message;
}

TEST(GateFlagsTest, RefusalsNameTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "--namespace"},
      {{"--namespace", "a", "--decision-log-file", "x"}, "--decision-signing-key"},
      {{"--namespace", "a", "--decision-log-wait", "soon"}, "--decision-log-wait"},
      {{"--namespace", "a", "--max-request-bytes", "10"}, "--max-request-bytes"},
      {{"--namespace", "a", "--decision-log-on-failure", "maybe"}, "--decision-log-on-failure"},
      {{"--namespace", "a", "--colour"}, "--colour"},
      {{"--namespace"}, "--namespace"},
      {{"--namespace", "a", "--decision-signing-key-create"}, "--decision-signing-key"},
      {{"--namespace", "a", "--decision-signing-key-create=maybe"}, "--decision-signing-key-create"},
  };
  for (const auto& [args, flag] : cases) {
    auto flags = parseGateFlags(args);
    ASSERT_FALSE(flags.ok()) << flag;
    EXPECT_NE(flags.error().message.find(flag), std::string::npos) << flags.error().message;
  }
}

TEST(GateFlagsTest, HelpListsEveryFlag) {
  const std::string usage = gateUsage();
  for (const char* flag : {"--namespace", "--mcp-listen", "--proxy-listen", "--metrics-listen", "--token-audience",
                           "--decision-log-file", "--decision-signing-key", "--decision-signing-key-create",
                           "--decision-log-on-failure",
                           "--decision-log-wait", "--decision-checkpoint-records", "--decision-checkpoint-interval",
                           "--decision-checkpoint-file", "--max-request-bytes", "--upstream-timeout", "--log-level"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
  for (const std::string& flag : gateFlagNames()) {
    EXPECT_NE(usage.find("  " + flag + " "), std::string::npos) << flag;
  }
  EXPECT_TRUE(parseGateFlags({"--help"})->help);
}

}  // namespace
}  // namespace agentguard::gate::app

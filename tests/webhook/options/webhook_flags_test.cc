#include "webhook/options/webhook_flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/process/cpu_budget.h"

namespace agentguard::webhook {
namespace {

using namespace std::chrono_literals;

TEST(WebhookFlagsTest, ParsesTheChartsCommandLine) {
  auto flags = parseWebhookFlags({"--listen", "0.0.0.0:8443", "--tls-cert-file", "/tls/tls.crt",
                                  "--tls-private-key-file=/tls/tls.key", "--policies", "/policies", "--metrics-listen",
                                  "0.0.0.0:9090", "--log-level", "debug", "--cache-staleness", "2m",
                                  "--max-request-bytes", "1048576"});
  ASSERT_TRUE(flags.ok()) << flags.error().message;
  EXPECT_EQ(flags->listen, "0.0.0.0:8443");
  EXPECT_EQ(flags->tlsPrivateKeyFile, "/tls/tls.key");
  EXPECT_EQ(flags->logLevel, log::Level::kDebug);
  EXPECT_EQ(flags->cacheStaleness, 120s);
  EXPECT_EQ(flags->maxRequestBytes, 1048576u);
  EXPECT_EQ(flags->reloadInterval, 2s);
  EXPECT_EQ(flags->workerThreads, 0u);  // auto
  EXPECT_EQ(workerThreadsToRun(*flags), process::cpuBudget());
  EXPECT_EQ(flags->exemptionAdminGroups, std::vector<std::string>{"system:masters"});
  EXPECT_TRUE(flags->exemptionAdminUsers.empty());
  EXPECT_EQ(parseWebhookFlags({"--tls-cert-file", "c", "--tls-private-key-file", "k", "--policies", "/p",
                               "--worker-threads", "8"})
                ->workerThreads,
            8u);
  auto eight = parseWebhookFlags({"--tls-cert-file", "c", "--tls-private-key-file", "k", "--policies", "/p",
                                  "--worker-threads=8"});
  ASSERT_TRUE(eight.ok()) << eight.error().message;
  EXPECT_EQ(workerThreadsToRun(*eight), 8u);
  EXPECT_EQ(parseWebhookFlags({"--tls-cert-file", "c", "--tls-private-key-file", "k", "--policies", "/p",
                               "--worker-threads", "8", "--worker-threads", "auto"})
                ->workerThreads,
            0u);
}

TEST(WebhookFlagsTest, ReadsWhoMaySetTheExemptionLabel) {
  auto flags = parseWebhookFlags({"--tls-cert-file", "c", "--tls-private-key-file", "k", "--policies", "/p",
                                  "--exemption-admin-groups", "system:masters, platform-admins",
                                  "--exemption-admin-users=system:serviceaccount:agentguard:agentguard"});
  ASSERT_TRUE(flags.ok()) << flags.error().message;
  EXPECT_EQ(flags->exemptionAdminGroups, (std::vector<std::string>{"system:masters", "platform-admins"}));
  EXPECT_EQ(flags->exemptionAdminUsers, std::vector<std::string>{"system:serviceaccount:agentguard:agentguard"});
  // An empty list leaves only the users.
  flags = parseWebhookFlags(
      {"--tls-cert-file", "c", "--tls-private-key-file", "k", "--policies", "/p", "--exemption-admin-groups="});
  ASSERT_TRUE(flags.ok()) << flags.error().message;
  EXPECT_TRUE(flags->exemptionAdminGroups.empty());
}

TEST(WebhookFlagsTest, RepeatedPoliciesAreLayersInOrder) {
  auto flags = parseWebhookFlags({"--tls-cert-file", "c", "--tls-private-key-file", "k", "--policies", "builtin",
                                  "--policies=/etc/agentguard/overrides"});
  ASSERT_TRUE(flags.ok()) << flags.error().message;
  EXPECT_EQ(flags->policyLayers, (std::vector<std::string>{"builtin", "/etc/agentguard/overrides"}));
  EXPECT_EQ(flags->policies, "builtin,/etc/agentguard/overrides");
  auto empty = parseWebhookFlags({"--tls-cert-file", "c", "--tls-private-key-file", "k", "--policies="});
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.error().message, ::testing::HasSubstr("--policies: needs a policy file or directory"));
}

TEST(WebhookFlagsTest, ReadsTheEnforcementMode) {
  const std::vector<std::string> base = {"--tls-cert-file", "c", "--tls-private-key-file", "k", "--policies", "/p"};
  EXPECT_EQ(parseWebhookFlags(base)->enforcementMode, EnforcementMode::kEnforce);
  auto args = base;
  args.push_back("--enforcement-mode=warn");
  EXPECT_EQ(parseWebhookFlags(args)->enforcementMode, EnforcementMode::kWarn);
  args.push_back("--enforcement-mode");
  args.push_back("audit");
  EXPECT_EQ(parseWebhookFlags(args)->enforcementMode, EnforcementMode::kAudit);
  args.push_back("--enforcement-mode=Audit");
  auto wrong = parseWebhookFlags(args);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message, "--enforcement-mode: expected enforce, warn or audit (see --help)");
}

TEST(WebhookFlagsTest, ReadsTheSelfSignedSecret) {
  auto flags = parseWebhookFlags({"--tls-cert-file", "c", "--tls-private-key-file", "k", "--policies", "/p",
                                  "--tls-self-signed-secret-name", "guard/r-agentguard-webhook-tls",
                                  "--tls-self-signed-names", "r-agentguard-webhook.guard.svc,127.0.0.1",
                                  "--tls-self-signed-validity=48h"});
  ASSERT_TRUE(flags.ok()) << flags.error().message;
  EXPECT_EQ(flags->tlsSelfSignedSecret, "guard/r-agentguard-webhook-tls");
  EXPECT_EQ(flags->tlsSelfSignedNames, (std::vector<std::string>{"r-agentguard-webhook.guard.svc", "127.0.0.1"}));
  EXPECT_EQ(flags->tlsSelfSignedValidity, std::chrono::hours(48));
  const std::vector<std::string> base = {"--tls-cert-file", "c", "--tls-private-key-file", "k", "--policies", "/p"};
  const std::vector<std::pair<std::vector<std::string>, std::string>> wrong = {
      {{"--tls-self-signed-secret-name", "no-namespace", "--tls-self-signed-names", "a"},
       "--tls-self-signed-secret-name: expected NAMESPACE/NAME"},
      {{"--tls-self-signed-secret-name", "ns/name"}, "--tls-self-signed-secret-name and --tls-self-signed-names go together"},
      {{"--tls-self-signed-names", "a"}, "go together"},
      {{"--tls-self-signed-validity", "30m"}, "--tls-self-signed-validity: must be at least 1h"},
  };
  for (const auto& [extra, message] : wrong) {
    auto args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    auto parsed = parseWebhookFlags(args);
    ASSERT_FALSE(parsed.ok()) << message;
    EXPECT_THAT(parsed.error().message, ::testing::HasSubstr(message));
  }
}

TEST(WebhookFlagsTest, RefusesWhatItCannotUse) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--policies", "/p"}, "--tls-cert-file and --tls-private-key-file are required"},
      {{"--tls-cert-file", "c", "--tls-private-key-file", "k"}, "--policies is required"},
      {{"--nope", "1"}, "unknown flag --nope"},
      {{"--listen"}, "--listen: needs a value"},
      {{"--log-level", "chatty"}, "--log-level: expected"},
      {{"--cache-staleness", "soon"}, "--cache-staleness: \"soon\" is not a duration"},
      {{"--max-request-bytes", "12"}, "at least 1024"},
      {{"--worker-threads", "0"}, "--worker-threads: expected auto or a number of threads from 1 to 256"},
      {{"--worker-threads", "many"}, "--worker-threads: expected"},
      {{"stray"}, "unexpected argument"},
      {{"--tls-cert-file", "c", "--tls-private-key-file", "k", "--policies", "/p", "--registration-template", "t.json"},
       "--registration-template, --registration-ca-file and --registration-owner go together"},
      {{"--tls-cert-file", "c", "--tls-private-key-file", "k", "--policies", "/p", "--registration-template", "t.json",
        "--registration-ca-file", "ca.crt"},
       "go together"},
  };
  for (const auto& [args, message] : cases) {
    auto flags = parseWebhookFlags(args);
    ASSERT_FALSE(flags.ok()) << message;
    EXPECT_THAT(flags.error().message, ::testing::HasSubstr(message));
  }
  EXPECT_TRUE(parseWebhookFlags({"--help"})->help);
}

TEST(WebhookFlagsTest, ReadsTheRegistration) {
  auto flags = parseWebhookFlags({"--tls-cert-file", "c", "--tls-private-key-file", "k", "--policies", "/p",
                                  "--registration-template", "/etc/r/v.json", "--registration-ca-file=/etc/t/ca.crt",
                                  "--registration-owner", "rel-agentguard-webhook"});
  ASSERT_TRUE(flags.ok()) << flags.error().message;
  EXPECT_EQ(flags->registrationTemplate, "/etc/r/v.json");
  EXPECT_EQ(flags->registrationCaFile, "/etc/t/ca.crt");
  EXPECT_EQ(flags->registrationOwner, "rel-agentguard-webhook");
}

// Durations are common/time's grammar (its table is tests/common/time/duration_test.cc): Go's compound
// durations, which this parser used to refuse, are read as the operator reads them.
TEST(WebhookFlagsTest, DurationsTakeTheOneGrammar) {
  auto flags = parseWebhookFlags({"--tls-cert-file", "c", "--tls-private-key-file", "k", "--policies", "/p",
                                  "--cache-staleness", "1h30m", "--reload-interval=1.5s", "--decision-log-wait",
                                  "500ms"});
  ASSERT_TRUE(flags.ok()) << flags.error().message;
  EXPECT_EQ(flags->cacheStaleness, 90min);
  EXPECT_EQ(flags->reloadInterval, 1500ms);
  EXPECT_EQ(flags->decisionLogWait, 500ms);
  for (const std::string bad : {"5", "-5s", "1d"}) {
    auto refused = parseWebhookFlags({"--cache-staleness", bad});
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_THAT(refused.error().message, ::testing::HasSubstr("--cache-staleness: \"" + bad + "\" is not a duration"));
  }
  auto zero = parseWebhookFlags({"--reload-interval", "0s"});
  ASSERT_FALSE(zero.ok());
  EXPECT_THAT(zero.error().message, ::testing::HasSubstr("--reload-interval: must be more than 0"));
}

TEST(WebhookFlagsTest, HelpListsEveryFlag) {
  const std::string usage = webhookUsage();
  const std::vector<std::string> names = webhookFlagNames();
  EXPECT_GT(names.size(), 25u);
  for (const std::string& flag : names) {
    EXPECT_NE(usage.find("  " + flag + " "), std::string::npos) << flag;
  }
  EXPECT_TRUE(parseWebhookFlags({"-h"})->help);
}

TEST(WebhookFlagsTest, DurationFlagsPastTheBoundaryNameTheFlag) {
  for (const std::string flag : {"--cache-staleness", "--reload-interval"}) {
    auto flags = parseWebhookFlags({flag, "2562048h"});
    ASSERT_FALSE(flags.ok()) << flag;
    EXPECT_THAT(flags.error().message, ::testing::HasSubstr(flag + ": \"2562048h\" is too long: at most 2562047h"));
  }
}

}  // namespace
}  // namespace agentguard::webhook

// `agentguard rules --policies ...`: what a set of policy layers enables.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/cli/cli_fixture.h"

namespace agentguard::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::runAgentguard;
using testing::ScratchDir;

constexpr std::string_view kOverride =
    "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: team}\n"
    "spec:\n  rules:\n    - {id: exposure.service-nodeport, action: warn, severity: low}\n"
    "    - {id: exposure.ingress, enabled: false}\n";

TEST(RulesPoliciesTest, ListsEachEnabledRuleWithItsLayer) {
  ScratchDir dir;
  const auto overrides = dir.write("overrides/team.yaml", kOverride);
  const auto result = runAgentguard({"rules", "--policies", "builtin", "--policies",
                                     overrides.parent_path().string(), "-o", "json"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const auto document = nlohmann::json::parse(result.out);
  EXPECT_EQ(document["policies"]["source"], "builtin + " + overrides.parent_path().string());
  bool sawNodePort = false, sawPrivileged = false;
  for (const auto& rule : document["rules"]) {
    EXPECT_NE(rule["id"], "exposure.ingress") << "switched off by the override";
    if (rule["id"] == "exposure.service-nodeport") {
      sawNodePort = true;
      EXPECT_EQ(rule["action"], "warn");
      EXPECT_EQ(rule["severity"], "low");
      EXPECT_EQ(rule["layer"], overrides.parent_path().string());
      EXPECT_EQ(rule["origin"], overrides.string() + ":6");
      EXPECT_EQ(rule["policy"], "exposure");
    }
    if (rule["id"] == "privilege.privileged-container") {
      sawPrivileged = true;
      EXPECT_EQ(rule["action"], "deny");
      EXPECT_EQ(rule["layer"], "builtin");
      EXPECT_THAT(rule["origin"].get<std::string>(), HasSubstr("bundled:privilege/policy.yaml:"));
    }
  }
  EXPECT_TRUE(sawNodePort && sawPrivileged) << result.out;

  const auto text = runAgentguard({"rules", "--policies", "builtin", "--policies", overrides.parent_path().string()});
  ASSERT_EQ(text.exitCode, 0) << text.err;
  EXPECT_THAT(text.out, ::testing::ContainsRegex("exposure.service-nodeport +warn +low +" +
                                                 overrides.parent_path().string()));
  EXPECT_THAT(text.out, Not(HasSubstr("exposure.ingress ")));
  EXPECT_THAT(text.out, ::testing::ContainsRegex("[0-9]+ rules enabled by builtin \\+ .* sha256:[0-9a-f]{64}\n"));
}

TEST(RulesPoliciesTest, ABrokenLayerIsAnErrorWithEveryProblem) {
  ScratchDir dir;
  const auto broken = dir.write("broken.yaml",
                                "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: b}\n"
                                "spec:\n  rules:\n    - {id: exposure.no-such-rule}\n    - {id: exposure.host-port, action: maybe}\n");
  const auto result = runAgentguard({"rules", "--policies", "builtin", "--policies", broken.string()});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr(broken.string() + ":6: spec.rules[0].id: unknown rule \"exposure.no-such-rule\""));
  EXPECT_THAT(result.err, HasSubstr(broken.string() + ":7: spec.rules[1].action: \"maybe\" is not one of"));
}

TEST(RulesPoliciesTest, WithoutPoliciesItListsTheCatalog) {
  const auto result = runAgentguard({"rules"});
  EXPECT_EQ(result.exitCode, 0);
  EXPECT_THAT(result.out, HasSubstr("Pod Security Standards"));
  EXPECT_THAT(result.out, Not(HasSubstr("rules enabled by")));
}

}  // namespace
}  // namespace agentguard::cli

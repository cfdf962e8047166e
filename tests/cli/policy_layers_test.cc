// Repeated --policies: each is a layer, in order; "builtin" names the policies built into agentguard.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/policy/bundled_policies.h"
#include "engine/policy/policy_loader.h"
#include "tests/cli/cli_fixture.h"

namespace agentguard::cli {
namespace {

using ::testing::HasSubstr;
using testing::kBundledPolicies;
using testing::runAgentguard;
using testing::ScratchDir;

constexpr std::string_view kNodePortService =
    "apiVersion: v1\nkind: Service\nmetadata: {name: debug, namespace: agents}\nspec: {type: NodePort}\n";

// Overrides a built-in rule: NodePort Services warn instead of being denied.
constexpr std::string_view kOverride =
    "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: team}\n"
    "spec:\n  rules:\n    - {id: exposure.service-nodeport, action: warn}\n";

std::string bundledDigest() {
  auto set = engine::compilePolicies(engine::bundledPolicyFiles(), engine::RuleCatalog::builtin());
  return set.ok() ? set->digest : std::string();
}

TEST(PolicyLayersCliTest, ALaterLayerOverridesTheBuiltins) {
  ScratchDir dir;
  const auto overrides = dir.write("overrides/team.yaml", kOverride).parent_path().string();
  const auto manifest = dir.write("svc.yaml", kNodePortService).string();
  const auto result = runAgentguard({"check", "--policies", "builtin", "--policies", overrides, "-o", "json", manifest});
  ASSERT_EQ(result.exitCode, 0) << result.out << result.err;
  const auto report = nlohmann::json::parse(result.out);
  EXPECT_EQ(report["policies"]["source"], "builtin + " + overrides);
  EXPECT_NE(report["policies"]["digest"], bundledDigest());
  ASSERT_EQ(report["findings"].size(), 1u);
  EXPECT_EQ(report["findings"][0]["action"], "warn");

  // The same run without the override layer denies.
  EXPECT_EQ(runAgentguard({"check", "--policies", "builtin", manifest}).exitCode, 1);
}

TEST(PolicyLayersCliTest, OneSourceKeepsItsDigest) {
  ScratchDir dir;
  const auto manifest = dir.write("svc.yaml", kNodePortService).string();
  const auto builtin = runAgentguard({"check", "--policies", "builtin", "-o", "json", manifest});
  EXPECT_EQ(nlohmann::json::parse(builtin.out)["policies"],
            nlohmann::json({{"source", "bundled"}, {"digest", bundledDigest()}}));
  const auto tree = runAgentguard({"check", "--policies", kBundledPolicies.string(), "-o", "json", manifest});
  EXPECT_EQ(nlohmann::json::parse(tree.out)["policies"]["digest"], bundledDigest());
}

TEST(PolicyLayersCliTest, LayersApplyInTheOrderGiven) {
  ScratchDir dir;
  const auto overrides = dir.write("overrides/team.yaml", kOverride).parent_path().string();
  const auto manifest = dir.write("svc.yaml", kNodePortService).string();
  // The override first: it declares the one rule, and the built-ins after it may only override.
  const auto result = runAgentguard({"check", "--policies", overrides, "--policies", "builtin", manifest});
  EXPECT_EQ(result.exitCode, 2) << result.out;
  EXPECT_THAT(result.err, HasSubstr("bundled:exposure/policy.yaml:"));
  EXPECT_THAT(result.err, HasSubstr("is not declared by an earlier layer (" + overrides + ")"));
}

TEST(PolicyLayersCliTest, AnUndeclaredRuleNamesFileLineAndRule) {
  ScratchDir dir;
  const auto overrides = dir.write("overrides/mine.yaml",
                                   "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: m}\n"
                                   "spec:\n  rules:\n    - {id: exposure.service-nodeport, action: warn}\n"
                                   "---\napiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: n}\n"
                                   "spec:\n  rules:\n    - {id: exposure.service-nodeport, action: audit}\n");
  ScratchDir base;
  base.write("only/nodeport.yaml", "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: base}\n"
                                  "spec:\n  rules:\n    - {id: exposure.host-port}\n");
  const auto manifest = dir.write("svc.yaml", kNodePortService).string();
  const auto result = runAgentguard({"check", "--policies", (base.path() / "only").string(), "--policies",
                                     overrides.string(), manifest});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr(overrides.string() +
                                    ":6: spec.rules[0].id: rule \"exposure.service-nodeport\" is not declared by an "
                                    "earlier layer"));
}

TEST(PolicyLayersCliTest, AnExemptionsOnlyLayer) {
  ScratchDir dir;
  const auto exemptions = dir.write("exempt/edge.yaml",
                                    "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: edge}\n"
                                    "spec:\n  exemptions:\n    objects:\n"
                                    "      - {kind: Service, namespace: agents, name: debug, reason: reviewed}\n");
  const auto manifest = dir.write("svc.yaml", kNodePortService).string();
  const auto result = runAgentguard({"check", "--policies", "builtin", "--policies", exemptions.string(), manifest});
  EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
}

TEST(PolicyLayersCliTest, AnEmptyPoliciesValueIsAUsageError) {
  const auto result = runAgentguard({"check", "--policies=", "x.yaml"});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr("--policies needs a path or builtin"));
}

}  // namespace
}  // namespace agentguard::cli

// Runs every fixture under policies/<policy>/cases/ against the bundled policies, with the case runner
// `agentguard test` uses (engine/policy/policy_cases.h, which describes the format). A new case needs no
// new code.
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "engine/policy/policy_cases.h"
#include "engine/policy/policy_loader.h"
#include "tests/engine/policy_case_files.h"

namespace agentguard::engine {
namespace {

const std::shared_ptr<const PolicySet>& bundledPolicies() {
  static const std::shared_ptr<const PolicySet> policies = [] {
    auto loaded = loadPolicies(bundledPolicyDir());
    if (!loaded) {
      ADD_FAILURE() << loaded.error().describe();
      return std::shared_ptr<const PolicySet>(std::make_shared<PolicySet>());
    }
    return std::shared_ptr<const PolicySet>(std::make_shared<PolicySet>(std::move(loaded).value()));
  }();
  return policies;
}

class PolicyCaseTest : public ::testing::TestWithParam<CaseFile> {};

TEST_P(PolicyCaseTest, MatchesExpectations) {
  const CaseFile& testCase = GetParam();
  const Engine engine(bundledPolicies());
  bool policyEnablesARule = false;
  for (const auto& binding : engine.policies().rules) {
    policyEnablesARule = policyEnablesARule || engine.policies().policies[binding.policy].name == testCase.policy;
  }
  ASSERT_TRUE(policyEnablesARule) << "policy \"" << testCase.policy << "\" enables no rule";
  const PolicyCaseOutcome outcome =
      runPolicyCase(engine, testCase.path.filename().string(), readCaseText(testCase.path), testCase.policy);
  std::string problems;
  for (const auto& problem : outcome.problems) problems += "\n  " + problem;
  EXPECT_EQ(outcome.status, PolicyCaseOutcome::Status::kPassed) << testCase.path.string() << problems;
}

// The runner itself: a case that would pass under another set fails, and malformed cases are told apart.
TEST(PolicyCaseRunnerTest, FailsAndMalformedCases) {
  const Engine engine(bundledPolicies());
  const std::string service = "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\nspec: {type: NodePort}\n";
  EXPECT_EQ(runPolicyCase(engine, "deny-nodeport.yaml", "# expect: exposure.service-nodeport spec.type\n" + service,
                          "exposure").status,
            PolicyCaseOutcome::Status::kPassed);
  const auto wrongAction = runPolicyCase(engine, "warn-nodeport.yaml",
                                         "# expect: exposure.service-nodeport spec.type\n" + service, "exposure");
  EXPECT_EQ(wrongAction.status, PolicyCaseOutcome::Status::kFailed);
  const auto allowed = runPolicyCase(engine, "allow-nodeport.yaml", service, "exposure");
  EXPECT_EQ(allowed.status, PolicyCaseOutcome::Status::kFailed);
  const auto unexpected = runPolicyCase(engine, "deny-nodeport.yaml",
                                        "# expect: exposure.service-nodeport spec.ports\n" + service, "");
  EXPECT_EQ(unexpected.status, PolicyCaseOutcome::Status::kFailed);
  ASSERT_FALSE(unexpected.problems.empty());
  EXPECT_NE(unexpected.problems[0].find("expected exposure.service-nodeport at spec.ports"), std::string::npos);
  EXPECT_EQ(runPolicyCase(engine, "nodeport.yaml", service, "").status, PolicyCaseOutcome::Status::kMalformed);
  EXPECT_EQ(runPolicyCase(engine, "deny-nodeport.yaml", service, "").status, PolicyCaseOutcome::Status::kMalformed);
  EXPECT_EQ(runPolicyCase(engine, "deny-nodeport.yaml", "# expect: exposure.service-nodeport\n" + service, "").status,
            PolicyCaseOutcome::Status::kMalformed);
  EXPECT_EQ(runPolicyCase(engine, "deny-x.yaml", "a: [\n", "").status, PolicyCaseOutcome::Status::kMalformed);
}

std::string caseName(const ::testing::TestParamInfo<CaseFile>& info) {
  std::string name = info.param.policy + "_" + info.param.path.stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Policies, PolicyCaseTest, ::testing::ValuesIn(allCaseFiles()), caseName);

// Every rule that a bundled policy enables is exercised by at least one deny/warn/audit case.
TEST(PolicyCaseCoverage, EveryEnabledRuleHasAFiringCase) {
  std::set<std::string> expected;
  for (const auto& testCase : allCaseFiles()) {
    for (const auto& rule : expectedRules(readCaseText(testCase.path))) expected.insert(rule);
  }
  // Judged against the workloads running in the cluster, so silent offline; its cases run through the
  // webhook (tests/webhook/admission/policy_loosening_test.cc and the webhook's cluster tests).
  const std::set<std::string> clusterOnly = {"network-isolation.policy-loosening"};
  for (const auto& binding : bundledPolicies()->rules) {
    if (clusterOnly.count(binding.definition->info.id) != 0) continue;
    EXPECT_EQ(expected.count(binding.definition->info.id), 1u)
        << "rule " << binding.definition->info.id << " has no deny/warn/audit case under policies/*/cases";
  }
}

}  // namespace
}  // namespace agentguard::engine

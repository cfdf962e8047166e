// Runs every fixture under policies/<policy>/cases/ against the bundled policies.
//   allow-*.yaml  no rule of that policy may fire on any object of the file
//   deny-*.yaml / warn-*.yaml / audit-*.yaml
//                 every "# expect: <rule> <path>" line must be matched by a finding of that rule at that
//                 path, and the strongest action of those findings is the one the file name states; every finding of that policy's rules must be
//                 named by such a line (a case lists all it expects, so an extra finding fails it), except
//                 findings of the rules a "# unlisted: <rule> ..." line names: rules that fire in that case
//                 but are not what it tests (each must fire there, and none may also be expected); the file
//                 must name at least one expectation
// A new case needs no new code.
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/manifest/manifest_object.h"
#include "engine/engine.h"
#include "engine/network/document_network_policy_source.h"
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
  const std::string text = readCaseText(testCase.path);
  const std::string file = testCase.path.filename().string();

  auto objects = manifest::loadManifests(text, file);
  ASSERT_TRUE(objects.ok()) << objects.error().describe();
  ASSERT_FALSE(objects->empty()) << file << " holds no object";

  const DocumentNetworkPolicySource source(*objects, "default");
  const Engine engine(bundledPolicies());
  EvaluationContext context;
  context.networkPolicies = &source;

  // Rule ids belonging to this case's policy.
  std::set<std::string> policyRules;
  const PolicySet& set = engine.policies();
  for (const auto& binding : set.rules) {
    if (set.policies[binding.policy].name == testCase.policy) policyRules.insert(binding.definition->info.id);
  }
  ASSERT_FALSE(policyRules.empty()) << "policy \"" << testCase.policy << "\" enables no rule";

  Findings findings;
  for (const auto& object : *objects) {
    for (auto& finding : engine.evaluate(object.body, context)) findings.push_back(std::move(finding));
  }

  const std::string prefix = file.substr(0, file.find('-'));
  if (prefix == "allow") {
    for (const auto& finding : findings) {
      EXPECT_EQ(policyRules.count(finding.rule), 0u) << file << " should pass but got: " << finding.describe();
    }
    return;
  }
  Action expectedAction = Action::kDeny;
  ASSERT_TRUE(parseAction(prefix, expectedAction)) << file << ": name must start with allow-, deny-, warn- or audit-";

  std::istringstream lines(text);
  std::string line;
  int expectations = 0;
  std::set<std::pair<std::string, std::string>> expected;
  std::set<std::string> unlisted;
  std::optional<Action> strongest;
  while (std::getline(lines, line)) {
    constexpr std::string_view kUnlisted = "# unlisted: ";
    if (line.rfind(kUnlisted, 0) == 0) {
      std::istringstream rules(line.substr(kUnlisted.size()));
      for (std::string rule; rules >> rule;) unlisted.insert(rule);
      continue;
    }
    constexpr std::string_view kMarker = "# expect: ";
    if (line.rfind(kMarker, 0) != 0) continue;
    std::istringstream fields(line.substr(kMarker.size()));
    std::string rule, path;
    fields >> rule >> path;
    ++expectations;
    expected.emplace(rule, path);
    bool matched = false;
    for (const auto& finding : findings) {
      if (finding.rule == rule && finding.path == path) {
        matched = true;
        // deny < warn < audit in Action's order: the strongest action of the expected findings.
        if (!strongest || finding.action < *strongest) strongest = finding.action;
        EXPECT_FALSE(finding.message.empty());
        EXPECT_FALSE(finding.fix.empty());
      }
    }
    std::string got;
    for (const auto& finding : findings) got += "\n  " + finding.rule + " " + finding.path;
    EXPECT_TRUE(matched) << file << ": expected " << rule << " at " << path << "; findings:" << got;
  }
  EXPECT_GT(expectations, 0) << file << " names no \"# expect: <rule> <path>\" line";
  if (strongest) {
    EXPECT_EQ(actionName(*strongest), actionName(expectedAction))
        << file << ": the file name states the strongest action of its expected findings";
  }
  for (const auto& rule : unlisted) {
    bool fired = false;
    for (const auto& finding : findings) fired = fired || finding.rule == rule;
    EXPECT_TRUE(fired) << file << ": \"# unlisted: " << rule << "\" names a rule that does not fire here; remove it";
    for (const auto& [expectedRule, path] : expected) {
      EXPECT_NE(expectedRule, rule) << file << ": " << rule << " is both expected and unlisted";
    }
  }
  for (const auto& finding : findings) {
    if (policyRules.count(finding.rule) == 0 || unlisted.count(finding.rule) > 0) continue;
    EXPECT_EQ(expected.count({finding.rule, finding.path}), 1u)
        << file << ": finding not listed as \"# expect: " << finding.rule << " " << finding.path
        << "\": " << finding.describe();
  }
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
    std::istringstream lines(readCaseText(testCase.path));
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("# expect: ", 0) == 0) {
        std::istringstream fields(line.substr(10));
        std::string rule;
        fields >> rule;
        expected.insert(rule);
      }
    }
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

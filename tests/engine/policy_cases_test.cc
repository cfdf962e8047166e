// Runs every fixture under policies/<policy>/cases/ against the bundled policies.
//   allow-*.yaml  no rule of that policy may fire on any object of the file
//   deny-*.yaml / warn-*.yaml / audit-*.yaml
//                 every "# expect: <rule> <path>" line must be matched by a finding of that rule at that
//                 path, with the action the file name states; the file must name at least one expectation
// A new case needs no new code.
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/manifest/manifest_object.h"
#include "engine/engine.h"
#include "engine/network/document_network_policy_source.h"
#include "engine/policy/policy_loader.h"

namespace agentguard::engine {
namespace {

namespace fs = std::filesystem;

const fs::path kPolicies = fs::path(AGENTGUARD_SOURCE_DIR) / "policies";

struct CaseFile {
  std::string policy;  // folder name == policy name
  fs::path path;
};

std::vector<CaseFile> allCases() {
  std::vector<CaseFile> cases;
  for (const auto& entry : fs::directory_iterator(kPolicies)) {
    const fs::path dir = entry.path() / "cases";
    if (!fs::is_directory(dir)) continue;
    for (const auto& file : fs::directory_iterator(dir)) {
      if (file.path().extension() == ".yaml") cases.push_back({entry.path().filename().string(), file.path()});
    }
  }
  std::sort(cases.begin(), cases.end(), [](const CaseFile& a, const CaseFile& b) { return a.path < b.path; });
  return cases;
}

std::string readText(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::shared_ptr<const PolicySet>& bundledPolicies() {
  static const std::shared_ptr<const PolicySet> policies = [] {
    auto loaded = loadPolicies(kPolicies);
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
  const std::string text = readText(testCase.path);
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
  while (std::getline(lines, line)) {
    constexpr std::string_view kMarker = "# expect: ";
    if (line.rfind(kMarker, 0) != 0) continue;
    std::istringstream fields(line.substr(kMarker.size()));
    std::string rule, path;
    fields >> rule >> path;
    ++expectations;
    bool matched = false;
    for (const auto& finding : findings) {
      if (finding.rule == rule && finding.path == path) {
        matched = true;
        EXPECT_EQ(finding.action, expectedAction) << file << ": " << finding.describe();
        EXPECT_FALSE(finding.message.empty());
        EXPECT_FALSE(finding.fix.empty());
      }
    }
    std::string got;
    for (const auto& finding : findings) got += "\n  " + finding.rule + " " + finding.path;
    EXPECT_TRUE(matched) << file << ": expected " << rule << " at " << path << "; findings:" << got;
  }
  EXPECT_GT(expectations, 0) << file << " names no \"# expect: <rule> <path>\" line";
}

std::string caseName(const ::testing::TestParamInfo<CaseFile>& info) {
  std::string name = info.param.policy + "_" + info.param.path.stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Policies, PolicyCaseTest, ::testing::ValuesIn(allCases()), caseName);

// Every rule that a bundled policy enables is exercised by at least one deny/warn/audit case.
TEST(PolicyCaseCoverage, EveryEnabledRuleHasAFiringCase) {
  std::set<std::string> expected;
  for (const auto& testCase : allCases()) {
    std::istringstream lines(readText(testCase.path));
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

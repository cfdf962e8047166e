// Every rule stands on its own: a policy that disables, downgrades or exempts one rule must not change
// what another rule reports. For every case file under policies/*/cases and every rule R of the bundled
// policies, evaluating with only R enabled yields exactly R's findings from the evaluation with every
// rule enabled, with the input's NetworkPolicies as the source and with no source at all.
//
// What this catches: a rule whose findings depend on which other rules run (engine-level suppression of
// "duplicate" findings, a rule reading a result another rule left in the ObjectMemo). A rule that skips a
// value because of how the value looks ("another rule reports it") reports the same alone and with every
// rule; that kind of leaning is ruled out by the rules' own tests (credentials.high-entropy, for one,
// reports known tokens and secret-named literals: credential_rules_test, entropy_test).
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "common/manifest/manifest_object.h"
#include "engine/engine.h"
#include "engine/network/document_network_policy_source.h"
#include "engine/policy/policy_loader.h"
#include "engine/rules/check_rule.h"
#include "engine/policy/parameter_reader.h"
#include "tests/engine/policy_case_files.h"

namespace agentguard::engine {
namespace {

using FindingKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;

std::multiset<FindingKey> keysOf(const Findings& findings, const std::string& rule) {
  std::multiset<FindingKey> keys;
  for (const auto& finding : findings) {
    if (finding.rule != rule) continue;
    keys.emplace(finding.objectName(), finding.path, finding.message, std::string(actionName(finding.action)),
                 std::string(severityName(finding.severity)));
  }
  return keys;
}

// `withSource`: the input's NetworkPolicies answer for the namespace, as in `agentguard check`; without,
// no source can answer, as in the webhook before its NetworkPolicy cache has synced.
Findings evaluateAll(const Engine& engine, const std::vector<manifest::ManifestObject>& objects, bool withSource) {
  const DocumentNetworkPolicySource source(objects, "default");
  EvaluationContext context;
  context.networkPolicies = withSource ? &source : nullptr;
  Findings findings;
  for (const auto& object : objects) {
    for (auto& finding : engine.evaluate(object.body, context)) findings.push_back(std::move(finding));
  }
  return findings;
}

// The policies compiled from `files`, and for each rule they enable the same policies with every other
// rule switched off (exemptions, actions and parameters kept).
struct Engines {
  std::unique_ptr<Engine> full;
  std::vector<std::pair<std::string, Engine>> alone;
};

Engines enginesFor(const std::vector<PolicyFile>& files, const RuleCatalog& catalog) {
  Engines engines;
  auto all = compilePolicies(files, catalog);
  if (!all.ok()) {
    ADD_FAILURE() << all.error().describe();
    return engines;
  }
  std::vector<std::string> rules;
  for (const auto& binding : all->rules) rules.push_back(binding.definition->info.id);
  engines.full = std::make_unique<Engine>(std::make_shared<const PolicySet>(std::move(all).value()));
  for (const auto& rule : rules) {
    PolicySet set = compilePolicies(files, catalog).value();
    std::erase_if(set.rules, [&rule](const RuleBinding& binding) { return binding.definition->info.id != rule; });
    engines.alone.emplace_back(rule, Engine(std::make_shared<const PolicySet>(std::move(set))));
  }
  return engines;
}

// One line per rule and input whose findings alone differ from its findings among all rules.
std::vector<std::string> dependentRules(const Engines& engines, const std::vector<manifest::ManifestObject>& objects,
                                        const std::string& input, size_t& findingsSeen) {
  std::vector<std::string> problems;
  for (const bool withSource : {true, false}) {
    const Findings everything = evaluateAll(*engines.full, objects, withSource);
    for (const auto& [rule, engine] : engines.alone) {
      const auto expected = keysOf(everything, rule);
      const auto got = keysOf(evaluateAll(engine, objects, withSource), rule);
      findingsSeen += expected.size();
      if (got == expected) continue;
      std::string diff;
      for (const auto& key : expected) {
        if (got.count(key) < expected.count(key)) diff += "\n  only with every rule: " + std::get<1>(key) + ": " + std::get<2>(key);
      }
      for (const auto& key : got) {
        if (expected.count(key) < got.count(key)) diff += "\n  only alone: " + std::get<1>(key) + ": " + std::get<2>(key);
      }
      problems.push_back(input + (withSource ? "" : " (no NetworkPolicy source)") + ": rule " + rule +
                         " reports differently when it is the only rule enabled:" + diff);
    }
  }
  return problems;
}

TEST(RuleIndependenceTest, EachBundledRuleReportsTheSameAloneInEveryCase) {
  auto files = readPolicyFiles(bundledPolicyDir());
  ASSERT_TRUE(files.ok()) << files.error().describe();
  const Engines engines = enginesFor(*files, RuleCatalog::builtin());
  ASSERT_NE(engines.full, nullptr);
  ASSERT_GT(engines.alone.size(), 10u);
  size_t cases = 0;
  size_t findingsSeen = 0;
  for (const auto& testCase : allCaseFiles()) {
    auto objects = manifest::loadManifests(readCaseText(testCase.path), testCase.path.filename().string());
    ASSERT_TRUE(objects.ok()) << objects.error().describe();
    for (const auto& problem : dependentRules(engines, *objects, testCase.path.filename().string(), findingsSeen)) {
      ADD_FAILURE() << problem;
    }
    ++cases;
  }
  // The comparison covered the cases and saw findings (a walk that finds nothing proves nothing).
  EXPECT_GT(cases, 50u);
  EXPECT_GT(findingsSeen, 200u);
}

// The comparison finds a rule that depends on another: "test.reader" reports what "test.writer" left in
// the object's memo, so it goes silent when test.writer is off.
struct WriterNote {
  bool written = false;
};

TEST(RuleIndependenceTest, FindsARuleThatDependsOnAnother) {
  RuleCatalog catalog;
  RuleDefinition writer;
  writer.info = {"test.writer", "test", "Writer", "Leaves a note in the memo.", Severity::kLow, Action::kWarn};
  writer.create = [](ParameterReader&) -> RulePtr {
    return makeCheckRule([](const ObjectView& object, const RuleContext&, std::vector<Violation>&) {
      object.memo().get<WriterNote>([] { return WriterNote{true}; });
    });
  };
  RuleDefinition reader;
  reader.info = {"test.reader", "test", "Reader", "Reports the note.", Severity::kLow, Action::kWarn};
  reader.create = [](ParameterReader&) -> RulePtr {
    return makeCheckRule([](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
      if (object.memo().get<WriterNote>([] { return WriterNote{false}; }).written) out.push_back({"metadata", "m", "f"});
    });
  };
  catalog.add(std::move(writer));
  catalog.add(std::move(reader));
  const std::vector<PolicyFile> files = {{"p.yaml", R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata: {name: p}
spec:
  rules: [{id: test.writer}, {id: test.reader}]
)"}};
  auto objects = manifest::loadManifests("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\n", "c.yaml");
  ASSERT_TRUE(objects.ok());
  size_t findingsSeen = 0;
  const auto problems = dependentRules(enginesFor(files, catalog), *objects, "c.yaml", findingsSeen);
  ASSERT_EQ(problems.size(), 2u);  // with and without a NetworkPolicy source
  EXPECT_NE(problems[0].find("rule test.reader reports differently"), std::string::npos) << problems[0];
}

}  // namespace
}  // namespace agentguard::engine

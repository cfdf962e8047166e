// docs/rules/: every rule the engine registers has a reference page, and SARIF's helpUri points at it. A new
// rule without a page fails here; scripts/gen-rule-docs.py writes the page (the rule_docs test checks that
// the pages are current).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/report/check_report.h"
#include "engine/rules/rule_catalog.h"
#include "tests/cli/cli_fixture.h"

namespace agentguard::cli {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;

TEST(RuleDocsTest, EveryRegisteredRuleHasAPageThatHelpUriPointsAt) {
  const auto& rules = engine::RuleCatalog::builtin().all();
  ASSERT_FALSE(rules.empty());
  const std::string index = testing::readFile(testing::kSourceDir / "docs/rules/README.md");
  for (const auto& definition : rules) {
    const std::string& id = definition.info.id;
    const auto page = testing::kSourceDir / "docs/rules" / (id + ".md");
    ASSERT_TRUE(std::filesystem::exists(page)) << id << " has no page " << page
                                               << "; run scripts/gen-rule-docs.py build/bin/agentguard";
    const std::string text = testing::readFile(page);
    EXPECT_THAT(text, HasSubstr("# `" + id + "`: " + definition.info.title)) << id;
    EXPECT_THAT(text, HasSubstr("## What it checks and why")) << id;
    EXPECT_THAT(text, HasSubstr("## How to fix")) << id;
    EXPECT_THAT(text, HasSubstr("## Failing example")) << id;
    EXPECT_THAT(text, HasSubstr("## Passing example")) << id;
    EXPECT_THAT(ruleHelpUri(id), EndsWith("/docs/rules/" + id + ".md")) << id;
    EXPECT_THAT(index, HasSubstr("[`" + id + "`](" + id + ".md)")) << id;
  }
}

}  // namespace
}  // namespace agentguard::cli

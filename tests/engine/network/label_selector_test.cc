#include "engine/network/label_selector.h"

#include <gtest/gtest.h>

namespace agentguard::engine {
namespace {

struct SelectorCase {
  std::string name;
  std::string selector;
  std::string labels;
  int expected;  // 1 match, 0 no match, -1 error
};

class LabelSelectorTest : public ::testing::TestWithParam<SelectorCase> {};

TEST_P(LabelSelectorTest, Evaluates) {
  const auto& c = GetParam();
  const auto selector = nlohmann::json::parse(c.selector);
  const auto labels = nlohmann::json::parse(c.labels);
  const auto result = selectorMatches(selector, labels.is_null() ? nullptr : &labels);
  if (c.expected < 0) {
    EXPECT_FALSE(result.ok());
    return;
  }
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, c.expected == 1);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LabelSelectorTest,
    ::testing::Values(
        SelectorCase{"EmptySelectsAll", "{}", R"({"app":"x"})", 1},
        SelectorCase{"EmptySelectsUnlabelled", "{}", "null", 1},
        SelectorCase{"MatchLabelsEqual", R"({"matchLabels":{"app":"x"}})", R"({"app":"x","tier":"a"})", 1},
        SelectorCase{"MatchLabelsDiffer", R"({"matchLabels":{"app":"x"}})", R"({"app":"y"})", 0},
        SelectorCase{"MatchLabelsMissing", R"({"matchLabels":{"app":"x"}})", "{}", 0},
        SelectorCase{"InListed", R"({"matchExpressions":[{"key":"t","operator":"In","values":["a","b"]}]})",
                     R"({"t":"b"})", 1},
        SelectorCase{"InMissingKey", R"({"matchExpressions":[{"key":"t","operator":"In","values":["a"]}]})", "{}", 0},
        SelectorCase{"NotInMissingKeyMatches",
                     R"({"matchExpressions":[{"key":"t","operator":"NotIn","values":["a"]}]})", "{}", 1},
        SelectorCase{"NotInListed", R"({"matchExpressions":[{"key":"t","operator":"NotIn","values":["a"]}]})",
                     R"({"t":"a"})", 0},
        SelectorCase{"Exists", R"({"matchExpressions":[{"key":"t","operator":"Exists"}]})", R"({"t":""})", 1},
        SelectorCase{"DoesNotExist", R"({"matchExpressions":[{"key":"t","operator":"DoesNotExist"}]})",
                     R"({"t":"a"})", 0},
        SelectorCase{"LabelsAndExpressionsBothRequired",
                     R"({"matchLabels":{"app":"x"},"matchExpressions":[{"key":"t","operator":"Exists"}]})",
                     R"({"app":"x"})", 0},
        SelectorCase{"UnknownOperatorIsError", R"({"matchExpressions":[{"key":"t","operator":"Like"}]})", "{}", -1},
        SelectorCase{"InWithoutValuesIsError", R"({"matchExpressions":[{"key":"t","operator":"In"}]})", "{}", -1},
        SelectorCase{"ExistsWithValuesIsError",
                     R"({"matchExpressions":[{"key":"t","operator":"Exists","values":["a"]}]})", "{}", -1},
        SelectorCase{"NonStringValueIsError", R"({"matchLabels":{"app":1}})", R"({"app":"1"})", -1},
        SelectorCase{"NonObjectIsError", "[]", "{}", -1}),
    [](const ::testing::TestParamInfo<SelectorCase>& testInfo) { return testInfo.param.name; });

}  // namespace
}  // namespace agentguard::engine

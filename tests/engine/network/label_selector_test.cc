#include "engine/network/label_selector.h"

#include <gtest/gtest.h>

namespace agentguard::engine {
namespace {

struct SelectorCase {
  std::string name;
  std::string selector;
  std::string labels;    // a label whose value is "<varies>" varies from pod to pod
  std::string expected;  // all | some | none | error
};

PodLabels podLabels(const nlohmann::json& labels) {
  PodLabels result;
  if (!labels.is_object()) return result;
  for (const auto& [key, value] : labels.items()) {
    if (value == "<varies>") {
      result.setVarying(key);
    } else {
      result.set(key, value.get<std::string>());
    }
  }
  return result;
}

class LabelSelectorTest : public ::testing::TestWithParam<SelectorCase> {};

TEST_P(LabelSelectorTest, Evaluates) {
  const auto& c = GetParam();
  const auto result = selectorMatch(nlohmann::json::parse(c.selector), podLabels(nlohmann::json::parse(c.labels)));
  if (c.expected == "error") {
    EXPECT_FALSE(result.ok());
    return;
  }
  ASSERT_TRUE(result.ok()) << result.error().message;
  const char* names[] = {"none", "some", "all"};
  EXPECT_EQ(names[static_cast<int>(*result)], c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LabelSelectorTest,
    ::testing::Values(
        SelectorCase{"EmptySelectsAll", "{}", R"({"app":"x"})", "all"},
        SelectorCase{"EmptySelectsUnlabelled", "{}", "null", "all"},
        SelectorCase{"MatchLabelsEqual", R"({"matchLabels":{"app":"x"}})", R"({"app":"x","tier":"a"})", "all"},
        SelectorCase{"MatchLabelsDiffer", R"({"matchLabels":{"app":"x"}})", R"({"app":"y"})", "none"},
        SelectorCase{"MatchLabelsMissing", R"({"matchLabels":{"app":"x"}})", "{}", "none"},
        SelectorCase{"InListed", R"({"matchExpressions":[{"key":"t","operator":"In","values":["a","b"]}]})",
                     R"({"t":"b"})", "all"},
        SelectorCase{"InMissingKey", R"({"matchExpressions":[{"key":"t","operator":"In","values":["a"]}]})", "{}", "none"},
        SelectorCase{"NotInMissingKeyMatches",
                     R"({"matchExpressions":[{"key":"t","operator":"NotIn","values":["a"]}]})", "{}", "all"},
        SelectorCase{"NotInListed", R"({"matchExpressions":[{"key":"t","operator":"NotIn","values":["a"]}]})",
                     R"({"t":"a"})", "none"},
        SelectorCase{"Exists", R"({"matchExpressions":[{"key":"t","operator":"Exists"}]})", R"({"t":""})", "all"},
        SelectorCase{"DoesNotExist", R"({"matchExpressions":[{"key":"t","operator":"DoesNotExist"}]})",
                     R"({"t":"a"})", "none"},
        SelectorCase{"LabelsAndExpressionsBothRequired",
                     R"({"matchLabels":{"app":"x"},"matchExpressions":[{"key":"t","operator":"Exists"}]})",
                     R"({"app":"x"})", "none"},
        SelectorCase{"UnknownOperatorIsError", R"({"matchExpressions":[{"key":"t","operator":"Like"}]})", "{}", "error"},
        SelectorCase{"InWithoutValuesIsError", R"({"matchExpressions":[{"key":"t","operator":"In"}]})", "{}", "error"},
        SelectorCase{"ExistsWithValuesIsError",
                     R"({"matchExpressions":[{"key":"t","operator":"Exists","values":["a"]}]})", "{}", "error"},
        SelectorCase{"NonStringValueIsError", R"({"matchLabels":{"app":1}})", R"({"app":"1"})", "error"},
        SelectorCase{"NonObjectIsError", "[]", "{}", "error"},
        // Labels a controller adds with a value not known in advance.
        SelectorCase{"ExistsOnVaryingLabel", R"({"matchExpressions":[{"key":"pod-template-hash","operator":"Exists"}]})",
                     R"({"pod-template-hash":"<varies>"})", "all"},
        SelectorCase{"DoesNotExistOnControllerLabel",
                     R"({"matchExpressions":[{"key":"pod-template-hash","operator":"DoesNotExist"}]})",
                     R"({"app":"x","pod-template-hash":"<varies>"})", "none"},
        SelectorCase{"InOnVaryingLabel", R"({"matchLabels":{"pod-template-hash":"5d4f8c9b7"}})",
                     R"({"pod-template-hash":"<varies>"})", "some"},
        SelectorCase{"NotInOnVaryingLabel",
                     R"({"matchExpressions":[{"key":"statefulset.kubernetes.io/pod-name","operator":"NotIn","values":["db-0"]}]})",
                     R"({"statefulset.kubernetes.io/pod-name":"<varies>"})", "some"},
        SelectorCase{"NoneWinsOverSome",
                     R"({"matchLabels":{"app":"y","pod-template-hash":"abc"}})",
                     R"({"app":"x","pod-template-hash":"<varies>"})", "none"},
        SelectorCase{"ContradictoryExpressions",
                     R"({"matchExpressions":[{"key":"app","operator":"In","values":["x"]},{"key":"app","operator":"NotIn","values":["x"]}]})",
                     R"({"app":"x"})", "none"},
        SelectorCase{"ExistsAndDoesNotExist",
                     R"({"matchExpressions":[{"key":"app","operator":"Exists"},{"key":"app","operator":"DoesNotExist"}]})",
                     R"({"app":"x"})", "none"}),
    [](const ::testing::TestParamInfo<SelectorCase>& testInfo) { return testInfo.param.name; });

}  // namespace
}  // namespace agentguard::engine

#include "engine/rules/privilege/security_context.h"

#include <string>

#include <gtest/gtest.h>

namespace agentguard::engine::privilege {
namespace {

using Json = nlohmann::json;

// ---- typed settings ----

struct SettingCase {
  std::string name;
  std::string object;  // JSON mapping holding "field"
  bool unset;
  bool invalid;
};

class BoolSettingTest : public ::testing::TestWithParam<SettingCase> {};

TEST_P(BoolSettingTest, ClassifiesValue) {
  const Json object = Json::parse(GetParam().object);
  const auto setting = boolSetting(&object, "field");
  EXPECT_EQ(setting.unset(), GetParam().unset);
  EXPECT_EQ(setting.invalid(), GetParam().invalid);
  EXPECT_EQ(setting.value.has_value(), !GetParam().unset && !GetParam().invalid);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BoolSettingTest,
    ::testing::Values(SettingCase{"Absent", R"({})", true, false},
                      SettingCase{"Null", R"({"field": null})", true, false},
                      SettingCase{"True", R"({"field": true})", false, false},
                      SettingCase{"False", R"({"field": false})", false, false},
                      SettingCase{"QuotedTrue", R"({"field": "true"})", false, true},
                      SettingCase{"Number", R"({"field": 1})", false, true},
                      SettingCase{"Mapping", R"({"field": {}})", false, true},
                      SettingCase{"HolderIsAList", R"([true])", true, false}),
    [](const auto& tested) { return tested.param.name; });

TEST(IntSettingTest, AcceptsIntegralNumbersOnly) {
  const Json object = Json::parse(R"({"zero": 0, "whole": 1000.0, "fraction": 1.5, "text": "0", "none": null})");
  EXPECT_TRUE(intSetting(&object, "zero").is(0));
  EXPECT_TRUE(intSetting(&object, "whole").is(1000));
  EXPECT_TRUE(intSetting(&object, "fraction").invalid());
  EXPECT_TRUE(intSetting(&object, "text").invalid());
  EXPECT_FALSE(intSetting(&object, "text").is(0));
  EXPECT_TRUE(intSetting(&object, "none").unset());
  EXPECT_TRUE(intSetting(&object, "missing").unset());
}

TEST(StringSettingTest, KeepsEmptyStringsApartFromUnset) {
  const Json object = Json::parse(R"({"empty": "", "type": "Unconfined", "number": 7})");
  EXPECT_TRUE(stringSetting(&object, "empty").is(""));
  EXPECT_FALSE(stringSetting(&object, "empty").unset());
  EXPECT_TRUE(stringSetting(&object, "type").is("Unconfined"));
  EXPECT_TRUE(stringSetting(&object, "number").invalid());
  EXPECT_TRUE(stringSetting(nullptr, "type").unset());
}

// ---- pod / container precedence ----

struct PrecedenceCase {
  std::string name;
  std::string podSecurityContext;        // JSON value of spec.securityContext, "" for none
  std::string containerSecurityContext;  // JSON value of the container's securityContext, "" for none
  std::string key;
  Origin origin;
  std::string effective;  // dump() of the effective value, "" when unset
};

class PrecedenceTest : public ::testing::TestWithParam<PrecedenceCase> {};

TEST_P(PrecedenceTest, ResolvesLikeTheKubelet) {
  const PrecedenceCase& c = GetParam();
  Json pod = {{"kind", "Pod"}, {"metadata", {{"name", "p"}}}, {"spec", {{"containers", Json::array()}}}};
  Json container = {{"name", "app"}};
  if (!c.containerSecurityContext.empty()) container["securityContext"] = Json::parse(c.containerSecurityContext);
  pod["spec"]["containers"].push_back(container);
  if (!c.podSecurityContext.empty()) pod["spec"]["securityContext"] = Json::parse(c.podSecurityContext);

  const ObjectView view(pod, "default");
  const PodTemplateRef* podTemplate = view.podTemplate();
  if (podTemplate == nullptr || podTemplate->containers.size() != 1) {
    FAIL() << "the pod has no template or not exactly one container";
  }
  const SecurityContexts contexts(*podTemplate);
  const Resolved resolved = contexts.resolve(podTemplate->containers[0], c.key);
  EXPECT_EQ(resolved.origin, c.origin);
  EXPECT_EQ(resolved.raw == nullptr ? "" : resolved.raw->dump(), c.effective);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PrecedenceTest,
    ::testing::Values(
        PrecedenceCase{"NeitherSets", "", "", "runAsNonRoot", Origin::kUnset, ""},
        PrecedenceCase{"EmptyContexts", "{}", "{}", "runAsNonRoot", Origin::kUnset, ""},
        PrecedenceCase{"PodOnly", R"({"runAsNonRoot": true})", "", "runAsNonRoot", Origin::kPod, "true"},
        PrecedenceCase{"ContainerOnly", "", R"({"runAsUser": 1000})", "runAsUser", Origin::kContainer, "1000"},
        PrecedenceCase{"ContainerTightensPod", R"({"runAsNonRoot": false})", R"({"runAsNonRoot": true})",
                       "runAsNonRoot", Origin::kContainer, "true"},
        PrecedenceCase{"ContainerLoosensPod", R"({"runAsNonRoot": true})", R"({"runAsNonRoot": false})",
                       "runAsNonRoot", Origin::kContainer, "false"},
        PrecedenceCase{"ContainerRootOverridesPodUser", R"({"runAsUser": 1000})", R"({"runAsUser": 0})", "runAsUser",
                       Origin::kContainer, "0"},
        PrecedenceCase{"ContainerNullFallsBackToPod", R"({"runAsUser": 0})", R"({"runAsUser": null})", "runAsUser",
                       Origin::kPod, "0"},
        PrecedenceCase{"MistypedContainerValueStillWins", R"({"runAsNonRoot": true})",
                       R"({"runAsNonRoot": "false"})", "runAsNonRoot", Origin::kContainer, R"("false")"},
        PrecedenceCase{"MappingsReplaceNotMerge", R"({"seccompProfile": {"type": "RuntimeDefault"}})",
                       R"({"seccompProfile": {"localhostProfile": "a.json"}})", "seccompProfile", Origin::kContainer,
                       R"({"localhostProfile":"a.json"})"},
        PrecedenceCase{"PodContextNotAMapping", R"(["runAsNonRoot"])", "", "runAsNonRoot", Origin::kUnset, ""},
        PrecedenceCase{"ContainerContextNotAMapping", R"({"runAsUser": 0})", R"("privileged")", "runAsUser",
                       Origin::kPod, "0"}),
    [](const auto& tested) { return tested.param.name; });

// ---- descriptions and paths ----

TEST(SecurityContextsTest, BuildsPathsForPodAndContainer) {
  const Json deployment = Json::parse(R"({"kind": "Deployment", "metadata": {"name": "d"},
      "spec": {"template": {"spec": {"containers": [{"name": "a"}], "initContainers": [{"name": "b"}]}}}})");
  const ObjectView view(deployment, "default");
  const PodTemplateRef& pod = *view.podTemplate();
  const SecurityContexts contexts(pod);
  EXPECT_EQ(contexts.podPath("runAsUser"), "spec.template.spec.securityContext.runAsUser");
  EXPECT_EQ(SecurityContexts::containerPath(pod.containers[1], "seccompProfile.type"),
            "spec.template.spec.initContainers[0].securityContext.seccompProfile.type");
  EXPECT_EQ(contexts.pod(), nullptr);
}

TEST(DescribeTest, NamesContainersByList) {
  ContainerRef app{nullptr, "spec.containers[0]", ContainerList::kContainers, "app"};
  ContainerRef init{nullptr, "spec.initContainers[0]", ContainerList::kInitContainers, "setup"};
  ContainerRef debug{nullptr, "spec.ephemeralContainers[0]", ContainerList::kEphemeralContainers, "dbg\"x"};
  EXPECT_EQ(describeContainer(app), "container \"app\"");
  EXPECT_EQ(describeContainer(init), "init container \"setup\"");
  EXPECT_EQ(describeContainer(debug), "ephemeral container \"dbg\\\"x\"");
  EXPECT_EQ(describeContainers({&app}), "container \"app\"");
  EXPECT_EQ(describeContainers({&app, &init}), "containers \"app\" and \"setup\"");
  EXPECT_EQ(describeContainers({&app, &init, &app}), "containers \"app\", \"setup\" and \"app\"");
}

TEST(DescribeTest, ShowsMistypedValues) {
  EXPECT_EQ(describeMistyped(Json("yes"), "a boolean"), "\"yes\" (a string, not a boolean)");
  EXPECT_EQ(describeMistyped(Json(1), "a boolean"), "1 (an integer, not a boolean)");
  EXPECT_EQ(describeMistyped(Json::array({"ALL"}), "a string"), "a list, not a string");
  EXPECT_EQ(describeMistyped(Json::object(), "a list"), "a mapping, not a list");
  EXPECT_EQ(describeValue(Json("Unconfined")), "\"Unconfined\"");
  EXPECT_EQ(describeValue(Json(false)), "false");
}

TEST(WindowsPodTest, ReadsSpecOsName) {
  const auto windows = [](const std::string& spec) {
    const Json pod = Json::parse(R"({"kind": "Pod", "metadata": {"name": "p"}, "spec": )" + spec + "}");
    const ObjectView view(pod, "default");
    return isWindowsPod(*view.podTemplate());
  };
  EXPECT_TRUE(windows(R"({"os": {"name": "windows"}, "containers": []})"));
  EXPECT_FALSE(windows(R"({"os": {"name": "linux"}, "containers": []})"));
  EXPECT_FALSE(windows(R"({"os": "windows", "containers": []})"));
  EXPECT_FALSE(windows(R"({"containers": []})"));
}

}  // namespace
}  // namespace agentguard::engine::privilege

// An ephemeral container is judged with the settings it inherits from its Pod, with the bundled
// policies, and agrees with what `agentguard check` says about the same Pod.
#include "webhook/admission/ephemeral_containers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/webhook/support/admission_fixtures.h"

namespace agentguard::webhook {
namespace {

using Json = nlohmann::json;
namespace fx = testing;

// A hardened debug container: everything set on the container but runAsNonRoot and seccompProfile,
// which a container may inherit from the pod.
Json debugContainer(const std::string& name) {
  return {{"name", name},
          {"image", "registry.example.com/tools/debug:1.2.0"},
          {"targetContainerName", "app"},
          {"securityContext",
           {{"allowPrivilegeEscalation", false},
            {"readOnlyRootFilesystem", true},
            {"capabilities", {{"drop", {"ALL"}}}}}}};
}

// A Pod whose only container sets every restricted control itself; the pod sets none.
Json compliantPod() {
  Json app = debugContainer("app");
  app.erase("targetContainerName");
  app["image"] = "registry.example.com/agents/app:1.0.0";
  app["securityContext"]["runAsNonRoot"] = true;
  app["securityContext"]["seccompProfile"] = {{"type", "RuntimeDefault"}};
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", "worker"}, {"namespace", "agents"}, {"labels", {{"app", "worker"}}}}},
          {"spec", {{"automountServiceAccountToken", false}, {"containers", {app}}}}};
}

struct Case {
  std::string name;
  std::function<Json()> pod;  // with its ephemeral containers
  std::vector<std::pair<std::string, std::string>> expected;  // (rule, path) deny findings, exactly
  bool podCompliant = true;  // the pod without ephemeral containers passes: the CLI must then agree
};

Json withDebug(Json pod, std::vector<Json> containers) {
  pod["spec"]["ephemeralContainers"] = std::move(containers);
  return pod;
}

Json podSetting(Json pod, const std::string& key, Json value) {
  pod["spec"]["securityContext"][key] = std::move(value);
  return pod;
}

const std::string kDebug0 = "spec.ephemeralContainers[0].securityContext.";
const std::string kDebug1 = "spec.ephemeralContainers[1].securityContext.";

const std::vector<Case> kCases = {
    {"BareInheritsNothing",
     [] { return withDebug(compliantPod(), {debugContainer("debug")}); },
     {{"privilege.run-as-non-root", kDebug0 + "runAsNonRoot"},
      {"privilege.seccomp-required", kDebug0 + "seccompProfile.type"}}},
    {"InheritsBothFromThePod",
     [] {
       Json pod = podSetting(compliantPod(), "runAsNonRoot", true);
       pod = podSetting(pod, "seccompProfile", {{"type", "RuntimeDefault"}});
       return withDebug(pod, {debugContainer("debug")});
     },
     {}},
    {"OwnSeccompAndPodRunAsNonRoot",
     [] {
       Json debug = debugContainer("debug");
       debug["securityContext"]["seccompProfile"] = {{"type", "RuntimeDefault"}};
       return withDebug(podSetting(compliantPod(), "runAsNonRoot", true), {debug});
     },
     {}},
    {"OwnSeccompButNoRunAsNonRootAnywhere",
     [] {
       Json debug = debugContainer("debug");
       debug["securityContext"]["seccompProfile"] = {{"type", "RuntimeDefault"}};
       return withDebug(compliantPod(), {debug});
     },
     {{"privilege.run-as-non-root", kDebug0 + "runAsNonRoot"}}},
    {"InheritsRunAsNonRootFalse",
     [] {
       Json debug = debugContainer("debug");
       debug["securityContext"]["seccompProfile"] = {{"type", "RuntimeDefault"}};
       return withDebug(podSetting(compliantPod(), "runAsNonRoot", false), {debug});
     },
     {{"privilege.run-as-non-root", kDebug0 + "runAsNonRoot"}}},
    {"InheritsRootUser",
     [] {
       Json debug = debugContainer("debug");
       debug["securityContext"]["seccompProfile"] = {{"type", "RuntimeDefault"}};
       debug["securityContext"]["runAsNonRoot"] = true;
       return withDebug(podSetting(compliantPod(), "runAsUser", 0), {debug});
     },
     {{"privilege.run-as-root-user", kDebug0 + "runAsUser"}}},
    {"InheritsUnconfinedSeccomp",
     [] {
       Json debug = debugContainer("debug");
       debug["securityContext"]["runAsNonRoot"] = true;
       return withDebug(podSetting(compliantPod(), "seccompProfile", {{"type", "Unconfined"}}), {debug});
     },
     {{"privilege.seccomp-required", kDebug0 + "seccompProfile.type"}},
     false},
    {"OwnUnconfinedOverridesAConfinedPod",
     [] {
       Json debug = debugContainer("debug");
       debug["securityContext"]["runAsNonRoot"] = true;
       debug["securityContext"]["seccompProfile"] = {{"type", "Unconfined"}};
       return withDebug(podSetting(compliantPod(), "seccompProfile", {{"type", "RuntimeDefault"}}), {debug});
     },
     {{"privilege.seccomp-unconfined", kDebug0 + "seccompProfile.type"},
      {"privilege.seccomp-required", kDebug0 + "seccompProfile.type"}}},
    {"PrivilegedDebugContainer",
     [] {
       Json debug = debugContainer("debug");
       debug["securityContext"] = {{"privileged", true}, {"runAsNonRoot", true},
                                   {"seccompProfile", {{"type", "RuntimeDefault"}}}};
       return withDebug(compliantPod(), {debug});
     },
     {{"privilege.privileged-container", kDebug0 + "privileged"},
      {"privilege.allow-privilege-escalation", kDebug0 + "allowPrivilegeEscalation"},
      {"privilege.restricted-capabilities", kDebug0 + "capabilities.drop"}}},
    {"SecondOfTwoIsNamed",
     [] {
       Json first = debugContainer("first");
       first["securityContext"]["runAsNonRoot"] = true;
       first["securityContext"]["seccompProfile"] = {{"type", "RuntimeDefault"}};
       return withDebug(compliantPod(), {first, debugContainer("second")});
     },
     {{"privilege.run-as-non-root", kDebug1 + "runAsNonRoot"},
      {"privilege.seccomp-required", kDebug1 + "seccompProfile.type"}}},
    {"PodsOwnHostPathNotCounted",
     [] {
       Json pod = podSetting(compliantPod(), "runAsNonRoot", true);
       pod = podSetting(pod, "seccompProfile", {{"type", "RuntimeDefault"}});
       pod["spec"]["volumes"] = {{{"name", "logs"}, {"hostPath", {{"path", "/var/log"}}}}};
       return withDebug(pod, {debugContainer("debug")});
     },
     {},
     false},
};

class EphemeralContainersTest : public ::testing::TestWithParam<Case> {
 protected:
  EphemeralContainersTest() : engine_(fx::bundledPolicies()) {
    networkPolicies_.add(fx::defaultDenyEgress("agents"));
    context_.networkPolicies = &networkPolicies_;
    context_.defaultNamespace = "agents";
  }

  static std::set<std::pair<std::string, std::string>> denials(const engine::Findings& findings) {
    std::set<std::pair<std::string, std::string>> found;
    for (const auto& finding : findings) {
      if (finding.action == engine::Action::kDeny) found.emplace(finding.rule, finding.path);
    }
    return found;
  }
  static std::set<std::string> rules(const std::set<std::pair<std::string, std::string>>& found) {
    std::set<std::string> ids;
    for (const auto& [rule, path] : found) ids.insert(rule);
    return ids;
  }

  fx::FakeNetworkPolicies networkPolicies_;
  engine::Engine engine_;
  engine::EvaluationContext context_;
};

TEST_P(EphemeralContainersTest, JudgesWithInheritedSettings) {
  const Case& c = GetParam();
  const Json pod = c.pod();
  const auto findings = judgeEphemeralContainers(engine_, pod, context_);
  const auto denied = denials(findings);
  const std::set<std::pair<std::string, std::string>> expected(c.expected.begin(), c.expected.end());
  EXPECT_EQ(denied, expected);
  for (const auto& finding : findings) {
    EXPECT_THAT(finding.path, ::testing::StartsWith("spec.ephemeralContainers[")) << finding.describe();
    EXPECT_THAT(finding.message, ::testing::HasSubstr("ephemeral container")) << finding.describe();
  }
  if (!c.podCompliant) return;
  // `agentguard check` on the same Pod denies by the same rules.
  EXPECT_EQ(rules(denials(engine_.evaluate(pod, context_))), rules(denied));
}

INSTANTIATE_TEST_SUITE_P(Cases, EphemeralContainersTest, ::testing::ValuesIn(kCases),
                         [](const auto& param) { return param.param.name; });

TEST(EphemeralContainersObject, ReplacesTheLivePodsList) {
  Json live = compliantPod();
  live["spec"]["ephemeralContainers"] = {debugContainer("old")};
  const Json request = {{"apiVersion", "v1"},
                        {"kind", "EphemeralContainers"},
                        {"metadata", {{"name", "worker"}, {"namespace", "agents"}}},
                        {"ephemeralContainers", {debugContainer("old"), debugContainer("new")}}};
  const Json pod = podWithEphemeralContainers(live, request);
  ASSERT_EQ(pod["spec"]["ephemeralContainers"].size(), 2u);
  EXPECT_EQ(pod["spec"]["ephemeralContainers"][1]["name"], "new");
  EXPECT_EQ(pod["spec"]["containers"], live["spec"]["containers"]);
  EXPECT_EQ(pod["kind"], "Pod");
}

}  // namespace
}  // namespace agentguard::webhook

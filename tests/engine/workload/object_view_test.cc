// Which objects carry a pod and where: the built-in workload kinds by kind, the agent-sandbox kinds by
// group and kind.
#include "engine/workload/object_view.h"

#include <gtest/gtest.h>

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;

struct TemplateCase {
  std::string name;
  std::string object;    // JSON
  std::string specPath;  // "" = no pod template
  size_t containers = 0;
};

class PodTemplateTest : public ::testing::TestWithParam<TemplateCase> {};

TEST_P(PodTemplateTest, FindsThePod) {
  const TemplateCase& c = GetParam();
  const Json body = Json::parse(c.object);
  const ObjectView view(body, "default");
  const PodTemplateRef* pod = view.podTemplate();
  if (c.specPath.empty()) {
    EXPECT_EQ(pod, nullptr);
    return;
  }
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ(pod->specPath, c.specPath);
  EXPECT_EQ(pod->metadataPath, c.specPath.substr(0, c.specPath.size() - 4) + "metadata");
  EXPECT_EQ(pod->containers.size(), c.containers);
  if (!pod->containers.empty()) {
    EXPECT_EQ(pod->containers[0].path, c.specPath + ".containers[0]");
  }
}

std::string caseName(const ::testing::TestParamInfo<TemplateCase>& info) { return info.param.name; }

constexpr std::string_view kPod = R"({"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c"}]}})";

std::string with(std::string_view apiVersion, std::string_view kind, std::string_view specJson) {
  return R"({"apiVersion": ")" + std::string(apiVersion) + R"(", "kind": ")" + std::string(kind) +
         R"(", "metadata": {"name": "x"}, "spec": )" + std::string(specJson) + "}";
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, PodTemplateTest,
    ::testing::Values(
        TemplateCase{"Deployment", with("apps/v1", "Deployment", R"({"template": )" + std::string(kPod) + "}"),
                     "spec.template.spec", 1},
        TemplateCase{"DeploymentKindInAnotherGroup",
                     with("example.com/v1", "Deployment", R"({"template": )" + std::string(kPod) + "}"),
                     "spec.template.spec", 1},
        TemplateCase{"SandboxV1beta1", with("agents.x-k8s.io/v1beta1", "Sandbox", R"({"podTemplate": )" + std::string(kPod) + "}"),
                     "spec.podTemplate.spec", 1},
        TemplateCase{"SandboxV1alpha1", with("agents.x-k8s.io/v1alpha1", "Sandbox", R"({"podTemplate": )" + std::string(kPod) + "}"),
                     "spec.podTemplate.spec", 1},
        TemplateCase{"SandboxTemplate",
                     with("extensions.agents.x-k8s.io/v1beta1", "SandboxTemplate", R"({"podTemplate": )" + std::string(kPod) + "}"),
                     "spec.podTemplate.spec", 1},
        TemplateCase{"SandboxOfAnotherGroup",
                     with("sandboxes.example.com/v1", "Sandbox", R"({"podTemplate": )" + std::string(kPod) + "}"), "", 0},
        TemplateCase{"SandboxTemplateInTheSandboxGroup",
                     with("agents.x-k8s.io/v1beta1", "SandboxTemplate", R"({"podTemplate": )" + std::string(kPod) + "}"), "", 0},
        TemplateCase{"SandboxWithoutPodSpec", with("agents.x-k8s.io/v1beta1", "Sandbox", R"({"podTemplate": {"metadata": {}}})"),
                     "", 0},
        TemplateCase{"SandboxClaimHasNoPod",
                     with("extensions.agents.x-k8s.io/v1beta1", "SandboxClaim", R"({"sandboxTemplateRef": {"name": "t"}})"),
                     "", 0}),
    caseName);

TEST(ApiGroupTest, SplitsApiVersion) {
  EXPECT_EQ(apiGroup("v1"), "");
  EXPECT_EQ(apiGroup("apps/v1"), "apps");
  EXPECT_EQ(apiGroup("extensions.agents.x-k8s.io/v1beta1"), "extensions.agents.x-k8s.io");
  EXPECT_EQ(apiGroup(""), "");
}

}  // namespace
}  // namespace agentguard::engine

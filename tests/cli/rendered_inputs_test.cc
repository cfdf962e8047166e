// Helm charts and Kustomize overlays as inputs of `agentguard check`. For speed these tests put a fake
// `helm` / `kubectl` (a shell script printing fixed output) first on PATH; the real helm renders the
// project's own chart in the helm_chart_check test (tests/cli/helm_chart_check_test.sh).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>

#include "cli/rendered_inputs.h"
#include "tests/cli/cli_fixture.h"

namespace agentguard::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::runAgentguard;
using testing::ScratchDir;
using testing::WorkingDirectory;

constexpr std::string_view kHelmOutput =
    "---\n"
    "# Source: app/templates/service.yaml\n"
    "apiVersion: v1\n"
    "kind: Service\n"
    "metadata: {name: debug, namespace: agents}\n"
    "spec: {type: NodePort}\n"
    "---\n"
    "# Source: app/templates/configmap.yaml\n"
    "apiVersion: v1\n"
    "kind: ConfigMap\n"
    "metadata: {name: settings, namespace: agents}\n";

TEST(SplitHelmOutputTest, OneFilePerSourceNamedUnderTheChartDirectory) {
  const auto files = splitHelmOutput(kHelmOutput, "deploy/charts/app");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].name, "deploy/charts/app/templates/service.yaml");
  EXPECT_THAT(files[0].text, HasSubstr("kind: Service"));
  EXPECT_THAT(files[0].text, Not(HasSubstr("ConfigMap")));
  EXPECT_EQ(files[1].name, "deploy/charts/app/templates/configmap.yaml");
  EXPECT_THAT(files[1].text, HasSubstr("kind: ConfigMap"));
}

TEST(SplitHelmOutputTest, TwoDocumentsFromOneTemplateStayTogether) {
  const auto files = splitHelmOutput(
      "---\n# Source: app/templates/a.yaml\nkind: A\n---\n# Source: app/templates/a.yaml\nkind: B\n", "app");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].text, "# Source: app/templates/a.yaml\nkind: A\n---\n# Source: app/templates/a.yaml\nkind: B\n");
}

// A scratch directory with a chart (templates that are not YAML until rendered), and a bin/ holding the
// fake tools; PATH is bin/ alone for the test's lifetime.
class RenderedInputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previousPath_ = std::getenv("PATH") == nullptr ? "" : std::getenv("PATH");
    dir_.write("bin/.keep", "");
    setenv("PATH", (dir_.path() / "bin").c_str(), 1);
    dir_.write("deploy/charts/app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\n");
    dir_.write("deploy/charts/app/templates/service.yaml",
               "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Values.name }}\n{{- if .Values.open }}\n"
               "spec: {type: NodePort}\n{{- end }}\n");
    dir_.write("deploy/plain.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain, namespace: agents}\n");
  }
  void TearDown() override { setenv("PATH", previousPath_.c_str(), 1); }

  // A fake tool: records its arguments in bin/<name>.args and prints `output`.
  void fakeTool(const std::string& name, std::string_view output, int status = 0) {
    // PATH holds only bin/, so the script uses shell builtins and /bin/cat by its full path.
    const std::string argsFile = (dir_.path() / "bin" / (name + ".args")).string();
    const auto script = dir_.write("bin/" + name, "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + argsFile + "'\n/bin/cat <<'EOF'\n" +
                                                      std::string(output) + "EOF\nexit " + std::to_string(status) + "\n");
    ::chmod(script.c_str(), 0755);
  }
  testing::RunResult check(std::vector<std::string> args) {
    const WorkingDirectory cwd(dir_.path());
    args.insert(args.begin(), {"check", "--no-config", "--policies", testing::kBundledPolicies.string(), "-o", "json"});
    return runAgentguard(args);
  }

  ScratchDir dir_;
  std::string previousPath_;
};

TEST_F(RenderedInputsTest, ChartIsRenderedAndReportedUnderItsTemplates) {
  fakeTool("helm", kHelmOutput);
  const auto result = check({"--helm-values", "values-prod.yaml", "deploy"});
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_THAT(result.out, HasSubstr("\"file\": \"deploy/charts/app/templates/service.yaml\""));
  EXPECT_THAT(result.out, HasSubstr("exposure.service-nodeport"));
  EXPECT_THAT(result.out, HasSubstr("\"objects\": 3"));  // the two rendered and deploy/plain.yaml
  EXPECT_THAT(result.out, Not(HasSubstr("malformed")));
  EXPECT_EQ(testing::readFile(dir_.path() / "bin/helm.args"),
            "template\nagentguard-check\ndeploy/charts/app\n--values\nvalues-prod.yaml\n");
}

TEST_F(RenderedInputsTest, ChartNamedDirectlyIsRendered) {
  fakeTool("helm", kHelmOutput);
  const auto result = check({"deploy/charts/app"});
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_THAT(result.out, HasSubstr("\"file\": \"deploy/charts/app/templates/service.yaml\""));
}

TEST_F(RenderedInputsTest, WithoutHelmTheChartIsNotCheckedAndTheRunCannotPass) {
  const auto result = check({"deploy"});
  EXPECT_EQ(result.exitCode, 2) << result.out;
  EXPECT_THAT(result.err, HasSubstr("deploy/charts/app: a Helm chart (Chart.yaml) that was not checked: helm cannot be "
                                    "run"));
  EXPECT_THAT(result.err, HasSubstr("install helm"));
  EXPECT_THAT(result.err, Not(HasSubstr("malformed")));
  EXPECT_THAT(result.out, HasSubstr("\"passed\": false"));
}

TEST_F(RenderedInputsTest, HelmFailureIsReportedWithItsMessage) {
  fakeTool("helm", "", 1);
  dir_.write("bin/helm", "#!/bin/sh\necho 'Error: template: app/templates/service.yaml:4: bad' >&2\nexit 1\n");
  const auto result = check({"deploy"});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr("that could not be rendered: helm exited with 1: Error: template: "
                                    "app/templates/service.yaml:4: bad"));
}

TEST_F(RenderedInputsTest, TemplateNamedDirectlyIsNotCalledMalformed) {
  const auto result = check({"deploy/charts/app/templates/service.yaml"});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr("deploy/charts/app/templates/service.yaml: a Helm template, not a manifest; check "
                                    "its chart directory"));
  EXPECT_THAT(result.err, Not(HasSubstr("malformed")));
}

TEST_F(RenderedInputsTest, KustomizationIsRenderedWithKubectl) {
  dir_.write("overlays/prod/kustomization.yaml", "resources: [../../base]\n");
  fakeTool("kubectl",
           "apiVersion: v1\nkind: Service\nmetadata: {name: debug, namespace: agents}\nspec: {type: NodePort}\n");
  const auto result = check({"overlays"});
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_THAT(result.out, HasSubstr("\"file\": \"overlays/prod/kustomization.yaml\""));
  EXPECT_EQ(testing::readFile(dir_.path() / "bin/kubectl.args"), "kustomize\noverlays/prod\n");
}

TEST_F(RenderedInputsTest, WithoutKubectlTheOverlayIsNotChecked) {
  dir_.write("overlays/prod/kustomization.yaml", "resources: [../../base]\n");
  const auto result = check({"overlays/prod"});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr("overlays/prod: a Kustomize overlay (kustomization.yaml) that was not checked: "
                                    "kubectl cannot be run"));
}

TEST_F(RenderedInputsTest, OverlayWhoseKustomizationIsExcludedIsWalkedLikeAnyDirectory) {
  dir_.write("overlays/prod/kustomization.yaml", "resources: [svc.yaml]\n");
  dir_.write("overlays/prod/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: agents}\n");
  const auto result = check({"--exclude", "kustomization.yaml", "overlays"});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("\"objects\": 1"));
}

TEST_F(RenderedInputsTest, ExcludedChartIsNeitherRenderedNorAnError) {
  const auto result = check({"--exclude", "charts", "deploy"});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "bin/helm.args"));
}

}  // namespace
}  // namespace agentguard::cli

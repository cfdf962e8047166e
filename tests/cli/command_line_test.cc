// `agentguard` run in-process: argument handling, exit statuses, inputs (files, directories, stdin),
// policy errors and the json output. SARIF and JUnit have their own files under report/.
#include "cli/command_line.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/cli/cli_fixture.h"

namespace agentguard::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::kBundledPolicies;
using testing::runAgentguard;
using testing::ScratchDir;
using testing::WorkingDirectory;
namespace fs = std::filesystem;

// Line 7 is `type: NodePort`.
constexpr std::string_view kNodePortService =
    "apiVersion: v1\n"
    "kind: Service\n"
    "metadata:\n"
    "  name: debug\n"
    "  namespace: agents\n"
    "spec:\n"
    "  type: NodePort\n"
    "  ports:\n"
    "    - port: 8080\n";

constexpr std::string_view kConfigMap =
    "apiVersion: v1\n"
    "kind: ConfigMap\n"
    "metadata:\n"
    "  name: settings\n"
    "  namespace: agents\n"
    "data:\n"
    "  mode: fast\n";

// One rule, whose action the test chooses.
std::string nodePortPolicy(std::string_view action) {
  return "apiVersion: agentguard.io/v1alpha1\n"
         "kind: Policy\n"
         "metadata:\n"
         "  name: inline\n"
         "spec:\n"
         "  rules:\n"
         "    - id: exposure.service-nodeport\n"
         "      action: " +
         std::string(action) + "\n";
}

// ---- usage -------------------------------------------------------------------------------------

struct UsageCase {
  std::string name;
  std::vector<std::string> args;
  std::string errorText;  // expected in stderr
};

class UsageErrorTest : public ::testing::TestWithParam<UsageCase> {};

TEST_P(UsageErrorTest, ExitsTwoAndExplains) {
  const UsageCase& c = GetParam();
  const auto result = runAgentguard(c.args);
  EXPECT_EQ(result.exitCode, 2) << result.err;
  EXPECT_THAT(result.err, HasSubstr(c.errorText));
  EXPECT_THAT(result.err, HasSubstr("Usage:"));
  EXPECT_EQ(result.out, "");
}

INSTANTIATE_TEST_SUITE_P(
    CommandLine, UsageErrorTest,
    ::testing::Values(
        UsageCase{"NoArguments", {}, "agentguard check"},
        UsageCase{"UnknownCommand", {"lint", "x.yaml"}, "unknown command \"lint\""},
        UsageCase{"UnknownFlag", {"check", "--verbose", "x.yaml"}, "unknown flag \"--verbose\""},
        UsageCase{"SingleDashFlag", {"check", "-x", "x.yaml"}, "unknown flag \"-x\""},
        UsageCase{"ShortOutputWithoutValue", {"check", "x.yaml", "-o"}, "-o needs a value"},
        UsageCase{"ShortOutputNotAFormat", {"check", "-o", "xml", "x.yaml"}, "-o \"xml\" is not one of"},
        UsageCase{"FailOnWithoutValue", {"check", "x.yaml", "--fail-on"}, "--fail-on needs deny or warn"},
        UsageCase{"FailOnNotAnAction", {"check", "--fail-on", "audit", "x.yaml"}, "\"audit\" is not one of deny, warn"},
        UsageCase{"RulesOutputIsTextOrJson", {"rules", "-o", "sarif"}, "\"sarif\" is not one of text, json"},
        UsageCase{"HelpForUnknownCommand", {"help", "lint"}, "no help for unknown command \"lint\""},
        UsageCase{"VersionTakesNoArguments", {"version", "x"}, "version takes no arguments"},
        // Flags that take one value are refused when repeated, never silently keeping the last.
        UsageCase{"TwoOutputsToStdout", {"check", "--output=json", "--output", "junit", "x.yaml"},
                  "--output json and junit both go to stdout"},
        UsageCase{"TwoDefaultFormatsToStdout", {"check", "-o", "text", "-o", "text", "x.yaml"}, "both go to stdout"},
        UsageCase{"OneFileTwice", {"check", "-o", "json=r.out", "-o", "sarif=r.out", "x.yaml"}, "--output names r.out twice"},
        UsageCase{"OutputFileEmpty", {"check", "-o", "sarif=", "x.yaml"}, "\"sarif=\" is not one of"},
        UsageCase{"OutputFileUnknownFormat", {"check", "-o", "xml=r.xml", "x.yaml"}, "\"xml=r.xml\" is not one of"},
        UsageCase{"NamespaceTwice", {"check", "--namespace", "a", "--namespace", "a", "x.yaml"}, "--namespace given twice"},
        UsageCase{"FailOnTwice", {"check", "--fail-on", "warn", "--fail-on", "deny", "x.yaml"}, "--fail-on given twice"},
        UsageCase{"StdinTwice", {"check", "-", "x.yaml", "-"}, "- (stdin) given twice"},
        UsageCase{"RulesOutputTwice", {"rules", "-o", "json", "-o", "text"}, "--output given twice"},
        UsageCase{"ExcludeWithoutGlob", {"check", "x.yaml", "--exclude"}, "--exclude needs a glob"},
        UsageCase{"ExcludeEmpty", {"check", "--exclude=", "x.yaml"}, "--exclude needs a glob"},
        UsageCase{"StdinNameWithoutStdin", {"check", "--stdin-name", "a.yaml", "x.yaml"}, "- is not among the PATHs"},
        UsageCase{"StdinNameTwice", {"check", "--stdin-name", "a", "--stdin-name=b", "-"}, "--stdin-name given twice"},
        UsageCase{"StdinNameEmpty", {"check", "--stdin-name=", "-"}, "--stdin-name needs a file name"},
        UsageCase{"QuietIsOnlyForCheck", {"rules", "--quiet"}, "unknown flag \"--quiet\""},
        UsageCase{"RulesOutputToAFile", {"rules", "-o", "json=r.json"}, "\"json=r.json\" is not one of text, json"},
        UsageCase{"OutputWithoutValue", {"check", "x.yaml", "--output"}, "--output needs a value"},
        UsageCase{"OutputNotAFormat", {"check", "--output", "xml", "x.yaml"}, "\"xml\" is not one of"},
        UsageCase{"OutputEqualsEmpty", {"check", "--output=", "x.yaml"}, "\"\" is not one of"},
        UsageCase{"CheckWithoutPaths", {"check", "--output", "json"}, "check needs at least one PATH"},
        UsageCase{"PoliciesWithoutPath", {"check", "--policies"}, "--policies needs a path"},
        UsageCase{"EmptyNamespace", {"check", "--namespace=", "x.yaml"}, "--namespace needs a name"},
        UsageCase{"RulesTakesNoPaths", {"rules", "x.yaml"}, "rules takes no paths"}),
    [](const ::testing::TestParamInfo<UsageCase>& param) { return param.param.name; });

TEST(CommandLineTest, HelpGoesToStdoutAndSucceeds) {
  for (const std::string flag : {"--help", "-h", "help"}) {
    const auto result = runAgentguard({flag});
    EXPECT_EQ(result.exitCode, 0) << flag;
    EXPECT_THAT(result.out, HasSubstr("Usage:")) << flag;
    EXPECT_EQ(result.err, "") << flag;
  }
}

// Every command answers --help (and -h, and `agentguard help COMMAND`) with its own usage on stdout, exit 0,
// whatever else is on the line: a user adds --help to the command that just failed.
struct HelpCase {
  std::string name;
  std::vector<std::string> args;
  std::string usage;  // the first line of the expected usage
};

class SubcommandHelpTest : public ::testing::TestWithParam<HelpCase> {};

TEST_P(SubcommandHelpTest, PrintsThatCommandsUsageToStdout) {
  const auto result = runAgentguard(GetParam().args);
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out.rfind(GetParam().usage, 0), 0u) << result.out;
  EXPECT_EQ(result.err, "");
}

INSTANTIATE_TEST_SUITE_P(
    CommandLine, SubcommandHelpTest,
    ::testing::Values(
        HelpCase{"Top", {"--help"}, "agentguard: checks Kubernetes manifests"},
        HelpCase{"Check", {"check", "--help"}, "Usage: agentguard check [flags] PATH..."},
        HelpCase{"CheckShort", {"check", "-h"}, "Usage: agentguard check"},
        HelpCase{"CheckAfterOtherFlags", {"check", "-o", "json", "x.yaml", "--help"}, "Usage: agentguard check"},
        HelpCase{"CheckAfterABadFlag", {"check", "--bogus", "--help"}, "Usage: agentguard check"},
        HelpCase{"HelpCheck", {"help", "check"}, "Usage: agentguard check"},
        HelpCase{"Rules", {"rules", "--help"}, "Usage: agentguard rules"},
        HelpCase{"Test", {"test", "--help"}, "Usage: agentguard test [flags] DIR"},
        HelpCase{"HelpTest", {"help", "test"}, "Usage: agentguard test"},
        HelpCase{"Version", {"version", "--help"}, "Usage: agentguard version"},
        HelpCase{"Log", {"log", "--help"}, "Usage: agentguard log verify"},
        HelpCase{"HelpLog", {"help", "log"}, "Usage: agentguard log verify"},
        HelpCase{"LogVerify", {"log", "verify", "--help"}, "Usage: agentguard log verify"},
        HelpCase{"LogProve", {"log", "prove", "-h"}, "Usage: agentguard log verify"}),
    [](const ::testing::TestParamInfo<HelpCase>& param) { return param.param.name; });

TEST(CommandLineTest, HelpAfterDoubleDashIsAPath) {
  ScratchDir dir;
  const WorkingDirectory cwd(dir.path());
  const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), "--", "--help"});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr("--help: no such file or directory"));
}

TEST(CommandLineTest, VersionPrintsTheBuildVersion) {
  for (const std::string form : {"version", "--version"}) {
    const auto result = runAgentguard({form});
    EXPECT_EQ(result.exitCode, 0) << form;
    EXPECT_EQ(result.out, std::string("agentguard ") + AGENTGUARD_VERSION + "\n") << form;
  }
}

TEST(CommandLineTest, RulesListsTheCatalogAsTextAndJson) {
  const auto text = runAgentguard({"rules"});
  EXPECT_EQ(text.exitCode, 0);
  EXPECT_THAT(text.out, HasSubstr("exposure.service-nodeport"));
  EXPECT_THAT(text.out, HasSubstr("Pod Security Standards v1.34"));

  const auto json = runAgentguard({"rules", "--output=json"});
  ASSERT_EQ(json.exitCode, 0);
  const auto document = nlohmann::json::parse(json.out);
  EXPECT_EQ(document["podSecurityStandards"], "v1.34");
  const auto& rules = document["rules"];
  ASSERT_TRUE(rules.is_array());
  bool found = false;
  for (const auto& rule : rules) {
    EXPECT_TRUE(rule.contains("id") && rule.contains("category") && rule.contains("defaultAction"));
    found = found || rule["id"] == "exposure.service-nodeport";
  }
  EXPECT_TRUE(found);
}

// ---- --output forms ----------------------------------------------------------------------------

struct OutputCase {
  std::string name;
  std::vector<std::string> flags;
  std::string startsWith;
};

class OutputFlagTest : public ::testing::TestWithParam<OutputCase> {};

TEST_P(OutputFlagTest, SelectsTheRenderer) {
  ScratchDir dir;
  const auto manifest = dir.write("svc.yaml", kNodePortService);
  std::vector<std::string> args = {"check", "--policies", kBundledPolicies.string()};
  args.insert(args.end(), GetParam().flags.begin(), GetParam().flags.end());
  args.push_back(manifest.string());
  const auto result = runAgentguard(args);
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_EQ(result.out.rfind(GetParam().startsWith, 0), 0u) << result.out;
}

INSTANTIATE_TEST_SUITE_P(
    CommandLine, OutputFlagTest,
    ::testing::Values(OutputCase{"DefaultIsText", {}, "Service agents/debug"},
                      OutputCase{"TextSeparateValue", {"--output", "text"}, "Service agents/debug"},
                      OutputCase{"JsonEqualsValue", {"--output=json"}, "{\n  \"findings\""},
                      OutputCase{"SarifSeparateValue", {"--output", "sarif"}, "{\n  \"$schema\""},
                      OutputCase{"JunitEqualsValue", {"--output=junit"}, "<?xml version=\"1.0\""},
                      OutputCase{"ShortJson", {"-o", "json"}, "{\n  \"findings\""},
                      OutputCase{"ShortEqualsSarif", {"-o=sarif"}, "{\n  \"$schema\""},
                      OutputCase{"NoColorAccepted", {"--no-color"}, "Service agents/debug"}),
    [](const ::testing::TestParamInfo<OutputCase>& param) { return param.param.name; });

TEST(OutputFlagTest, SeveralReportsInOneRun) {
  ScratchDir dir;
  const auto manifest = dir.write("svc.yaml", kNodePortService);
  const fs::path sarif = dir.path() / "out.sarif";
  const fs::path junit = dir.path() / "reports" / "junit.xml";
  fs::create_directories(junit.parent_path());
  const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), "-o", "sarif=" + sarif.string(),
                                     "--output=junit=" + junit.string(), "-o", "text", manifest.string()});
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_EQ(result.out.rfind("Service agents/debug", 0), 0u) << result.out;  // text on stdout
  const auto log = nlohmann::json::parse(testing::readFile(sarif));
  EXPECT_EQ(log["runs"][0]["results"].size(), 1u);
  const std::string xml = testing::readFile(junit);
  EXPECT_EQ(testing::xmlProblem(xml), "") << xml;
  EXPECT_THAT(xml, HasSubstr("<failure type=\"exposure.service-nodeport\""));
}

TEST(OutputFlagTest, OnlyFileReportsLeaveStdoutEmpty) {
  ScratchDir dir;
  const auto manifest = dir.write("cm.yaml", kConfigMap);
  const fs::path json = dir.path() / "out.json";
  const auto result =
      runAgentguard({"check", "--policies", kBundledPolicies.string(), "-o", "json=" + json.string(), manifest.string()});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(nlohmann::json::parse(testing::readFile(json))["summary"]["passed"], true);
  EXPECT_EQ(nlohmann::json::parse(testing::readFile(json))["passed"], true);
}

TEST(OutputFlagTest, ReportFileThatCannotBeWrittenExitsTwo) {
  ScratchDir dir;
  const auto manifest = dir.write("cm.yaml", kConfigMap);
  const std::string unwritable = (dir.path() / "no-such-dir" / "out.sarif").string();
  const auto result = runAgentguard(
      {"check", "--policies", kBundledPolicies.string(), "-o", "sarif=" + unwritable, "-o", "text", manifest.string()});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr(unwritable + ": cannot write the sarif report"));
  EXPECT_THAT(result.out, HasSubstr("PASS"));  // the other reports are still written
}

TEST(CheckInputTest, SeveralPathsAccumulate) {
  ScratchDir dir;
  const auto a = dir.write("a.yaml", kConfigMap);
  const auto b = dir.write("b.yaml", kNodePortService);
  const auto result =
      runAgentguard({"check", "--policies", kBundledPolicies.string(), "-o", "json", a.string(), "-", b.string()},
                    std::string(kConfigMap));
  EXPECT_EQ(result.exitCode, 1) << result.err;
  const auto report = nlohmann::json::parse(result.out);
  EXPECT_EQ(report["summary"]["files"], 3);
  EXPECT_EQ(report["summary"]["objects"], 3);
}

// ---- --quiet, --fail-if-no-objects, --exclude, --stdin-name ---------------------------------------

TEST(CheckQuietTest, PassingRunPrintsNothing) {
  ScratchDir dir;
  const auto manifest = dir.write("cm.yaml", kConfigMap);
  for (const std::string flag : {"--quiet", "-q"}) {
    const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), flag, manifest.string()});
    EXPECT_EQ(result.exitCode, 0) << flag << result.err;
    EXPECT_EQ(result.out, "") << flag;
  }
}

TEST(CheckQuietTest, FailingRunPrintsOnlyWhatFails) {
  ScratchDir dir;
  // One rule denies, the other only warns.
  const auto policies = dir.write("policies/inline.yaml",
                                  nodePortPolicy("deny") +
                                      "    - id: exposure.service-loadbalancer\n"
                                      "      action: warn\n");
  const auto manifest = dir.write("svc.yaml", std::string(kNodePortService) + "---\n" +
                                                  "apiVersion: v1\nkind: Service\nmetadata: {name: lb, namespace: agents}\n"
                                                  "spec: {type: LoadBalancer}\n");
  const auto loud = runAgentguard({"check", "--policies", policies.parent_path().string(), manifest.string()});
  ASSERT_EQ(loud.exitCode, 1) << loud.err;
  ASSERT_THAT(loud.out, HasSubstr("exposure.service-loadbalancer"));
  const auto quiet = runAgentguard({"check", "--policies", policies.parent_path().string(), "-q", manifest.string()});
  EXPECT_EQ(quiet.exitCode, 1);
  EXPECT_THAT(quiet.out, HasSubstr("exposure.service-nodeport"));
  EXPECT_THAT(quiet.out, Not(HasSubstr("exposure.service-loadbalancer")));
  EXPECT_THAT(quiet.out, HasSubstr("FAIL: 2 objects in 1 input; 1 denied, 1 warning"));
  EXPECT_THAT(quiet.out, Not(HasSubstr("policies:")));
}

TEST(CheckQuietTest, MachineReadableReportsStayWhole) {
  ScratchDir dir;
  const auto manifest = dir.write("cm.yaml", kConfigMap);
  const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), "-q", "-o", "json", manifest.string()});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(nlohmann::json::parse(result.out)["summary"]["objects"], 1);
}

TEST(CheckNoObjectsTest, FailIfNoObjectsMakesAnEmptyRunAnInputError) {
  const auto plain = runAgentguard({"check", "--policies", kBundledPolicies.string(), "-"}, "# nothing\n");
  EXPECT_EQ(plain.exitCode, 0) << plain.err;
  const auto strict = runAgentguard(
      {"check", "--policies", kBundledPolicies.string(), "--fail-if-no-objects", "-o", "json", "-"}, "# nothing\n");
  EXPECT_EQ(strict.exitCode, 2);
  EXPECT_THAT(strict.err, HasSubstr("no Kubernetes objects found in 1 input(s)"));
  const auto report = nlohmann::json::parse(strict.out);
  EXPECT_EQ(report["summary"]["passed"], false);
  EXPECT_EQ(report["passed"], false);
  ASSERT_EQ(report["errors"].size(), 1u);
  EXPECT_FALSE(report["errors"][0].contains("file"));
  EXPECT_THAT(report["errors"][0]["message"].get<std::string>(), HasSubstr("--fail-if-no-objects"));
}

TEST(CheckNoObjectsTest, FailIfNoObjectsPassesWhenThereAreObjects) {
  ScratchDir dir;
  const auto manifest = dir.write("cm.yaml", kConfigMap);
  const auto result =
      runAgentguard({"check", "--policies", kBundledPolicies.string(), "--fail-if-no-objects", manifest.string()});
  EXPECT_EQ(result.exitCode, 0) << result.err;
}

TEST(CheckNoObjectsTest, SarifAndJunitShowTheError) {
  const auto sarif = runAgentguard(
      {"check", "--policies", kBundledPolicies.string(), "--fail-if-no-objects", "-o", "sarif", "-"}, "");
  EXPECT_EQ(sarif.exitCode, 2);
  const auto log = nlohmann::json::parse(sarif.out);
  EXPECT_EQ(log["runs"][0]["invocations"][0]["executionSuccessful"], false);
  EXPECT_FALSE(log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0].contains("locations"));
  const auto junit = runAgentguard(
      {"check", "--policies", kBundledPolicies.string(), "--fail-if-no-objects", "-o", "junit", "-"}, "");
  EXPECT_EQ(testing::xmlProblem(junit.out), "") << junit.out;
  EXPECT_THAT(junit.out, HasSubstr("<testsuite name=\"inputs\""));
  EXPECT_THAT(junit.out, HasSubstr("<error type=\"input\""));
}

TEST(CheckExcludeTest, SkipsMatchingFilesAndDirectoriesWhileWalking) {
  ScratchDir dir;
  dir.write("tree/app.yaml", kConfigMap);
  dir.write("tree/charts/chart/templates/svc.yaml", "{{ if .Values.x }}\nnot: [yaml\n");  // a Helm template
  dir.write("tree/vendor/lib/svc.yaml", kNodePortService);
  dir.write("tree/generated.json", "{\"kind\": ");
  dir.write("tree/overlays/prod/kustomization.yaml", "resources: [../../app.yaml]\n");
  const std::string root = (dir.path() / "tree").string();
  const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), "-o", "json", "--exclude",
                                     "charts", "--exclude=vendor/*", "--exclude", "*.json", "--exclude",
                                     "*/kustomization.yaml", root});
  EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
  const auto report = nlohmann::json::parse(result.out);
  EXPECT_EQ(report["summary"]["files"], 1) << report.dump(2);
  EXPECT_EQ(report["summary"]["objects"], 1);
}

TEST(CheckExcludeTest, WithoutExcludeTheSameTreeFails) {
  ScratchDir dir;
  dir.write("tree/app.yaml", kConfigMap);
  dir.write("tree/vendor/lib/svc.yaml", kNodePortService);
  const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), (dir.path() / "tree").string()});
  EXPECT_EQ(result.exitCode, 1) << result.err;
}

TEST(CheckExcludeTest, ANamedFileIsAlwaysChecked) {
  ScratchDir dir;
  const auto manifest = dir.write("svc.yaml", kNodePortService);
  const auto result =
      runAgentguard({"check", "--policies", kBundledPolicies.string(), "--exclude", "*.yaml", manifest.string()});
  EXPECT_EQ(result.exitCode, 1) << result.err;
}

TEST(CheckStdinNameTest, ReportsAndErrorsUseTheName) {
  // SARIF URIs are relative to the repository root; outside any repository, to the working directory.
  ScratchDir dir;
  const WorkingDirectory cwd(dir.path());
  const auto json = runAgentguard(
      {"check", "--policies", kBundledPolicies.string(), "--stdin-name", "deploy/svc.yaml", "-o", "json", "-"},
      std::string(kNodePortService));
  EXPECT_EQ(json.exitCode, 1) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out)["findings"][0]["location"]["file"], "deploy/svc.yaml");

  const auto sarif = runAgentguard(
      {"check", "--policies", kBundledPolicies.string(), "--stdin-name=deploy/svc.yaml", "-o", "sarif", "-"},
      std::string(kNodePortService));
  const auto log = nlohmann::json::parse(sarif.out);
  EXPECT_EQ(log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "deploy/svc.yaml");

  const auto bad = runAgentguard({"check", "--policies", kBundledPolicies.string(), "--stdin-name", "in.yaml", "-"},
                                 "kind: [broken\n");
  EXPECT_EQ(bad.exitCode, 2);
  EXPECT_THAT(bad.err, HasSubstr("in.yaml: malformed YAML"));
  EXPECT_THAT(bad.out, HasSubstr("error  in.yaml: malformed YAML"));
}

// ---- exit status -------------------------------------------------------------------------------

TEST(CheckExitTest, CleanInputExitsZero) {
  ScratchDir dir;
  const auto manifest = dir.write("cm.yaml", kConfigMap);
  const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), manifest.string()});
  EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("PASS: 1 object in 1 input"));
  EXPECT_EQ(result.err, "");
}

TEST(CheckExitTest, DenyFindingExitsOne) {
  ScratchDir dir;
  const auto manifest = dir.write("svc.yaml", kNodePortService);
  const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), manifest.string()});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(result.out, HasSubstr("exposure.service-nodeport"));
  EXPECT_THAT(result.out, HasSubstr("spec.type"));
  EXPECT_THAT(result.out, HasSubstr("line 7"));
  EXPECT_THAT(result.out, HasSubstr("FAIL"));
}

TEST(CheckExitTest, WarnOnlyFindingsExitZero) {
  ScratchDir dir;
  const auto policies = dir.write("policies/inline.yaml", nodePortPolicy("warn"));
  const auto manifest = dir.write("svc.yaml", kNodePortService);
  const auto result = runAgentguard({"check", "--policies", policies.parent_path().string(), manifest.string()});
  EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("warn"));
  EXPECT_THAT(result.out, HasSubstr("PASS"));
}

TEST(CheckExitTest, FailOnWarnMakesWarningsFail) {
  ScratchDir dir;
  const auto policies = dir.write("policies/inline.yaml", nodePortPolicy("warn"));
  const auto manifest = dir.write("svc.yaml", kNodePortService);
  const auto text = runAgentguard(
      {"check", "--policies", policies.parent_path().string(), "--fail-on", "warn", manifest.string()});
  EXPECT_EQ(text.exitCode, 1) << text.out << text.err;
  EXPECT_THAT(text.out, HasSubstr("FAIL"));
  EXPECT_THAT(text.out, HasSubstr("(failing on warn)"));

  const auto json = runAgentguard(
      {"check", "--policies", policies.parent_path().string(), "--fail-on=warn", "-o", "json", manifest.string()});
  EXPECT_EQ(json.exitCode, 1);
  const auto report = nlohmann::json::parse(json.out);
  EXPECT_EQ(report["summary"]["passed"], false);
  EXPECT_EQ(report["summary"]["failOn"], "warn");

  const auto junit = runAgentguard(
      {"check", "--policies", policies.parent_path().string(), "--fail-on", "warn", "-o", "junit", manifest.string()});
  EXPECT_EQ(junit.exitCode, 1);
  EXPECT_THAT(junit.out, HasSubstr("<failure type=\"exposure.service-nodeport\""));
}

TEST(CheckExitTest, FailOnWarnLetsAuditPass) {
  ScratchDir dir;
  const auto policies = dir.write("policies/inline.yaml", nodePortPolicy("audit"));
  const auto manifest = dir.write("svc.yaml", kNodePortService);
  const auto result = runAgentguard(
      {"check", "--policies", policies.parent_path().string(), "--fail-on", "warn", manifest.string()});
  EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("PASS"));
}

TEST(CheckExitTest, FailOnDenyIsTheDefault) {
  ScratchDir dir;
  const auto policies = dir.write("policies/inline.yaml", nodePortPolicy("warn"));
  const auto manifest = dir.write("svc.yaml", kNodePortService);
  const auto result = runAgentguard(
      {"check", "--policies", policies.parent_path().string(), "--fail-on", "deny", "-o", "json", manifest.string()});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(nlohmann::json::parse(result.out)["summary"]["failOn"], "deny");
}

TEST(CheckExitTest, MalformedYamlExitsTwoNamingFileAndLine) {
  ScratchDir dir;
  const auto bad = dir.write("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n");
  const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), bad.string()});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr(bad.string() + ": malformed YAML: line "));
}

TEST(CheckExitTest, DocumentThatIsNotAnObjectExitsTwoWithFileColonLine) {
  ScratchDir dir;
  // The second document (it starts on line 9) has no kind.
  const auto bad = dir.write("bad.yaml", std::string(kConfigMap) + "---\napiVersion: v1\nmetadata: {name: x}\n");
  const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), bad.string()});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr(bad.string() + ":9: not a Kubernetes object: kind is missing"));
}

TEST(CheckExitTest, InputErrorWinsOverFindingsButGoodFilesAreStillReported) {
  ScratchDir dir;
  const auto bad = dir.write("a-bad.json", "{\"apiVersion\": \"v1\", \"kind\": ");
  const auto good = dir.write("b-svc.yaml", kNodePortService);
  const auto result =
      runAgentguard({"check", "--policies", kBundledPolicies.string(), "--output=json", bad.string(), good.string()});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr(bad.string() + ": malformed JSON at line 1, column"));
  const auto report = nlohmann::json::parse(result.out);
  EXPECT_EQ(report["summary"]["deny"], 1);
}

// A missing file used to stop the run before any report was written; now the report is written and
// says the input could not be checked, so a CI step that reads the report sees the failure too.
TEST(CheckExitTest, MissingFileExitsTwoAndTheReportSaysSo) {
  ScratchDir dir;
  const std::string missing = (dir.path() / "nope.yaml").string();
  const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), missing});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr(missing + ": no such file or directory"));
  EXPECT_THAT(result.out, HasSubstr("error  " + missing + ": no such file or directory"));
  EXPECT_THAT(result.out, HasSubstr("ERROR: 0 objects in 1 input"));
  EXPECT_THAT(result.out, Not(HasSubstr("PASS")));
}

// ---- reports of a run with an input error --------------------------------------------------------

struct InputErrorCase {
  std::string name;
  std::string file;  // written into the scratch dir; "" for a path that does not exist
  std::string text;
  int line;  // the line the error is reported at, 0 for none
};

class InputErrorReportTest : public ::testing::TestWithParam<InputErrorCase> {
 protected:
  // Runs check over the case's input and a clean ConfigMap, in `format`.
  testing::RunResult run(const std::string& format) {
    const InputErrorCase& c = GetParam();
    bad_ = c.text.empty() ? (dir_.path() / c.file).string() : dir_.write(c.file, c.text).string();
    const auto good = dir_.write("z-good.yaml", kConfigMap);
    return runAgentguard({"check", "--policies", kBundledPolicies.string(), "-o", format, bad_, good.string()});
  }
  ScratchDir dir_;
  std::string bad_;
};

TEST_P(InputErrorReportTest, JsonIsNotPassedAndListsTheError) {
  const auto result = run("json");
  EXPECT_EQ(result.exitCode, 2) << result.err;
  const auto report = nlohmann::json::parse(result.out);
  EXPECT_EQ(report["summary"]["passed"], false);
  EXPECT_EQ(report["summary"]["errors"], 1);
  EXPECT_EQ(report["summary"]["objects"], 1);  // the good file is still checked
  ASSERT_EQ(report["errors"].size(), 1u) << report.dump(2);
  EXPECT_EQ(report["errors"][0]["file"], bad_);
  EXPECT_THAT(report["errors"][0]["message"].get<std::string>(), HasSubstr(bad_));
  if (GetParam().line > 0) {
    EXPECT_EQ(report["errors"][0]["line"], GetParam().line);
  } else {
    EXPECT_FALSE(report["errors"][0].contains("line"));
  }
}

TEST_P(InputErrorReportTest, SarifInvocationIsNotSuccessful) {
  const auto result = run("sarif");
  EXPECT_EQ(result.exitCode, 2) << result.err;
  const auto log = nlohmann::json::parse(result.out);
  const auto& invocation = log["runs"][0]["invocations"][0];
  EXPECT_EQ(invocation["executionSuccessful"], false);
  ASSERT_EQ(invocation["toolExecutionNotifications"].size(), 1u);
  const auto& notification = invocation["toolExecutionNotifications"][0];
  EXPECT_EQ(notification["level"], "error");
  EXPECT_THAT(notification["message"]["text"].get<std::string>(), HasSubstr(bad_));
  EXPECT_FALSE(notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].get<std::string>().empty());
}

TEST_P(InputErrorReportTest, JunitHasAnError) {
  const auto result = run("junit");
  EXPECT_EQ(result.exitCode, 2) << result.err;
  EXPECT_EQ(testing::xmlProblem(result.out), "") << result.out;
  EXPECT_THAT(result.out, HasSubstr("<testsuites name=\"agentguard\" tests=\"2\" failures=\"0\" errors=\"1\" skipped=\"0\""));
  EXPECT_THAT(result.out, HasSubstr("<error type=\"input\" message=\""));
  EXPECT_THAT(result.out, Not(HasSubstr("errors=\"0\" skipped=\"0\" time=\"0\">\n  <testsuite")));  // the top-level count
}

TEST_P(InputErrorReportTest, TextNeverSaysPass) {
  const auto result = run("text");
  EXPECT_EQ(result.exitCode, 2) << result.err;
  EXPECT_THAT(result.out, Not(HasSubstr("PASS")));
  EXPECT_THAT(result.out, HasSubstr("ERROR: 1 object in 2 inputs"));
  EXPECT_THAT(result.out, HasSubstr("1 input could not be checked"));
}

INSTANTIATE_TEST_SUITE_P(
    CheckReport, InputErrorReportTest,
    ::testing::Values(InputErrorCase{"MalformedYaml", "a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n", 4},
                      InputErrorCase{"MalformedJson", "a.json", "{\"apiVersion\": \"v1\", \"kind\": ", 1},
                      InputErrorCase{"NotAnObject", "a.yaml", "apiVersion: v1\nmetadata: {name: x}\n", 1},
                      InputErrorCase{"MissingFile", "missing.yaml", "", 0}),
    [](const ::testing::TestParamInfo<InputErrorCase>& param) { return param.param.name; });

TEST(CheckReportTest, CleanRunSarifInvocationIsSuccessfulAndJsonErrorsIsEmpty) {
  ScratchDir dir;
  const auto manifest = dir.write("cm.yaml", kConfigMap);
  const auto sarif = runAgentguard({"check", "--policies", kBundledPolicies.string(), "-o", "sarif", manifest.string()});
  ASSERT_EQ(sarif.exitCode, 0) << sarif.err;
  const auto log = nlohmann::json::parse(sarif.out);
  const auto& invocation = log["runs"][0]["invocations"][0];
  EXPECT_EQ(invocation["executionSuccessful"], true);
  EXPECT_TRUE(invocation["toolExecutionNotifications"].empty());
  const auto json = runAgentguard({"check", "--policies", kBundledPolicies.string(), "-o", "json", manifest.string()});
  const auto report = nlohmann::json::parse(json.out);
  EXPECT_TRUE(report["errors"].is_array() && report["errors"].empty());
  EXPECT_EQ(report["summary"]["passed"], true);
}

// ---- inputs ------------------------------------------------------------------------------------

TEST(CheckInputTest, ReadsStdinForDash) {
  const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), "--output=json", "-"},
                                    std::string(kNodePortService));
  EXPECT_EQ(result.exitCode, 1) << result.err;
  const auto report = nlohmann::json::parse(result.out);
  ASSERT_EQ(report["findings"].size(), 1u);
  EXPECT_EQ(report["findings"][0]["location"]["file"], "-");
  EXPECT_EQ(report["findings"][0]["location"]["line"], 7);
}

TEST(CheckInputTest, EmptyStdinChecksNothingAndPasses) {
  const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), "-"}, "");
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("PASS: 0 objects in 1 input"));
}

TEST(CheckInputTest, ExpandsDirectoriesRecursivelyInSortedOrderSkippingHiddenAndOtherFiles) {
  ScratchDir dir;
  dir.write("tree/b.yml", kConfigMap);
  dir.write("tree/a.yaml", kNodePortService);
  dir.write("tree/sub/c.json",
            R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"json","namespace":"agents"}})");
  dir.write("tree/notes.txt", "not a manifest: [");
  dir.write("tree/.hidden/secret.yaml", "not: [valid");
  dir.write("tree/.dotfile.yaml", "not: [valid");
  const auto result = runAgentguard(
      {"check", "--policies", kBundledPolicies.string(), "--output=junit", (dir.path() / "tree").string()});
  EXPECT_EQ(result.exitCode, 1) << result.err;
  const std::string root = (dir.path() / "tree").string();
  const size_t a = result.out.find("<testsuite name=\"" + root + "/a.yaml\"");
  const size_t b = result.out.find("<testsuite name=\"" + root + "/b.yml\"");
  const size_t c = result.out.find("<testsuite name=\"" + root + "/sub/c.json\"");
  ASSERT_NE(a, std::string::npos) << result.out;
  ASSERT_NE(b, std::string::npos) << result.out;
  ASSERT_NE(c, std::string::npos) << result.out;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_THAT(result.out, Not(HasSubstr("notes.txt")));
  EXPECT_THAT(result.out, Not(HasSubstr("hidden")));
  EXPECT_THAT(result.out, Not(HasSubstr("dotfile")));
}

TEST(CheckInputTest, DoubleDashEndsFlags) {
  ScratchDir dir;
  dir.write("-dash.yaml", kConfigMap);
  const WorkingDirectory cwd(dir.path());
  const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), "--", "-dash.yaml"});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("PASS: 1 object"));
}

TEST(CheckInputTest, NamespaceFlagAppliesToObjectsWithoutOne) {
  ScratchDir dir;
  const auto manifest = dir.write("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: debug}\nspec: {type: NodePort}\n");
  const auto result = runAgentguard(
      {"check", "--policies", kBundledPolicies.string(), "--namespace", "sandbox", "--output=json", manifest.string()});
  EXPECT_EQ(result.exitCode, 1) << result.err;
  const auto report = nlohmann::json::parse(result.out);
  ASSERT_FALSE(report["findings"].empty());
  EXPECT_EQ(report["findings"][0]["object"]["namespace"], "sandbox");
}

// ---- policies ----------------------------------------------------------------------------------

TEST(CheckPolicyTest, UnknownRuleInPolicyExitsTwoNamingFileAndLine) {
  ScratchDir dir;
  const auto policy = dir.write("policies/broken.yaml",
                                "apiVersion: agentguard.io/v1alpha1\n"
                                "kind: Policy\n"
                                "metadata:\n"
                                "  name: broken\n"
                                "spec:\n"
                                "  rules:\n"
                                "    - id: exposure.service-nodeport\n"
                                "    - id: exposure.no-such-rule\n");
  const auto manifest = dir.write("cm.yaml", kConfigMap);
  const auto result = runAgentguard({"check", "--policies", policy.parent_path().string(), manifest.string()});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr(policy.string() + ":8: "));
  EXPECT_THAT(result.err, HasSubstr("unknown rule \"exposure.no-such-rule\""));
  EXPECT_EQ(result.out, "");
}

TEST(CheckPolicyTest, EveryProblemOfAPolicyIsPrinted) {
  ScratchDir dir;
  const auto policy = dir.write("policies/broken.yaml",
                                "apiVersion: agentguard.io/v1alpha1\n"
                                "kind: Policy\n"
                                "metadata:\n"
                                "  name: broken\n"
                                "spec:\n"
                                "  rules:\n"
                                "    - id: exposure.service-nodeport\n"
                                "      action: block\n"
                                "      severity: extreme\n");
  const auto manifest = dir.write("cm.yaml", kConfigMap);
  const auto result = runAgentguard({"check", "--policies", policy.parent_path().string(), manifest.string()});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr(policy.string() + ":8: "));
  EXPECT_THAT(result.err, HasSubstr("\"block\" is not one of deny, warn, audit"));
  EXPECT_THAT(result.err, HasSubstr(policy.string() + ":9: "));
  EXPECT_THAT(result.err, HasSubstr("\"extreme\" is not one of"));
}

TEST(CheckPolicyTest, MalformedPolicyYamlExitsTwoNamingTheFile) {
  ScratchDir dir;
  const auto policy = dir.write("policies/p.yaml", "kind: Policy\nspec: {rules: [\n");
  const auto manifest = dir.write("cm.yaml", kConfigMap);
  const auto result = runAgentguard({"check", "--policies", policy.parent_path().string(), manifest.string()});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr(policy.string() + ": malformed YAML: line "));
}

TEST(CheckPolicyTest, MissingPolicyDirectoryExitsTwo) {
  ScratchDir dir;
  const auto manifest = dir.write("cm.yaml", kConfigMap);
  const std::string missing = (dir.path() / "no-policies").string();
  const auto result = runAgentguard({"check", "--policies", missing, manifest.string()});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr(missing));
}

TEST(CheckPolicyTest, PolicyDirectoryWithoutRulesExitsTwo) {
  ScratchDir dir;
  dir.write("policies/README.md", "nothing here");
  const auto manifest = dir.write("cm.yaml", kConfigMap);
  const auto result = runAgentguard({"check", "--policies", (dir.path() / "policies").string(), manifest.string()});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr("no policy files"));
}

// ---- json output -------------------------------------------------------------------------------

TEST(CheckJsonTest, FindingCarriesRuleObjectPathFixAndLocation) {
  ScratchDir dir;
  const auto manifest = dir.write("svc.yaml", std::string(kConfigMap) + "---\n" + std::string(kNodePortService));
  const auto result =
      runAgentguard({"check", "--policies", kBundledPolicies.string(), "--output", "json", manifest.string()});
  ASSERT_EQ(result.exitCode, 1) << result.err;
  const auto report = nlohmann::json::parse(result.out);
  ASSERT_EQ(report["findings"].size(), 1u) << report.dump(2);
  const auto& finding = report["findings"][0];
  EXPECT_EQ(finding["rule"], "exposure.service-nodeport");
  EXPECT_EQ(finding["category"], "exposure");
  EXPECT_EQ(finding["severity"], "high");
  EXPECT_EQ(finding["action"], "deny");
  EXPECT_EQ(finding["object"],
            nlohmann::json({{"apiVersion", "v1"}, {"kind", "Service"}, {"namespace", "agents"}, {"name", "debug"}}));
  EXPECT_EQ(finding["path"], "spec.type");
  EXPECT_FALSE(finding["message"].get<std::string>().empty());
  EXPECT_FALSE(finding["fix"].get<std::string>().empty());
  EXPECT_EQ(finding["location"]["file"], manifest.string());
  EXPECT_EQ(finding["location"]["line"], 15);  // 7 lines of ConfigMap, "---", then line 7 of the Service

  const auto& summary = report["summary"];
  EXPECT_EQ(summary["files"], 1);
  EXPECT_EQ(summary["objects"], 2);
  EXPECT_EQ(summary["findings"], 1);
  EXPECT_EQ(summary["deny"], 1);
  EXPECT_EQ(summary["warn"], 0);
  EXPECT_EQ(summary["audit"], 0);
  EXPECT_EQ(summary["passed"], false);
}

TEST(CheckJsonTest, ListItemsAreReportedAtTheirOwnLines) {
  ScratchDir dir;
  const auto manifest = dir.write("list.yaml",
                                  "apiVersion: v1\n"
                                  "kind: List\n"
                                  "items:\n"
                                  "  - apiVersion: v1\n"
                                  "    kind: ConfigMap\n"
                                  "    metadata: {name: a, namespace: agents}\n"
                                  "  - apiVersion: v1\n"
                                  "    kind: Service\n"
                                  "    metadata: {name: b, namespace: agents}\n"
                                  "    spec:\n"
                                  "      type: NodePort\n");
  const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), "--output=json", manifest.string()});
  ASSERT_EQ(result.exitCode, 1) << result.err;
  const auto report = nlohmann::json::parse(result.out);
  EXPECT_EQ(report["summary"]["objects"], 2);
  ASSERT_EQ(report["findings"].size(), 1u);
  EXPECT_EQ(report["findings"][0]["location"]["line"], 11);
}

}  // namespace
}  // namespace agentguard::cli

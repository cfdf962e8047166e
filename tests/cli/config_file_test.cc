// .agentguard.yaml and --config: the settings of `agentguard check` read from a file, overridden by flags,
// strict about keys and values, and unable to loosen the check when merely found in the working directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/cli/cli_fixture.h"

namespace agentguard::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::runAgentguard;
using testing::ScratchDir;
using testing::WorkingDirectory;

// exposure.ingress warns, exposure.service-nodeport denies.
constexpr std::string_view kPolicy =
    "apiVersion: agentguard.io/v1alpha1\n"
    "kind: Policy\n"
    "metadata:\n"
    "  name: inline\n"
    "spec:\n"
    "  rules:\n"
    "    - id: exposure.service-nodeport\n"
    "      action: deny\n"
    "    - id: exposure.ingress\n"
    "      action: warn\n";

constexpr std::string_view kIngress =
    "apiVersion: networking.k8s.io/v1\n"
    "kind: Ingress\n"
    "metadata: {name: web, namespace: agents}\n"
    "spec:\n"
    "  rules: [{host: web.example.com}]\n";

constexpr std::string_view kNodePort =
    "apiVersion: v1\nkind: Service\nmetadata: {name: debug, namespace: agents}\nspec: {type: NodePort}\n";

// A workspace with the policy, a warn-only and a deny manifest, and `config` as ./.agentguard.yaml.
class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("policy.yaml", kPolicy);
    dir_.write("manifests/deploy/ingress.yaml", kIngress);
    dir_.write("manifests/other/nodeport.yaml", kNodePort);
  }
  void config(std::string_view text) { dir_.write(".agentguard.yaml", text); }
  testing::RunResult check(std::vector<std::string> flags, std::string path = "manifests/deploy") {
    const WorkingDirectory cwd(dir_.path());
    std::vector<std::string> args = {"check"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(std::move(path));
    return runAgentguard(args);
  }
  ScratchDir dir_;
};

TEST_F(ConfigFileTest, FoundFileSetsFailOnAndOutput) {
  EXPECT_EQ(check({"--policies", "policy.yaml"}).exitCode, 0);
  config("# CI settings\nfail-on: warn\noutput: json\n");
  const auto result = check({"--policies", "policy.yaml"});
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_THAT(result.out, StartsWith("{"));
  EXPECT_THAT(result.out, HasSubstr("\"failOn\": \"warn\""));
}

TEST_F(ConfigFileTest, FlagsOverrideTheFile) {
  config("fail-on: warn\noutput: [json, sarif=report.sarif]\nquiet: false\n");
  const auto result = check({"--policies", "policy.yaml", "--fail-on", "deny", "-o", "text"});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("PASS"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "report.sarif")) << "-o replaces the file's outputs";
}

TEST_F(ConfigFileTest, OutputsListWritesEveryReport) {
  config("output:\n  - text\n  - sarif=out/agentguard.sarif\n");
  std::filesystem::create_directories(dir_.path() / "out");
  const auto result = check({"--policies", "policy.yaml"});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(testing::readFile(dir_.path() / "out/agentguard.sarif"), HasSubstr("\"version\": \"2.1.0\""));
}

TEST_F(ConfigFileTest, ErrorsNameTheFileLineAndKey) {
  struct Case {
    std::string name;
    std::string text;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"UnknownKey", "fail-on: warn\nfial-if-no-objects: true\n",
       ".agentguard.yaml:2: fial-if-no-objects: unknown key; the keys are policies, exclude, output, fail-on"},
      {"FailOnAudit", "quiet: true\nfail-on: audit\n", ".agentguard.yaml:2: fail-on: \"audit\" is not one of deny, warn"},
      {"BooleanAsText", "quiet: \"very\"\n", ".agentguard.yaml:1: quiet: must be true or false, not \"very\""},
      {"EmptyFailOn", "fail-on:\n", ".agentguard.yaml:1: fail-on: must be a non-empty string, not null (no value)"},
      {"BadFormat", "output: [text, xml]\n", ".agentguard.yaml:1: output: \"xml\" is not one of text, json"},
      {"TwoToStdout", "output: [text, json]\n", ".agentguard.yaml:1: output: two reports go to stdout"},
      {"ListItemNotAString", "output:\n  - text\n  - {sarif: x}\n",
       ".agentguard.yaml:1: output: item 1 must be a non-empty string, not a mapping"},
      {"NotAMapping", "- fail-on\n", ".agentguard.yaml:1: a config file is a mapping of settings"},
      {"TwoDocuments", "quiet: true\n---\nquiet: false\n", ".agentguard.yaml:3: a config file holds one YAML document"},
      {"MalformedYaml", "quiet: [true\n", ".agentguard.yaml: not valid YAML"},
      {"DuplicateKey", "quiet: true\nquiet: false\n", ".agentguard.yaml: not valid YAML"},
  };
  for (const auto& c : cases) {
    config(c.text);
    const auto result = check({"--policies", "policy.yaml"});
    EXPECT_EQ(result.exitCode, 2) << c.name;
    EXPECT_THAT(result.err, HasSubstr("agentguard: " + c.error)) << c.name;
    EXPECT_EQ(result.out, "") << c.name;
  }
}

// An agent that writes its workspace must not be able to choose its own policies, hide its files or move
// its objects to an exempt namespace by dropping a .agentguard.yaml there.
TEST_F(ConfigFileTest, FoundFileMayNotLoosenTheCheck) {
  for (const std::string text : {"policies: [./none]\n", "exclude: ['*']\n", "namespace: kube-system\n"}) {
    config(text);
    const auto result = check({"--policies", "policy.yaml"}, "manifests/other");
    EXPECT_EQ(result.exitCode, 2) << text;
    const std::string key = text.substr(0, text.find(':'));
    EXPECT_THAT(result.err, HasSubstr(".agentguard.yaml:1: " + key + ": a config file found in the working directory "
                                      "may not set " + key))
        << text;
    EXPECT_THAT(result.err, HasSubstr("--config .agentguard.yaml")) << text;
  }
}

TEST_F(ConfigFileTest, NamedFileMaySetPoliciesAndExcludes) {
  dir_.write("ci/agentguard.yaml", "policies: [policy.yaml]\nexclude: [ingress.yaml]\nfail-on: warn\n");
  // The named file's policies apply (the built-in set denies more than the NodePort); its exclude hides
  // the Ingress, so only the NodePort is found.
  const auto result = check({"--config", "ci/agentguard.yaml", "-o", "json"}, "manifests");
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_THAT(result.out, HasSubstr("exposure.service-nodeport"));
  EXPECT_THAT(result.out, ::testing::Not(HasSubstr("exposure.ingress")));
  EXPECT_THAT(result.out, HasSubstr("\"source\": \"policy.yaml\""));
  // A flag still overrides it.
  const auto flagged = check({"--config", "ci/agentguard.yaml", "--exclude", "nodeport.yaml", "-o", "json"}, "manifests");
  EXPECT_THAT(flagged.out, HasSubstr("exposure.ingress"));
  EXPECT_THAT(flagged.out, ::testing::Not(HasSubstr("exposure.service-nodeport")));
}

TEST_F(ConfigFileTest, NoConfigIgnoresTheFileAndConflictsWithConfig) {
  config("this is: [not valid\n");
  EXPECT_EQ(check({"--policies", "policy.yaml"}).exitCode, 2);
  EXPECT_EQ(check({"--policies", "policy.yaml", "--no-config"}).exitCode, 0);
  const auto both = check({"--config", ".agentguard.yaml", "--no-config"});
  EXPECT_EQ(both.exitCode, 2);
  EXPECT_THAT(both.err, HasSubstr("--config and --no-config contradict each other"));
}

TEST_F(ConfigFileTest, MissingNamedFileIsAnError) {
  const auto result = check({"--config", "nowhere.yaml"});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr("nowhere.yaml"));
  const auto twice = check({"--config", "a.yaml", "--config", "b.yaml"});
  EXPECT_THAT(twice.err, HasSubstr("--config given twice"));
}

TEST_F(ConfigFileTest, OnlyTheWorkingDirectoryIsSearched) {
  config("fail-on: warn\n");
  const WorkingDirectory cwd(dir_.path() / "manifests" / "deploy");
  EXPECT_EQ(runAgentguard({"check", "--policies", "../../policy.yaml", "ingress.yaml"}).exitCode, 0);
}

TEST_F(ConfigFileTest, EmptyFileChangesNothing) {
  config("# nothing yet\n");
  EXPECT_EQ(check({"--policies", "policy.yaml"}).exitCode, 0);
}

}  // namespace
}  // namespace agentguard::cli

// `agentguard check` reads a manifest as kubectl does or refuses it with exit status 2: every parser
// case refused in tests/common/manifest/kubectl_cases/ is an input error naming the file and line, and
// what kubectl would apply behind a tag, a line break or the items of a non-List kind is judged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/cli/cli_fixture.h"

namespace agentguard::cli {
namespace {

using ::testing::HasSubstr;
using testing::kBundledPolicies;
using testing::kSourceDir;
using testing::runAgentguard;
using testing::ScratchDir;

namespace fs = std::filesystem;

const fs::path kCases = kSourceDir / "tests/common/manifest/kubectl_cases";

std::vector<fs::path> casesStartingWith(const std::string& prefix) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kCases)) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(CheckInputParsingTest, RefusedParserCasesExitTwoNamingTheFile) {
  const auto files = casesStartingWith("refuse-");
  ASSERT_GE(files.size(), 20u);
  for (const auto& file : files) {
    const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), file.string()});
    EXPECT_EQ(result.exitCode, 2) << file << "\n" << result.out << result.err;
    EXPECT_THAT(result.err, HasSubstr(file.string() + ":")) << file;
  }
}

TEST(CheckInputParsingTest, AcceptedParserCasesAreCheckedNotRefused) {
  const auto files = casesStartingWith("accept-");
  ASSERT_GE(files.size(), 20u);
  for (const auto& file : files) {
    const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), file.string()});
    EXPECT_NE(result.exitCode, 2) << file << "\n" << result.err;
  }
}

struct HiddenCase {
  std::string name;
  std::string text;
  std::string rule;  // the rule that must fire
};

void PrintTo(const HiddenCase& c, std::ostream* os) { *os << c.name; }

class HiddenFieldTest : public ::testing::TestWithParam<HiddenCase> {};

TEST_P(HiddenFieldTest, IsJudgedAsKubectlAppliesIt) {
  const auto result =
      runAgentguard({"check", "--policies", kBundledPolicies.string(), "--output=json", "-"}, GetParam().text);
  ASSERT_EQ(result.exitCode, 1) << result.out << result.err;
  const auto report = nlohmann::json::parse(result.out);
  bool found = false;
  for (const auto& finding : report["findings"]) found = found || finding["rule"] == GetParam().rule;
  EXPECT_TRUE(found) << result.out;
}

constexpr const char* kPodHead = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: agents}\nspec:\n";
constexpr const char* kContainer = "  containers:\n  - name: c\n    image: registry.example.com/c:1.0\n";

INSTANTIATE_TEST_SUITE_P(
    CheckInputParsing, HiddenFieldTest,
    ::testing::Values(
        HiddenCase{"QuotedBoolTag", std::string(kPodHead) + "  hostNetwork: !!bool \"true\"\n" + kContainer,
                   "privilege.host-namespaces"},
        HiddenCase{"BinaryKey", std::string(kPodHead) + "  !!binary aG9zdFBJRA==: true\n" + kContainer,
                   "privilege.host-namespaces"},
        HiddenCase{"TagDirective",
                   "%TAG !k! tag:yaml.org,2002:\n---\n" + std::string(kPodHead) + "  hostIPC: !k!bool 'yes'\n" + kContainer,
                   "privilege.host-namespaces"},
        HiddenCase{"BinaryServiceType",
                   "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: agents}\n"
                   "spec: {type: !!binary Tm9kZVBvcnQ=, ports: [{port: 80}]}\n",
                   "exposure.service-nodeport"},
        HiddenCase{"ItemsOfAConfigMap",
                   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nitems:\n"
                   "- {apiVersion: v1, kind: Service, metadata: {name: s, namespace: agents},"
                   " spec: {type: NodePort, ports: [{port: 80}]}}\n",
                   "exposure.service-nodeport"},
        HiddenCase{"BareItemsOfAServiceList",
                   "apiVersion: v1\nkind: ServiceList\nitems:\n"
                   "- {metadata: {name: s, namespace: agents}, spec: {type: NodePort, ports: [{port: 80}]}}\n",
                   "exposure.service-nodeport"}),
    [](const ::testing::TestParamInfo<HiddenCase>& param) { return param.param.name; });

TEST(CheckInputParsingTest, LineBreakInsideACommentExitsTwoWithLineAndColumn) {
  ScratchDir dir;
  const auto file = dir.write("pod.yaml", std::string(kPodHead) + "  automountServiceAccountToken: false # x\xe2\x80\xa8" +
                                              "  hostNetwork: true\n" + kContainer);
  const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), file.string()});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr(file.string() + ": malformed YAML: line 5, column 42: character U+2028"));
}

TEST(CheckInputParsingTest, AliasExpansionIsBoundedAcrossDocuments) {
  // Each document expands to ~900k values, under the per-document million; together they pass the
  // input's bound.
  std::string document = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 4; ++level) {
    document += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) document += (i == 0 ? "*l" : ", *l") + std::to_string(level - 1);
    document += "]\n";
  }
  document += "data: [*l4, *l4, *l4, *l4, *l4, *l4, *l4]\n";
  std::string stream;
  for (int i = 0; i < 5; ++i) stream += document + "---\n";
  const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), "-"}, stream);
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr("-: line "));
  EXPECT_THAT(result.err, HasSubstr("refusing a possible alias bomb"));
}

}  // namespace
}  // namespace agentguard::cli

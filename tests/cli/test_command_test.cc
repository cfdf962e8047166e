// `agentguard test DIR`: policy test cases run against a policy set, like kyverno test / gator verify.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/cli/cli_fixture.h"

namespace agentguard::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::kBundledPolicies;
using testing::runAgentguard;
using testing::ScratchDir;

constexpr std::string_view kNodePort =
    "apiVersion: v1\nkind: Service\nmetadata: {name: debug, namespace: agents}\nspec: {type: NodePort}\n";
constexpr std::string_view kClusterIp =
    "apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: agents}\nspec: {type: ClusterIP}\n";

TEST(TestCommandTest, TheBundledCasesPass) {
  const auto result = runAgentguard({"test", kBundledPolicies.string(), "--policies", kBundledPolicies.string(), "-q"});
  EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
  EXPECT_THAT(result.out, ::testing::ContainsRegex("[0-9]+ cases: [0-9]+ ok, 0 failed, 0 malformed"));
  EXPECT_THAT(result.out, Not(HasSubstr("ok     ")));  // -q
}

TEST(TestCommandTest, PrintsOkAndFailPerCaseAndExitsOneOnAFailure) {
  ScratchDir dir;
  dir.write("cases/deny-nodeport.yaml", "# expect: exposure.service-nodeport spec.type\n" + std::string(kNodePort));
  dir.write("cases/allow-clusterip.yaml", kClusterIp);
  auto result = runAgentguard({"test", dir.path().string()});
  EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("ok     " + (dir.path() / "cases/deny-nodeport.yaml").string()));
  EXPECT_THAT(result.out, HasSubstr("2 cases: 2 ok, 0 failed, 0 malformed; policies: bundled sha256:"));

  // Under an override layer the NodePort only warns: the deny case fails.
  const auto overrides = dir.write("overrides/warn.yaml",
                                   "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: w}\n"
                                   "spec:\n  rules:\n    - {id: exposure.service-nodeport, action: warn}\n");
  result = runAgentguard({"test", dir.path().string(), "--policies", "builtin", "--policies",
                          overrides.parent_path().string()});
  EXPECT_EQ(result.exitCode, 1) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("FAIL   " + (dir.path() / "cases/deny-nodeport.yaml").string()));
  EXPECT_THAT(result.out, HasSubstr("the file name states deny, but the strongest action of the expected findings is warn"));
  EXPECT_THAT(result.out, HasSubstr("2 cases: 1 ok, 1 failed, 0 malformed"));

  // An allow case that gets a finding fails too.
  dir.write("cases/allow-nodeport.yaml", kNodePort);
  result = runAgentguard({"test", dir.path().string()});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(result.out, HasSubstr("FAIL   " + (dir.path() / "cases/allow-nodeport.yaml").string()));
  EXPECT_THAT(result.out, HasSubstr("expected to pass, got exposure.service-nodeport: Service agents/debug"));
}

TEST(TestCommandTest, SkipAnnotationsAreJudgedAsCheckJudgesThem) {
  ScratchDir dir;
  const std::string skipped = "apiVersion: v1\nkind: Service\nmetadata:\n  name: debug\n  namespace: agents\n"
                              "  annotations:\n    agentguard.io/skip: exposure.service-nodeport\n";
  // Honoured with a reason: the finding is a skipped audit.
  dir.write("cases/audit-skipped.yaml", "# expect: exposure.service-nodeport spec.type\n" + skipped +
                                            "    agentguard.io/skip-reason: reviewed\nspec: {type: NodePort}\n");
  // Without one, the skip itself is denied, and an allow case saying otherwise fails.
  dir.write("cases/allow-no-reason.yaml", skipped + "spec: {type: ClusterIP}\n");
  const auto result = runAgentguard({"test", dir.path().string()});
  EXPECT_EQ(result.exitCode, 1) << result.out;
  EXPECT_THAT(result.out, HasSubstr("ok     " + (dir.path() / "cases/audit-skipped.yaml").string()));
  EXPECT_THAT(result.out, HasSubstr("FAIL   " + (dir.path() / "cases/allow-no-reason.yaml").string()));
  EXPECT_THAT(result.out, HasSubstr("expected to pass, got policy.skip-annotation: Service agents/debug"));
}

TEST(TestCommandTest, AMalformedCaseExitsTwo) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"nodeport.yaml", std::string(kNodePort)},                                    // no allow-/deny- prefix
      {"deny-nodeport.yaml", std::string(kNodePort)},                               // no expectation
      {"deny-half.yaml", "# expect: exposure.service-nodeport\n" + std::string(kNodePort)},  // no path
      {"deny-broken.yaml", "# expect: exposure.service-nodeport spec.type\nkind: [\n"},      // not YAML
      {"allow-empty.yaml", "# nothing here\n"},                                    // no object
  };
  for (const auto& [name, text] : cases) {
    ScratchDir dir;
    dir.write(name, text);
    const auto result = runAgentguard({"test", dir.path().string()});
    EXPECT_EQ(result.exitCode, 2) << name << "\n" << result.out;
    EXPECT_THAT(result.out, HasSubstr("ERROR  " + (dir.path() / name).string() + " (malformed case)")) << name;
  }
}

TEST(TestCommandTest, UsageErrorsAndHelp) {
  ScratchDir dir;
  EXPECT_EQ(runAgentguard({"test"}).exitCode, 2);
  EXPECT_THAT(runAgentguard({"test"}).err, HasSubstr("test needs one DIR of case files"));
  EXPECT_EQ(runAgentguard({"test", "a", "b"}).exitCode, 2);
  const auto empty = runAgentguard({"test", dir.path().string()});
  EXPECT_EQ(empty.exitCode, 2);
  EXPECT_THAT(empty.err, HasSubstr("no case files"));
  const auto missing = runAgentguard({"test", (dir.path() / "absent").string()});
  EXPECT_EQ(missing.exitCode, 2);
  EXPECT_THAT(missing.err, HasSubstr("is not a directory"));
  const auto help = runAgentguard({"test", "--help"});
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_THAT(help.out, HasSubstr("Usage: agentguard test [flags] DIR"));
  EXPECT_EQ(runAgentguard({"help", "test"}).out, help.out);
  EXPECT_THAT(runAgentguard({"test", "-o", "json", dir.path().string()}).err, HasSubstr("unknown flag \"-o\""));
}

}  // namespace
}  // namespace agentguard::cli

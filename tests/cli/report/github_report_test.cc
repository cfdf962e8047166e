// GitHub Actions annotations (-o github): one workflow command per finding and input error, escaped so
// that text from the manifest can neither end a command early nor start another.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "cli/report/check_report.h"
#include "tests/cli/cli_fixture.h"

namespace agentguard::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::kBundledPolicies;
using testing::runAgentguard;
using testing::ScratchDir;

LocatedFinding located(engine::Action action, std::string name, std::string source, int line) {
  LocatedFinding l;
  l.finding.rule = "exposure.service-nodeport";
  l.finding.category = "exposure";
  l.finding.action = action;
  l.finding.severity = engine::Severity::kHigh;
  l.finding.apiVersion = "v1";
  l.finding.kind = "Service";
  l.finding.namespace_ = "agents";
  l.finding.name = std::move(name);
  l.finding.path = "spec.type";
  l.finding.message = "NodePort opens a port on every node";
  l.finding.fix = "use ClusterIP";
  l.source = std::move(source);
  l.line = line;
  return l;
}

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(GithubReportTest, OneCommandPerFindingLevelledByWhetherItFails) {
  CheckReport report;
  report.sources = {"deploy/svc.yaml"};
  report.findings = {located(engine::Action::kDeny, "a", "deploy/svc.yaml", 7),
                     located(engine::Action::kWarn, "b", "deploy/svc.yaml", 17),
                     located(engine::Action::kAudit, "c", "deploy/svc.yaml", 27)};
  std::ostringstream out;
  renderGithub(report, out);
  const auto lines = linesOf(out.str());
  ASSERT_EQ(lines.size(), 4u) << out.str();
  EXPECT_EQ(lines[0],
            "::error file=deploy/svc.yaml,line=7,title=agentguard exposure.service-nodeport (high%2C deny)::"
            "Service agents/a: spec.type: NodePort opens a port on every node. Fix: use ClusterIP");
  EXPECT_EQ(lines[1].rfind("::warning file=deploy/svc.yaml,line=17,", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("::notice file=deploy/svc.yaml,line=27,", 0), 0u) << lines[2];
  EXPECT_EQ(lines[3].rfind("agentguard: FAIL: objects 0, inputs 1, failing findings 1", 0), 0u) << lines[3];

  report.failOn = engine::Action::kWarn;  // a warning that fails the run is an error annotation
  std::ostringstream failingOnWarn;
  renderGithub(report, failingOnWarn);
  EXPECT_EQ(linesOf(failingOnWarn.str())[1].rfind("::error file=deploy/svc.yaml,line=17,", 0), 0u);
}

TEST(GithubReportTest, TextFromTheManifestCannotStartAnotherCommand) {
  CheckReport report;
  report.sources = {"a,b:c%.yaml"};
  report.findings = {located(engine::Action::kDeny, "x\n::error file=evil.yaml::forged\r%0A", "a,b:c%.yaml", 3)};
  std::ostringstream out;
  renderGithub(report, out, true);
  const auto lines = linesOf(out.str());
  ASSERT_EQ(lines.size(), 1u) << out.str();
  EXPECT_THAT(lines[0], HasSubstr("file=a%2Cb%3Ac%25.yaml,line=3,"));
  EXPECT_THAT(lines[0], HasSubstr("Service agents/x%0A::error file=evil.yaml::forged%0D%250A: spec.type"));
}

TEST(GithubReportTest, InputErrorsAreErrorsAndStdinHasNoFile) {
  CheckReport report;
  report.sources = {"bad.yaml", "-"};
  report.errors = {{"bad.yaml", 4, "bad.yaml: malformed YAML: line 4"}, {"-", 0, "-: larger than the limit"}};
  std::ostringstream out;
  renderGithub(report, out, true);
  const auto lines = linesOf(out.str());
  ASSERT_EQ(lines.size(), 2u) << out.str();
  EXPECT_EQ(lines[0], "::error file=bad.yaml,line=4,title=agentguard%3A input not checked::bad.yaml: malformed YAML: line 4");
  EXPECT_EQ(lines[1], "::error title=agentguard%3A input not checked::-: larger than the limit");
}

TEST(GithubCommandTest, QuietLeavesOutWhatDoesNotFailAndTheSummary) {
  ScratchDir dir;
  const auto manifest = dir.write("svc.yaml",
                                  "apiVersion: v1\nkind: Service\nmetadata: {name: debug, namespace: agents}\n"
                                  "spec:\n  type: NodePort\n  ports: [{port: 80}]\n");
  const auto loud = runAgentguard({"check", "--policies", kBundledPolicies.string(), "-o", "github", manifest.string()});
  EXPECT_EQ(loud.exitCode, 1) << loud.err;
  EXPECT_THAT(loud.out, HasSubstr("::error file=" + manifest.string() + ",line=5,"));
  EXPECT_THAT(loud.out, HasSubstr("agentguard: FAIL"));
  const auto quiet =
      runAgentguard({"check", "--policies", kBundledPolicies.string(), "-o", "github", "--quiet", manifest.string()});
  EXPECT_EQ(quiet.exitCode, 1);
  EXPECT_THAT(quiet.out, HasSubstr("::error file="));
  EXPECT_THAT(quiet.out, Not(HasSubstr("agentguard: FAIL")));
}

}  // namespace
}  // namespace agentguard::cli

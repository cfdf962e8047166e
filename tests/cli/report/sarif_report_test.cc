// SARIF 2.1.0 output: the fields GitHub code scanning requires, rule indices, levels, regions and
// fingerprints, checked on reports built by hand and on real `agentguard check --output sarif` runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/report/check_report.h"
#include "tests/cli/cli_fixture.h"

namespace agentguard::cli {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;
using testing::runAgentguard;
using testing::ScratchDir;
using testing::WorkingDirectory;

LocatedFinding located(std::string rule, engine::Action action, engine::Severity severity, std::string source,
                       int line, std::string name = "debug", std::string path = "spec.type") {
  LocatedFinding l;
  l.finding.rule = std::move(rule);
  l.finding.category = l.finding.rule.substr(0, l.finding.rule.find('.'));
  l.finding.action = action;
  l.finding.severity = severity;
  l.finding.apiVersion = "v1";
  l.finding.kind = "Service";
  l.finding.namespace_ = "agents";
  l.finding.name = std::move(name);
  l.finding.path = std::move(path);
  l.finding.message = "something is open";
  l.finding.fix = "close it";
  l.source = std::move(source);
  l.line = line;
  l.objectLine = 1;
  return l;
}

Json render(const CheckReport& report) {
  std::ostringstream out;
  renderSarif(report, out);
  return Json::parse(out.str());
}

// The structure every SARIF log must have; returns the single run.
const Json& checkedRun(const Json& log) {
  EXPECT_EQ(log.value("version", ""), "2.1.0");
  EXPECT_THAT(log.value("$schema", ""), HasSubstr("sarif"));
  EXPECT_EQ(log["runs"].size(), 1u);
  const Json& run = log["runs"][0];
  const Json& driver = run["tool"]["driver"];
  EXPECT_EQ(driver["name"], "agentguard");
  EXPECT_EQ(driver["version"], AGENTGUARD_VERSION);
  EXPECT_EQ(driver["semanticVersion"], AGENTGUARD_VERSION);
  std::set<std::string> ids;
  for (const Json& rule : driver["rules"]) {
    const std::string id = rule["id"];
    EXPECT_TRUE(ids.insert(id).second) << "duplicate rule " << id;
    EXPECT_FALSE(rule["name"].get<std::string>().empty()) << id;
    EXPECT_FALSE(rule["shortDescription"]["text"].get<std::string>().empty()) << id;
    EXPECT_FALSE(rule["fullDescription"]["text"].get<std::string>().empty()) << id;
    EXPECT_THAT(rule["help"]["text"].get<std::string>(), HasSubstr("Fix")) << id;
    EXPECT_THAT(rule["help"]["markdown"].get<std::string>(), HasSubstr("**Fix**")) << id;
    EXPECT_EQ(rule["helpUri"], ruleHelpUri(id)) << id;
    const std::string level = rule["defaultConfiguration"]["level"];
    EXPECT_TRUE(level == "error" || level == "warning" || level == "note") << id << " " << level;
    const std::string category = id.substr(0, id.find('.'));
    EXPECT_THAT(rule["properties"]["tags"], ::testing::Contains(Json(category))) << id;
    const std::string severity = rule["properties"]["security-severity"];
    EXPECT_TRUE(severity == "9.5" || severity == "8.0" || severity == "5.5" || severity == "3.0") << severity;
  }
  for (const Json& result : run["results"]) {
    const size_t index = result["ruleIndex"];
    EXPECT_LT(index, driver["rules"].size());
    if (index < driver["rules"].size()) {
      EXPECT_EQ(result["ruleId"], driver["rules"][index]["id"]);
    }
    EXPECT_FALSE(result["message"]["text"].get<std::string>().empty());
    EXPECT_EQ(result["locations"].size(), 1u);
    const Json& physical = result["locations"][0]["physicalLocation"];
    EXPECT_FALSE(physical["artifactLocation"]["uri"].get<std::string>().empty());
    EXPECT_GE(physical["region"]["startLine"].get<int>(), 1);
    EXPECT_FALSE(result["partialFingerprints"].empty());
  }
  return run;
}

TEST(SarifReportTest, EmptyReportIsAValidLogWithNoResults) {
  CheckReport report;
  report.catalog = &engine::RuleCatalog::builtin();
  report.sources = {"-"};
  const Json log = render(report);
  const Json& run = checkedRun(log);
  EXPECT_TRUE(run["results"].empty());
  EXPECT_TRUE(run["tool"]["driver"]["rules"].empty());
}

TEST(SarifReportTest, ActionsMapToLevelsAndSeveritiesToSecuritySeverity) {
  struct Case {
    std::string name;
    engine::Action action;
    engine::Severity severity;
    std::string level;
    std::string securitySeverity;
  };
  const std::vector<Case> cases = {
      {"DenyCritical", engine::Action::kDeny, engine::Severity::kCritical, "error", "9.5"},
      {"DenyHigh", engine::Action::kDeny, engine::Severity::kHigh, "error", "8.0"},
      {"WarnMedium", engine::Action::kWarn, engine::Severity::kMedium, "warning", "5.5"},
      {"AuditLow", engine::Action::kAudit, engine::Severity::kLow, "note", "3.0"},
  };
  for (const auto& c : cases) {
    CheckReport report;
    report.catalog = &engine::RuleCatalog::builtin();
    report.sources = {"svc.yaml"};
    report.findings.push_back(located("exposure.service-nodeport", c.action, c.severity, "svc.yaml", 7));
    const Json log = render(report);
    const Json& run = checkedRun(log);
    ASSERT_EQ(run["results"].size(), 1u) << c.name;
    EXPECT_EQ(run["results"][0]["level"], c.level) << c.name;
    const Json& rule = run["tool"]["driver"]["rules"][0];
    EXPECT_EQ(rule["defaultConfiguration"]["level"], c.level) << c.name;
    EXPECT_EQ(rule["properties"]["security-severity"], c.securitySeverity) << c.name;
  }
}

TEST(SarifReportTest, RulesAreListedOnceInCatalogOrderAndResultsPointAtThem) {
  CheckReport report;
  report.catalog = &engine::RuleCatalog::builtin();
  report.sources = {"a.yaml"};
  // exposure.service-loadbalancer precedes exposure.service-nodeport in the catalog.
  report.findings.push_back(located("exposure.service-nodeport", engine::Action::kDeny, engine::Severity::kHigh, "a.yaml", 3));
  report.findings.push_back(
      located("exposure.service-loadbalancer", engine::Action::kDeny, engine::Severity::kCritical, "a.yaml", 4, "lb"));
  report.findings.push_back(
      located("exposure.service-nodeport", engine::Action::kDeny, engine::Severity::kHigh, "a.yaml", 9, "other"));
  report.findings.push_back(located("custom.unknown-rule", engine::Action::kWarn, engine::Severity::kLow, "a.yaml", 12));
  const Json log = render(report);
  const Json& run = checkedRun(log);
  const Json& rules = run["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0]["id"], "exposure.service-loadbalancer");
  EXPECT_EQ(rules[1]["id"], "exposure.service-nodeport");
  EXPECT_EQ(rules[2]["id"], "custom.unknown-rule");
  EXPECT_EQ(rules[1]["name"], "ServiceNodeport");
  const Json& results = run["results"];
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0]["ruleIndex"], 1);
  EXPECT_EQ(results[1]["ruleIndex"], 0);
  EXPECT_EQ(results[2]["ruleIndex"], 1);
  EXPECT_EQ(results[3]["ruleIndex"], 2);
  EXPECT_EQ(results[2]["locations"][0]["physicalLocation"]["region"]["startLine"], 9);
}

TEST(SarifReportTest, ResultNamesTheObjectFieldAndFix) {
  CheckReport report;
  report.sources = {"svc.yaml"};
  report.findings.push_back(located("exposure.service-nodeport", engine::Action::kDeny, engine::Severity::kHigh, "svc.yaml", 7));
  const Json log = render(report);
  const Json& result = checkedRun(log)["results"][0];
  EXPECT_EQ(result["message"]["text"], "Service agents/debug: spec.type: something is open. Fix: close it.");
  const Json& logical = result["locations"][0]["logicalLocations"];
  ASSERT_EQ(logical.size(), 2u);
  EXPECT_EQ(logical[0]["fullyQualifiedName"], "Service/agents/debug");
  EXPECT_EQ(logical[1]["name"], "spec.type");
  EXPECT_EQ(logical[1]["fullyQualifiedName"], "Service/agents/debug:spec.type");
}

// The artifactLocation of the first result when the report holds one finding in `source`.
Json artifactOf(const std::string& source) {
  CheckReport report;
  report.sources = {source};
  report.findings.push_back(located("exposure.service-nodeport", engine::Action::kDeny, engine::Severity::kHigh, source, 2));
  const Json log = render(report);
  const Json& artifact = checkedRun(log)["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
  EXPECT_EQ(log["runs"][0]["artifacts"][0]["location"], artifact) << source;
  return artifact;
}

TEST(SarifReportTest, ArtifactLocationsOutsideARepositoryAreRelativeToTheWorkingDirectory) {
  struct Case {
    std::string name;
    std::string source;
    std::string uri;
    bool underSourceRoot;
  };
  ScratchDir dir;
  const WorkingDirectory cwd(dir.path());
  const std::string here = std::filesystem::current_path().generic_string();
  const std::vector<Case> cases = {
      {"RelativePath", "deploy/app.yaml", "deploy/app.yaml", true},
      {"DotSlashIsDropped", "./deploy/./app.yaml", "deploy/app.yaml", true},
      {"AbsoluteInsideWorkingDirectory", here + "/deploy/app.yaml", "deploy/app.yaml", true},
      {"Stdin", "-", "stdin", false},
      {"SpacesAreEncoded", "my deploy/a#b.yaml", "my%20deploy/a%23b.yaml", true},
      {"AbsoluteElsewhereIsAFileUri", "/nonexistent-root/x.yaml", "file:///nonexistent-root/x.yaml", false},
  };
  for (const auto& c : cases) {
    const Json artifact = artifactOf(c.source);
    EXPECT_EQ(artifact["uri"], c.uri) << c.name;
    if (c.underSourceRoot) {
      EXPECT_EQ(artifact.value("uriBaseId", ""), "%SRCROOT%") << c.name;
    } else {
      EXPECT_FALSE(artifact.contains("uriBaseId")) << c.name;
    }
  }
  CheckReport report;
  const Json log = render(report);
  EXPECT_EQ(log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file://" + here + "/");
}

TEST(SarifReportTest, ArtifactLocationsInsideARepositoryAreRelativeToItsTopLevel) {
  ScratchDir dir;
  dir.write("repo/.git/HEAD", "ref: refs/heads/main\n");
  dir.write("repo/deploy/overlays/prod/app.yaml", "");
  const std::string root = (dir.path() / "repo").generic_string();
  const WorkingDirectory cwd(dir.path() / "repo" / "deploy");
  EXPECT_EQ(artifactOf("overlays/prod/app.yaml")["uri"], "deploy/overlays/prod/app.yaml");
  EXPECT_EQ(artifactOf("../deploy/overlays/prod/app.yaml")["uri"], "deploy/overlays/prod/app.yaml");
  EXPECT_EQ(artifactOf(root + "/deploy/app.yaml")["uri"], "deploy/app.yaml");
  EXPECT_EQ(artifactOf("overlays/prod/app.yaml")["uriBaseId"], "%SRCROOT%");
  // Outside the repository: an absolute file URI, never a path climbing out of %SRCROOT%.
  EXPECT_EQ(artifactOf("../../outside.yaml")["uri"], "file://" + dir.path().generic_string() + "/outside.yaml");
  CheckReport report;
  const Json log = render(report);
  EXPECT_EQ(log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file://" + root + "/");
}

TEST(SarifReportTest, RuleHelpIsTheSameWhicheverObjectFiresFirst) {
  const auto rulesOf = [](std::string name, std::string fix) {
    CheckReport report;
    report.catalog = &engine::RuleCatalog::builtin();
    report.sources = {"a.yaml"};
    auto finding = located("exposure.service-nodeport", engine::Action::kDeny, engine::Severity::kHigh, "a.yaml", 2,
                           std::move(name));
    finding.finding.fix = std::move(fix);
    report.findings.push_back(finding);
    const Json log = render(report);
    return log["runs"][0]["tool"]["driver"]["rules"];
  };
  const Json first = rulesOf("debug", "set spec.type of Service agents/debug to ClusterIP");
  const Json second = rulesOf("other", "set spec.type of Service agents/other to ClusterIP");
  EXPECT_EQ(first, second);
  EXPECT_THAT(first[0]["help"]["text"].get<std::string>(), ::testing::Not(HasSubstr("debug")));
  EXPECT_THAT(first[0]["help"]["markdown"].get<std::string>(), HasSubstr("/exposure.service-nodeport.md)"));
}

TEST(SarifReportTest, FingerprintIgnoresTheLineButNotTheRuleObjectOrField) {
  const auto fingerprintOf = [](const LocatedFinding& finding) {
    CheckReport report;
    report.sources = {finding.source};
    report.findings.push_back(finding);
    const Json log = render(report);
    return log["runs"][0]["results"][0]["partialFingerprints"].dump();
  };
  const auto base = located("exposure.service-nodeport", engine::Action::kDeny, engine::Severity::kHigh, "a.yaml", 7);
  auto moved = base;
  moved.line = 40;
  moved.objectLine = 33;
  EXPECT_EQ(fingerprintOf(base), fingerprintOf(moved));

  auto otherRule = base;
  otherRule.finding.rule = "exposure.service-loadbalancer";
  auto otherObject = base;
  otherObject.finding.name = "other";
  auto otherField = base;
  otherField.finding.path = "spec.ports[0].nodePort";
  // The same object in two overlays is two alerts, not one.
  auto otherFile = base;
  otherFile.source = "overlays/prod/a.yaml";
  EXPECT_NE(fingerprintOf(base), fingerprintOf(otherFile));
  EXPECT_NE(fingerprintOf(base), fingerprintOf(otherRule));
  EXPECT_NE(fingerprintOf(base), fingerprintOf(otherObject));
  EXPECT_NE(fingerprintOf(base), fingerprintOf(otherField));
}

TEST(SarifReportTest, InvalidUtf8InAMessageStillGivesValidJson) {
  CheckReport report;
  report.sources = {"a.yaml"};
  auto finding = located("exposure.service-nodeport", engine::Action::kDeny, engine::Severity::kHigh, "a.yaml", 2);
  finding.finding.message = "bad \xC3\x28 byte";
  report.findings.push_back(finding);
  std::ostringstream out;
  renderSarif(report, out);
  const Json parsed = Json::parse(out.str(), nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << out.str();
}

// ---- through the command line ------------------------------------------------------------------

constexpr std::string_view kThreeRulePolicy =
    "apiVersion: agentguard.io/v1alpha1\n"
    "kind: Policy\n"
    "metadata:\n"
    "  name: inline\n"
    "spec:\n"
    "  rules:\n"
    "    - id: exposure.service-nodeport\n"
    "      action: deny\n"
    "      severity: critical\n"
    "    - id: exposure.ingress\n"
    "      action: warn\n"
    "      severity: medium\n"
    "    - id: exposure.host-port\n"
    "      action: audit\n"
    "      severity: low\n";

constexpr std::string_view kManifests =
    "apiVersion: v1\n"                           // 1
    "kind: Service\n"                            // 2
    "metadata: {name: debug, namespace: agents}\n"  // 3
    "spec:\n"                                    // 4
    "  type: NodePort\n"                         // 5
    "---\n"                                      // 6
    "apiVersion: networking.k8s.io/v1\n"         // 7
    "kind: Ingress\n"                            // 8
    "metadata: {name: web, namespace: agents}\n"  // 9
    "spec:\n"                                    // 10
    "  rules: [{host: web.example.com}]\n"       // 11
    "---\n"                                      // 12
    "apiVersion: v1\n"                           // 13
    "kind: Pod\n"                                // 14
    "metadata: {name: proxy, namespace: agents}\n"  // 15
    "spec:\n"                                    // 16
    "  containers:\n"                            // 17
    "    - name: proxy\n"                        // 18
    "      image: proxy:1\n"                     // 19
    "      ports:\n"                             // 20
    "        - containerPort: 80\n"              // 21
    "          hostPort: 80\n";                  // 22

TEST(SarifCommandTest, CheckOutputIsValidSarifWithRelativeUrisLevelsAndLines) {
  ScratchDir dir;
  dir.write("policies/inline.yaml", kThreeRulePolicy);
  dir.write("deploy/all.yaml", kManifests);
  const WorkingDirectory cwd(dir.path());
  const auto result = runAgentguard({"check", "--policies", "policies", "--output", "sarif", "deploy"});
  ASSERT_EQ(result.exitCode, 1) << result.err;
  const Json log = Json::parse(result.out);
  const Json& run = checkedRun(log);
  const Json& rules = run["tool"]["driver"]["rules"];
  const Json& results = run["results"];
  ASSERT_EQ(results.size(), 3u) << result.out;

  struct Expected {
    std::string rule;
    std::string level;
    int line;
    std::string object;
    std::string securitySeverity;
  };
  const std::vector<Expected> expected = {
      {"exposure.service-nodeport", "error", 5, "Service/agents/debug", "9.5"},
      {"exposure.ingress", "warning", 10, "Ingress/agents/web", "5.5"},
      {"exposure.host-port", "note", 22, "Pod/agents/proxy", "3.0"},
  };
  for (size_t i = 0; i < expected.size(); ++i) {
    const Json& r = results[i];
    EXPECT_EQ(r["ruleId"], expected[i].rule);
    EXPECT_EQ(r["level"], expected[i].level) << expected[i].rule;
    const Json& location = r["locations"][0];
    EXPECT_EQ(location["physicalLocation"]["artifactLocation"]["uri"], "deploy/all.yaml");
    EXPECT_EQ(location["physicalLocation"]["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    EXPECT_EQ(location["physicalLocation"]["region"]["startLine"], expected[i].line) << expected[i].rule;
    EXPECT_EQ(location["logicalLocations"][0]["fullyQualifiedName"], expected[i].object);
    EXPECT_EQ(rules[r["ruleIndex"].get<size_t>()]["properties"]["security-severity"], expected[i].securitySeverity);
  }
}

TEST(SarifCommandTest, StdinIsReportedAsStdin) {
  const std::string policies = (testing::kBundledPolicies).string();
  const auto result = runAgentguard({"check", "--policies", policies, "--output=sarif", "-"},
                                    "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: b}\nspec: {type: NodePort}\n");
  ASSERT_EQ(result.exitCode, 1) << result.err;
  const Json log = Json::parse(result.out);
  const Json& run = checkedRun(log);
  ASSERT_FALSE(run["results"].empty());
  EXPECT_EQ(run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"], Json({{"uri", "stdin"}}));
}

TEST(SarifCommandTest, CleanRunHasNoResults) {
  ScratchDir dir;
  const auto manifest = dir.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: b}\n");
  const auto result =
      runAgentguard({"check", "--policies", testing::kBundledPolicies.string(), "--output=sarif", manifest.string()});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const Json log = Json::parse(result.out);
  EXPECT_TRUE(checkedRun(log)["results"].empty());
}

}  // namespace
}  // namespace agentguard::cli

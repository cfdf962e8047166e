// JUnit XML output: well-formed whatever the input holds, one suite per input, one case per (object, rule)
// and per clean object, a failure per case with a finding that fails the run, warnings in system-out.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "cli/report/check_report.h"
#include "tests/cli/cli_fixture.h"

namespace agentguard::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::runAgentguard;
using testing::ScratchDir;
using testing::xmlProblem;

size_t count(const std::string& text, std::string_view needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

CheckedObject object(std::string source, int line, std::string name, std::string ns = "agents",
                     std::string kind = "Service") {
  return CheckedObject{std::move(source), line, std::move(kind), std::move(ns), std::move(name)};
}

LocatedFinding findingFor(const CheckedObject& o, std::string rule, engine::Action action, std::string path,
                          std::string message = "is open") {
  LocatedFinding l;
  l.finding.rule = std::move(rule);
  l.finding.category = "exposure";
  l.finding.action = action;
  l.finding.severity = engine::Severity::kHigh;
  l.finding.apiVersion = "v1";
  l.finding.kind = o.kind;
  l.finding.namespace_ = o.namespace_;
  l.finding.name = o.name;
  l.finding.path = std::move(path);
  l.finding.message = std::move(message);
  l.finding.fix = "close it";
  l.source = o.source;
  l.line = o.line + 3;
  l.objectLine = o.line;
  return l;
}

std::string render(const CheckReport& report) {
  std::ostringstream out;
  renderJunit(report, out);
  return out.str();
}

// The checker itself must be able to fail, or the well-formedness tests below prove nothing.
TEST(XmlCheckerTest, RejectsWhatAParserWouldReject) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"Unbalanced", "<a><b></a></b>"},
      {"Unclosed", "<a><b></b>"},
      {"RawAmpersand", "<a>x & y</a>"},
      {"RawLessThanInAttribute", "<a n=\"x<y\"/>"},
      {"UnquotedAttribute", "<a n=x/>"},
      {"ControlCharacter", std::string("<a>\x01</a>")},
      {"ControlCharacterReference", "<a>&#1;</a>"},
      {"InvalidUtf8", "<a>\xC3\x28</a>"},
      {"TwoRoots", "<a/><b/>"},
      {"UnknownEntity", "<a>&nbsp;</a>"},
  };
  for (const auto& [name, xml] : bad) EXPECT_NE(xmlProblem(xml), "") << name;
  EXPECT_EQ(xmlProblem("<?xml version=\"1.0\"?>\n<a n=\"&quot;&lt;&amp;&#10;\"><b/>t&gt;</a>\n"), "");
}

// The value of attribute `name` in the first tag that starts at or after `from`, "" when absent.
std::string attributeOf(const std::string& xml, size_t from, std::string_view name) {
  const size_t tagEnd = xml.find('>', from);
  const std::string needle = " " + std::string(name) + "=\"";
  const size_t at = xml.find(needle, from);
  if (at == std::string::npos || at > tagEnd) return "";
  const size_t start = at + needle.size();
  return xml.substr(start, xml.find('"', start) - start);
}

// The structure a CI server relies on: every suite's tests/failures/errors/skipped equal the test cases,
// <failure>, <error> and <skipped> elements it holds, at most one of those per test case, every test case
// has file, line and time, and the root's counts are the sums. "" when it holds, else what is wrong.
std::string junitStructureProblem(const std::string& xml) {
  if (const std::string problem = xmlProblem(xml); !problem.empty()) return "not well-formed: " + problem;
  size_t totals[4] = {0, 0, 0, 0};
  const char* kElements[4] = {"<testcase ", "<failure ", "<error ", "<skipped "};
  const char* kAttributes[4] = {"tests", "failures", "errors", "skipped"};
  for (size_t suite = xml.find("<testsuite "); suite != std::string::npos; suite = xml.find("<testsuite ", suite + 1)) {
    const size_t end = xml.find("</testsuite>", suite);
    const std::string text = xml.substr(suite, end - suite);
    for (int i = 0; i < 4; ++i) {
      const size_t n = count(text, kElements[i]);
      totals[i] += n;
      if (attributeOf(xml, suite, kAttributes[i]) != std::to_string(n)) {
        return "suite " + attributeOf(xml, suite, "name") + ": " + kAttributes[i] + "=" +
               attributeOf(xml, suite, kAttributes[i]) + " but " + std::to_string(n) + " " + kElements[i];
      }
    }
    for (size_t testCase = text.find("<testcase "); testCase != std::string::npos;
         testCase = text.find("<testcase ", testCase + 1)) {
      for (const char* required : {"classname", "name", "file", "line", "time"}) {
        if (attributeOf(text, testCase, required).empty()) return std::string("a test case has no ") + required;
      }
      const size_t close = text.find("<testcase ", testCase + 1);
      const std::string one = text.substr(testCase, close == std::string::npos ? std::string::npos : close - testCase);
      if (count(one, "<failure ") + count(one, "<error ") + count(one, "<skipped ") > 1) {
        return "a test case has more than one failure, error or skipped: " + one;
      }
    }
  }
  const size_t root = xml.find("<testsuites ");
  for (int i = 0; i < 4; ++i) {
    if (attributeOf(xml, root, kAttributes[i]) != std::to_string(totals[i])) {
      return std::string("testsuites ") + kAttributes[i] + " is not the sum of its suites";
    }
  }
  return "";
}

// The structure check must be able to fail, or the tests that use it prove nothing.
TEST(JunitStructureCheckTest, RejectsMiscountsAndMissingAttributes) {
  const std::string good =
      "<testsuites tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\"><testsuite name=\"a\" tests=\"1\" "
      "failures=\"1\" errors=\"0\" skipped=\"0\"><testcase classname=\"a\" name=\"x\" file=\"a\" line=\"1\" "
      "time=\"0\"><failure message=\"m\">b</failure></testcase></testsuite></testsuites>";
  EXPECT_EQ(junitStructureProblem(good), "");
  std::string miscount = good;
  miscount.replace(miscount.find("tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\"><testcase"), 9, "tests=\"2\"");
  EXPECT_NE(junitStructureProblem(miscount), "");
  std::string noLine = good;
  noLine.erase(noLine.find(" line=\"1\""), 9);
  EXPECT_NE(junitStructureProblem(noLine), "");
  std::string twoFailures = good;
  twoFailures.replace(twoFailures.find("</testcase>"), 0, "<failure message=\"n\">c</failure>");
  EXPECT_NE(junitStructureProblem(twoFailures), "");
  EXPECT_NE(junitStructureProblem(good.substr(0, good.size() - 2)), "");
}

TEST(JunitReportTest, OneCasePerObjectAndRuleAndOnePerCleanObject) {
  CheckReport report;
  report.sources = {"a.yaml", "empty.yaml", "-"};
  const auto svc = object("a.yaml", 1, "svc");
  const auto cm = object("a.yaml", 12, "settings", "agents", "ConfigMap");
  const auto ns = object("-", 1, "sandbox", "", "Namespace");
  report.objects = {svc, cm, ns};
  auto second = findingFor(svc, "exposure.service-nodeport", engine::Action::kDeny, "spec.ports[1].nodePort");
  second.line = 9;
  report.findings = {findingFor(svc, "exposure.service-nodeport", engine::Action::kDeny, "spec.type"), second,
                     findingFor(svc, "exposure.open-source-ranges", engine::Action::kDeny, "spec.x"),
                     findingFor(svc, "exposure.ingress", engine::Action::kWarn, "spec")};
  report.objectsChecked = 3;
  const std::string xml = render(report);
  EXPECT_EQ(junitStructureProblem(xml), "") << xml;
  EXPECT_THAT(xml, HasSubstr("<testsuites name=\"agentguard\" tests=\"5\" failures=\"2\" errors=\"0\" skipped=\"0\""));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"a.yaml\" tests=\"4\" failures=\"2\""));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"empty.yaml\" tests=\"0\" failures=\"0\""));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"stdin\" tests=\"1\" failures=\"0\""));
  // Two findings of one rule in one object are one test case, located at the first.
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"a.yaml\" name=\"Service agents/svc: exposure.service-nodeport\" "
                             "file=\"a.yaml\" line=\"4\" time=\"0\">"));
  EXPECT_THAT(xml, HasSubstr("type=\"exposure.service-nodeport\" message=\"spec.type: is open (and 1 more)\""));
  EXPECT_THAT(xml, HasSubstr("location: a.yaml:9\npath: spec.ports[1].nodePort\n"));
  EXPECT_THAT(xml, HasSubstr("name=\"Service agents/svc: exposure.open-source-ranges\""));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"a.yaml\" name=\"ConfigMap agents/settings\" file=\"a.yaml\" "
                             "line=\"12\" time=\"0\"/>"));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"stdin\" name=\"Namespace sandbox\" file=\"stdin\" line=\"1\""));
  EXPECT_THAT(xml, HasSubstr("fix: close it"));
  // A warning that does not fail the run is a passing test case of its own, with the finding as output.
  EXPECT_THAT(xml, HasSubstr("name=\"Service agents/svc: exposure.ingress\" file=\"a.yaml\" line=\"4\" time=\"0\">\n"
                             "      <system-out>rule: exposure.ingress (high, warn)\n"));
}

TEST(JunitReportTest, WarningsFailWithFailOnWarn) {
  CheckReport report;
  report.sources = {"a.yaml"};
  const auto svc = object("a.yaml", 1, "svc");
  report.objects = {svc};
  report.findings = {findingFor(svc, "exposure.ingress", engine::Action::kWarn, "spec")};
  report.failOn = engine::Action::kWarn;
  const std::string xml = render(report);
  EXPECT_EQ(junitStructureProblem(xml), "") << xml;
  EXPECT_THAT(xml, HasSubstr("tests=\"1\" failures=\"1\""));
  EXPECT_THAT(xml, HasSubstr("<failure type=\"exposure.ingress\""));
}

TEST(JunitReportTest, SkippedRuleIsASkippedCase) {
  CheckReport report;
  report.sources = {"a.yaml"};
  const auto svc = object("a.yaml", 1, "svc");
  report.objects = {svc};
  auto skipped = findingFor(svc, "exposure.service-nodeport", engine::Action::kAudit, "spec.type");
  skipped.finding.skipReason = "lab cluster";
  report.findings = {skipped};
  const std::string xml = render(report);
  EXPECT_EQ(junitStructureProblem(xml), "") << xml;
  EXPECT_THAT(xml, HasSubstr("tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\""));
  EXPECT_THAT(xml, HasSubstr("<skipped message=\"agentguard.io/skip: lab cluster\"/>"));
}

TEST(JunitReportTest, InputErrorIsAnErrorCaseAtItsLine) {
  CheckReport report;
  report.sources = {"bad.yaml", "a.yaml", "gone.yaml"};
  report.errors = {InputError{"bad.yaml", 7, "bad.yaml:7: malformed YAML"},
                   InputError{"gone.yaml", 0, "gone.yaml: no such file or directory"}};
  report.objects = {object("a.yaml", 1, "svc")};
  const std::string xml = render(report);
  EXPECT_EQ(junitStructureProblem(xml), "") << xml;
  EXPECT_THAT(xml, HasSubstr("tests=\"3\" failures=\"0\" errors=\"2\""));
  // A problem about no one line is placed at line 1, so every test case has a line.
  EXPECT_THAT(xml, HasSubstr("name=\"input gone.yaml\" file=\"gone.yaml\" line=\"1\" time=\"0\">"));
  EXPECT_THAT(xml, HasSubstr("name=\"input bad.yaml\" file=\"bad.yaml\" line=\"7\" time=\"0\">\n"
                             "      <error type=\"input\" message=\"bad.yaml:7: malformed YAML\">"));
}

TEST(JunitReportTest, AuditOnlyObjectPassesWithANote) {
  CheckReport report;
  report.sources = {"a.yaml"};
  const auto svc = object("a.yaml", 1, "svc");
  report.objects = {svc};
  report.findings = {findingFor(svc, "exposure.host-port", engine::Action::kAudit, "spec.hostPort")};
  const std::string xml = render(report);
  EXPECT_EQ(junitStructureProblem(xml), "") << xml;
  EXPECT_THAT(xml, HasSubstr("failures=\"0\""));
  EXPECT_THAT(xml, Not(HasSubstr("<failure")));
  EXPECT_THAT(xml, HasSubstr("<system-out>rule: exposure.host-port (high, audit)"));
}

TEST(JunitReportTest, EscapesMarkupQuotesControlCharactersAndBrokenUtf8) {
  struct Case {
    std::string name;
    std::string text;        // placed in the object name, the file name and the message
    std::string escaped;     // how the attribute form must appear
  };
  const std::vector<Case> cases = {
      {"Markup", "a<b>&c", "a&lt;b&gt;&amp;c"},
      {"Quotes", "say \"hi\" 'x'", "say &quot;hi&quot; &apos;x&apos;"},
      {"ControlCharacter", std::string("bell\x07") + "nul" + std::string(1, '\0') + "end",
       "bell\xEF\xBF\xBDnul\xEF\xBF\xBD" "end"},
      {"NewlineAndTabInAttribute", "two\nlines\tand\rreturn", "two&#10;lines&#9;and&#13;return"},
      {"InvalidUtf8", "caf\xC3 \xFF\xFE", "caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD"},
      {"OverlongEncoding", "\xC0\xBC", "\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"EncodedSurrogate", "\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"NonCharacterFFFE", "\xEF\xBF\xBE", "\xEF\xBF\xBD"},
      {"ValidMultibyteKept", "d\xC3\xA9j\xC3\xA0 \xE2\x9C\x93 \xF0\x9F\x94\x92", "d\xC3\xA9j\xC3\xA0 \xE2\x9C\x93 \xF0\x9F\x94\x92"},
      {"CdataTerminator", "]]>", "]]&gt;"},
  };
  for (const auto& c : cases) {
    CheckReport report;
    report.sources = {c.text};
    const auto o = object(c.text, 1, c.text);
    report.objects = {o};
    report.findings = {findingFor(o, "exposure.service-nodeport", engine::Action::kDeny, "spec.type", c.text),
                       findingFor(o, "exposure.ingress", engine::Action::kWarn, "spec", c.text)};
    const std::string xml = render(report);
    EXPECT_EQ(junitStructureProblem(xml), "") << c.name << "\n" << xml;
    EXPECT_THAT(xml, HasSubstr("classname=\"" + c.escaped + "\"")) << c.name;
    EXPECT_THAT(xml, HasSubstr("name=\"Service agents/" + c.escaped + ": exposure.service-nodeport\"")) << c.name;
    EXPECT_THAT(xml, HasSubstr("file=\"" + c.escaped + "\"")) << c.name;
    EXPECT_THAT(xml, HasSubstr("message=\"spec.type: " + c.escaped + "\"")) << c.name;
  }
}

TEST(JunitReportTest, IdenticalObjectsEachGetTheirOwnFindings) {
  // A JSON List reports every item at line 1, so two identical items are told apart only by order.
  CheckReport report;
  report.sources = {"list.json"};
  const auto first = object("list.json", 1, "same");
  const auto second = object("list.json", 1, "same");
  report.objects = {first, second};
  report.findings = {findingFor(first, "exposure.service-nodeport", engine::Action::kDeny, "spec.type"),
                     findingFor(second, "exposure.service-nodeport", engine::Action::kDeny, "spec.type")};
  const std::string xml = render(report);
  EXPECT_EQ(junitStructureProblem(xml), "") << xml;
  EXPECT_EQ(count(xml, "<testcase "), 2u);
  EXPECT_EQ(count(xml, "<failure "), 2u);
  EXPECT_THAT(xml, HasSubstr("tests=\"2\" failures=\"2\""));
}

TEST(JunitReportTest, FindingWithoutAMatchingObjectIsStillReported) {
  CheckReport report;
  report.sources = {"a.yaml"};
  const auto ghost = object("a.yaml", 5, "ghost");
  report.findings = {findingFor(ghost, "exposure.service-nodeport", engine::Action::kDeny, "spec.type")};
  const std::string xml = render(report);
  EXPECT_EQ(junitStructureProblem(xml), "") << xml;
  EXPECT_THAT(xml, HasSubstr("name=\"Service agents/ghost: exposure.service-nodeport\""));
  EXPECT_EQ(count(xml, "<failure "), 1u);
}

TEST(JunitCommandTest, CheckOutputIsWellFormedAndCountsObjects) {
  ScratchDir dir;
  const auto manifest = dir.write("all.yaml",
                                  "apiVersion: v1\n"
                                  "kind: Service\n"
                                  "metadata: {name: \"a<b&c\\\"d\\x01\", namespace: agents}\n"
                                  "spec: {type: NodePort}\n"
                                  "---\n"
                                  "apiVersion: v1\n"
                                  "kind: ConfigMap\n"
                                  "metadata: {name: settings, namespace: agents}\n");
  const auto empty = dir.write("empty.yaml", "# nothing\n");
  const auto result = runAgentguard({"check", "--policies", testing::kBundledPolicies.string(), "--output", "junit",
                                     manifest.string(), empty.string()});
  ASSERT_EQ(result.exitCode, 1) << result.err;
  EXPECT_EQ(junitStructureProblem(result.out), "") << result.out;
  EXPECT_THAT(result.out, HasSubstr("<testsuites name=\"agentguard\" tests=\"2\" failures=\"1\""));
  EXPECT_THAT(result.out, HasSubstr("name=\"Service agents/a&lt;b&amp;c&quot;d\xEF\xBF\xBD: exposure.service-nodeport\" "
                                    "file=\"" + manifest.string() + "\" line=\"4\" time=\"0\">"));
  EXPECT_THAT(result.out, HasSubstr("name=\"ConfigMap agents/settings\" file=\"" + manifest.string() + "\" line=\"6\""));
  EXPECT_THAT(result.out, HasSubstr("<testsuite name=\"" + empty.string() + "\" tests=\"0\""));
  EXPECT_THAT(result.out, HasSubstr("type=\"exposure.service-nodeport\""));
}

}  // namespace
}  // namespace agentguard::cli

// JUnit XML output: well-formed whatever the input holds, one suite per input, one case per object,
// a failure per deny finding, warnings in system-out.
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

TEST(JunitReportTest, OneSuitePerInputOneCasePerObject) {
  CheckReport report;
  report.sources = {"a.yaml", "empty.yaml", "-"};
  const auto svc = object("a.yaml", 1, "svc");
  const auto cm = object("a.yaml", 12, "settings", "agents", "ConfigMap");
  const auto ns = object("-", 1, "sandbox", "", "Namespace");
  report.objects = {svc, cm, ns};
  report.findings = {findingFor(svc, "exposure.service-nodeport", engine::Action::kDeny, "spec.type"),
                     findingFor(svc, "exposure.open-source-ranges", engine::Action::kDeny, "spec.x"),
                     findingFor(svc, "exposure.ingress", engine::Action::kWarn, "spec")};
  report.objectsChecked = 3;
  const std::string xml = render(report);
  EXPECT_EQ(xmlProblem(xml), "") << xml;
  EXPECT_THAT(xml, HasSubstr("<testsuites name=\"agentguard\" tests=\"3\" failures=\"1\" errors=\"0\">"));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"a.yaml\" tests=\"2\" failures=\"1\""));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"empty.yaml\" tests=\"0\" failures=\"0\""));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"stdin\" tests=\"1\" failures=\"0\""));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"a.yaml\" name=\"Service agents/svc\">"));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"a.yaml\" name=\"ConfigMap agents/settings\"/>"));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"stdin\" name=\"Namespace sandbox\"/>"));
  EXPECT_EQ(count(xml, "<failure "), 2u);
  EXPECT_THAT(xml, HasSubstr("type=\"exposure.service-nodeport\" message=\"spec.type: is open\""));
  EXPECT_THAT(xml, HasSubstr("path: spec.type\n"));
  EXPECT_THAT(xml, HasSubstr("fix: close it"));
  EXPECT_THAT(xml, HasSubstr("<system-out>warn exposure.ingress (high) a.yaml:4 spec: is open; fix: close it\n</system-out>"));
}

TEST(JunitReportTest, AuditOnlyObjectPassesWithANote) {
  CheckReport report;
  report.sources = {"a.yaml"};
  const auto svc = object("a.yaml", 1, "svc");
  report.objects = {svc};
  report.findings = {findingFor(svc, "exposure.host-port", engine::Action::kAudit, "spec.hostPort")};
  const std::string xml = render(report);
  EXPECT_EQ(xmlProblem(xml), "") << xml;
  EXPECT_THAT(xml, HasSubstr("failures=\"0\""));
  EXPECT_THAT(xml, Not(HasSubstr("<failure")));
  EXPECT_THAT(xml, HasSubstr("<system-out>audit exposure.host-port"));
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
    EXPECT_EQ(xmlProblem(xml), "") << c.name << "\n" << xml;
    EXPECT_THAT(xml, HasSubstr("classname=\"" + c.escaped + "\"")) << c.name;
    EXPECT_THAT(xml, HasSubstr("name=\"Service agents/" + c.escaped + "\"")) << c.name;
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
  EXPECT_EQ(xmlProblem(xml), "") << xml;
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
  EXPECT_EQ(xmlProblem(xml), "") << xml;
  EXPECT_THAT(xml, HasSubstr("name=\"Service agents/ghost\""));
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
  EXPECT_EQ(xmlProblem(result.out), "") << result.out;
  EXPECT_THAT(result.out, HasSubstr("<testsuites name=\"agentguard\" tests=\"2\" failures=\"1\""));
  EXPECT_THAT(result.out, HasSubstr("name=\"Service agents/a&lt;b&amp;c&quot;d\xEF\xBF\xBD\""));
  EXPECT_THAT(result.out, HasSubstr("<testsuite name=\"" + empty.string() + "\" tests=\"0\""));
  EXPECT_THAT(result.out, HasSubstr("type=\"exposure.service-nodeport\""));
}

}  // namespace
}  // namespace agentguard::cli

// JUnit XML output for CI dashboards: one <testsuite> per input, one <testcase> per checked object,
// a <failure> per finding that fails the run (deny, or warn with --fail-on warn), the others in the test
// case's <system-out>; an input that could not be read or parsed is a test case with an <error>.
#include <string>
#include <string_view>
#include <vector>

#include "cli/report/check_report.h"
#include "common/manifest/utf8.h"

namespace agentguard::cli {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Escapes text for XML 1.0 character data or a double-quoted attribute. Characters XML 1.0 cannot carry
// at all (control characters other than tab, newline and carriage return, U+FFFE, U+FFFF) and
// malformed UTF-8 become U+FFFD, so the document always parses.
std::string escapeXml(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size() + 16);
  for (size_t i = 0; i < text.size();) {
    char32_t codePoint = 0;
    const size_t length = manifest::decodeUtf8(text, i, codePoint);
    if (length == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    switch (codePoint) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += attribute ? "&quot;" : "\""; break;
      case '\'': out += attribute ? "&apos;" : "'"; break;
      // Attribute values have their whitespace normalised by parsers unless written as references.
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\r': out += "&#13;"; break;
      default:
        if (codePoint < 0x20 || codePoint == 0xFFFE || codePoint == 0xFFFF) {
          out += kReplacement;
        } else {
          out.append(text.substr(i, length));
        }
    }
    i += length;
  }
  return out;
}

std::string attr(std::string_view text) { return escapeXml(text, true); }
std::string body(std::string_view text) { return escapeXml(text, false); }

// "stdin" for "-", "inputs" for an error about the inputs as a whole (--fail-if-no-objects).
std::string displaySource(const std::string& source) {
  return source == "-" ? "stdin" : source.empty() ? "inputs" : source;
}

// "Deployment agents/scraper", or "Namespace sandbox" for a cluster-scoped object.
std::string testName(const CheckedObject& object) {
  std::string name = object.kind + " ";
  if (!object.namespace_.empty()) name += object.namespace_ + "/";
  name += object.name.empty() ? "(unnamed)" : object.name;
  return name;
}

bool belongsTo(const LocatedFinding& located, const CheckedObject& object) {
  const engine::Finding& f = located.finding;
  return located.source == object.source && located.objectLine == object.line && f.kind == object.kind &&
         f.namespace_ == object.namespace_ && f.name == object.name;
}

bool sameFinding(const LocatedFinding& a, const LocatedFinding& b) {
  return a.finding.rule == b.finding.rule && a.finding.path == b.finding.path && a.finding.message == b.finding.message;
}

struct TestCase {
  CheckedObject object;
  std::vector<const LocatedFinding*> findings;
  const InputError* error = nullptr;  // set for the test case of an input that could not be checked
  bool failed(const CheckReport& report) const {
    for (const auto* located : findings) {
      if (report.fails(located->finding.action)) return true;
    }
    return false;
  }
};

struct TestSuite {
  std::string source;
  std::vector<TestCase> cases;
  size_t failures(const CheckReport& report) const {
    size_t count = 0;
    for (const auto& testCase : cases) count += testCase.failed(report) ? 1 : 0;
    return count;
  }
  size_t errors() const {
    size_t count = 0;
    for (const auto& testCase : cases) count += testCase.error != nullptr ? 1 : 0;
    return count;
  }
};

// Findings and objects are both in input order, so one forward walk gives each object its findings.
// An object never takes the same finding twice, which keeps identical objects (a JSON List repeating
// an item, where every item reports line 1) apart.
std::vector<TestSuite> buildSuites(const CheckReport& report) {
  std::vector<TestCase> cases;
  size_t next = 0;
  for (const auto& object : report.objects) {
    TestCase testCase{object, {}};
    while (next < report.findings.size() && belongsTo(report.findings[next], object)) {
      const LocatedFinding& candidate = report.findings[next];
      bool repeated = false;
      for (const auto* taken : testCase.findings) repeated = repeated || sameFinding(*taken, candidate);
      if (repeated) break;
      testCase.findings.push_back(&candidate);
      ++next;
    }
    cases.push_back(std::move(testCase));
  }
  // A finding that matched no object (not expected) still shows, under a test case of its own.
  for (; next < report.findings.size(); ++next) {
    const LocatedFinding& located = report.findings[next];
    const engine::Finding& f = located.finding;
    cases.push_back(TestCase{CheckedObject{located.source, located.objectLine, f.kind, f.namespace_, f.name}, {&located}});
  }

  std::vector<TestSuite> suites;
  size_t taken = 0;
  for (const auto& source : report.sources) {
    TestSuite suite{source, {}};
    while (taken < cases.size() && cases[taken].object.source == source) suite.cases.push_back(std::move(cases[taken++]));
    suites.push_back(std::move(suite));
  }
  for (; taken < cases.size(); ++taken) {
    if (suites.empty() || suites.back().source != cases[taken].object.source) {
      suites.push_back(TestSuite{cases[taken].object.source, {}});
    }
    suites.back().cases.push_back(std::move(cases[taken]));
  }
  // Each input error leads its input's suite (a new suite when the input is not among the sources).
  for (const auto& error : report.errors) {
    TestCase testCase{CheckedObject{error.source, error.line, "", "", ""}, {}, &error};
    TestSuite* suite = nullptr;
    for (auto& candidate : suites) {
      if (candidate.source == error.source) suite = &candidate;
    }
    if (suite == nullptr) suite = &suites.emplace_back(TestSuite{error.source, {}});
    size_t at = 0;
    while (at < suite->cases.size() && suite->cases[at].error != nullptr) ++at;
    suite->cases.insert(suite->cases.begin() + static_cast<std::ptrdiff_t>(at), std::move(testCase));
  }
  return suites;
}

void writeFailure(const LocatedFinding& located, std::ostream& out) {
  const engine::Finding& f = located.finding;
  out << "      <failure type=\"" << attr(f.rule) << "\" message=\"" << attr(f.path + ": " + f.message) << "\">"
      << body("rule: " + f.rule + " (" + std::string(engine::severityName(f.severity)) + ")\n" +
              "location: " + displaySource(located.source) + ":" + std::to_string(located.line) + "\n" +
              "path: " + f.path + "\n" + "message: " + f.message + "\n" + "fix: " + f.fix)
      << "</failure>\n";
}

void writeTestCase(const CheckReport& report, const TestCase& testCase, std::ostream& out) {
  const std::string classname = attr(displaySource(testCase.object.source));
  if (testCase.error != nullptr) {
    out << "    <testcase classname=\"" << classname << "\" name=\"" << attr("input " + displaySource(testCase.object.source))
        << "\">\n      <error type=\"input\" message=\"" << attr(testCase.error->message) << "\">"
        << body(testCase.error->message) << "</error>\n    </testcase>\n";
    return;
  }
  out << "    <testcase classname=\"" << classname << "\" name=\"" << attr(testName(testCase.object)) << "\"";
  if (testCase.findings.empty()) {
    out << "/>\n";
    return;
  }
  out << ">\n";
  std::string notes;
  for (const auto* located : testCase.findings) {
    const engine::Finding& f = located->finding;
    if (report.fails(f.action)) {
      writeFailure(*located, out);
      continue;
    }
    notes += std::string(engine::actionName(f.action)) + " " + f.rule + " (" +
             std::string(engine::severityName(f.severity)) + ") " + displaySource(located->source) + ":" +
             std::to_string(located->line) + " " + f.path + ": " + f.message + "; fix: " + f.fix + "\n";
  }
  if (!notes.empty()) out << "      <system-out>" << body(notes) << "</system-out>\n";
  out << "    </testcase>\n";
}

}  // namespace

void renderJunit(const CheckReport& report, std::ostream& out) {
  const std::vector<TestSuite> suites = buildSuites(report);
  size_t tests = 0;
  size_t failures = 0;
  size_t errors = 0;
  for (const auto& suite : suites) {
    tests += suite.cases.size();
    failures += suite.failures(report);
    errors += suite.errors();
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"agentguard\" tests=\"" << tests << "\" failures=\"" << failures << "\" errors=\""
      << errors << "\">\n";
  for (const auto& suite : suites) {
    out << "  <testsuite name=\"" << attr(displaySource(suite.source)) << "\" tests=\"" << suite.cases.size()
        << "\" failures=\"" << suite.failures(report) << "\" errors=\"" << suite.errors() << "\" skipped=\"0\">\n";
    out << "    <properties>\n"
        << "      <property name=\"agentguard.policySource\" value=\"" << attr(report.policySource) << "\"/>\n"
        << "      <property name=\"agentguard.policyDigest\" value=\"" << attr(report.policyDigest) << "\"/>\n"
        << "    </properties>\n";
    for (const auto& testCase : suite.cases) writeTestCase(report, testCase, out);
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

}  // namespace agentguard::cli

// JUnit XML output for CI dashboards: one <testsuite> per input, one <testcase> per (object, rule it broke)
// so each failure is its own line in GitLab, Jenkins and Azure DevOps, and one passing <testcase> per object
// that broke no rule. A test case fails (<failure>) when one of its findings fails the run (deny, or warn
// with --fail-on warn); the others are notes in <system-out>, and a rule the object skipped with
// agentguard.io/skip is <skipped>. An input that could not be read or parsed is a test case with an <error>.
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

// One checked object with the findings that point into it, or an input that could not be checked.
struct ObjectResult {
  CheckedObject object;
  std::vector<const LocatedFinding*> findings;
  const InputError* error = nullptr;  // set for an input that could not be checked
};

// One <testcase>: an object and one rule it broke (every finding of that rule in the object), an object
// that broke none (`findings` empty), or an input error.
struct TestCase {
  const ObjectResult* result = nullptr;
  std::string rule;  // "" for an object without findings and for an input error
  std::vector<const LocatedFinding*> findings;

  bool isError() const { return result->error != nullptr; }
  bool failed(const CheckReport& report) const {
    for (const auto* located : findings) {
      if (report.fails(located->finding.action) && located->finding.skipReason.empty()) return true;
    }
    return false;
  }
  // Every finding of the rule was skipped by the object's agentguard.io/skip annotation.
  bool skipped() const {
    if (findings.empty()) return false;
    for (const auto* located : findings) {
      if (located->finding.skipReason.empty()) return false;
    }
    return true;
  }
};

// A test case per (object, rule) it broke, in the order the rules first reported; one passing test case
// for an object that broke none, so a clean object still shows in the CI view.
std::vector<TestCase> testCasesOf(const ObjectResult& result) {
  std::vector<TestCase> cases;
  if (result.error != nullptr || result.findings.empty()) {
    cases.push_back(TestCase{&result, "", {}});
    return cases;
  }
  for (const auto* located : result.findings) {
    TestCase* existing = nullptr;
    for (auto& candidate : cases) {
      if (candidate.rule == located->finding.rule) existing = &candidate;
    }
    if (existing == nullptr) existing = &cases.emplace_back(TestCase{&result, located->finding.rule, {}});
    existing->findings.push_back(located);
  }
  return cases;
}

struct TestSuite {
  std::string source;
  std::vector<ObjectResult> results;
  std::vector<TestCase> cases;  // filled by expand() once `results` no longer moves

  void expand() {
    cases.clear();
    for (const auto& result : results) {
      for (auto& testCase : testCasesOf(result)) cases.push_back(std::move(testCase));
    }
  }
  size_t failures(const CheckReport& report) const {
    size_t count = 0;
    for (const auto& testCase : cases) count += !testCase.isError() && testCase.failed(report) ? 1 : 0;
    return count;
  }
  size_t errors() const {
    size_t count = 0;
    for (const auto& testCase : cases) count += testCase.isError() ? 1 : 0;
    return count;
  }
  size_t skipped() const {
    size_t count = 0;
    for (const auto& testCase : cases) count += testCase.skipped() ? 1 : 0;
    return count;
  }
};

// Findings and objects are both in input order, so one forward walk gives each object its findings.
// An object never takes the same finding twice, which keeps identical objects (a JSON List repeating
// an item, where every item reports line 1) apart.
std::vector<TestSuite> buildSuites(const CheckReport& report) {
  std::vector<ObjectResult> results;
  size_t next = 0;
  for (const auto& object : report.objects) {
    ObjectResult result{object, {}};
    while (next < report.findings.size() && belongsTo(report.findings[next], object)) {
      const LocatedFinding& candidate = report.findings[next];
      bool repeated = false;
      for (const auto* taken : result.findings) repeated = repeated || sameFinding(*taken, candidate);
      if (repeated) break;
      result.findings.push_back(&candidate);
      ++next;
    }
    results.push_back(std::move(result));
  }
  // A finding that matched no object (not expected) still shows, under an object of its own.
  for (; next < report.findings.size(); ++next) {
    const LocatedFinding& located = report.findings[next];
    const engine::Finding& f = located.finding;
    results.push_back(ObjectResult{CheckedObject{located.source, located.objectLine, f.kind, f.namespace_, f.name}, {&located}});
  }

  std::vector<TestSuite> suites;
  size_t taken = 0;
  for (const auto& source : report.sources) {
    TestSuite suite{source, {}, {}};
    while (taken < results.size() && results[taken].object.source == source) suite.results.push_back(std::move(results[taken++]));
    suites.push_back(std::move(suite));
  }
  for (; taken < results.size(); ++taken) {
    if (suites.empty() || suites.back().source != results[taken].object.source) {
      suites.push_back(TestSuite{results[taken].object.source, {}, {}});
    }
    suites.back().results.push_back(std::move(results[taken]));
  }
  // Each input error leads its input's suite (a new suite when the input is not among the sources).
  for (const auto& error : report.errors) {
    ObjectResult result{CheckedObject{error.source, error.line, "", "", ""}, {}, &error};
    TestSuite* suite = nullptr;
    for (auto& candidate : suites) {
      if (candidate.source == error.source) suite = &candidate;
    }
    if (suite == nullptr) suite = &suites.emplace_back(TestSuite{error.source, {}, {}});
    size_t at = 0;
    while (at < suite->results.size() && suite->results[at].error != nullptr) ++at;
    suite->results.insert(suite->results.begin() + static_cast<std::ptrdiff_t>(at), std::move(result));
  }
  for (auto& suite : suites) suite.expand();
  return suites;
}

std::string describeFinding(const LocatedFinding& located) {
  const engine::Finding& f = located.finding;
  std::string text = "rule: " + f.rule + " (" + std::string(engine::severityName(f.severity)) + ", " +
                     std::string(engine::actionName(f.action)) + ")\n" + "location: " +
                     displaySource(located.source) + ":" + std::to_string(located.line) + "\n" + "path: " + f.path +
                     "\n" + "message: " + f.message + "\n" + "fix: " + f.fix + "\n";
  if (!f.skipReason.empty()) text += "skipped: " + f.skipReason + "\n";
  return text;
}

// The attributes every <testcase> carries: GitLab, Jenkins and Azure DevOps show `file` and `line` (1 when
// the problem is about no one line, like a missing file); the rules run in microseconds and are not timed
// one by one, so `time` is 0.
std::string placeAttributes(const std::string& source, int line) {
  return " file=\"" + attr(displaySource(source)) + "\" line=\"" + std::to_string(line > 0 ? line : 1) +
         "\" time=\"0\"";
}

void writeTestCase(const CheckReport& report, const TestCase& testCase, std::ostream& out) {
  const CheckedObject& object = testCase.result->object;
  const std::string classname = attr(displaySource(object.source));
  if (testCase.isError()) {
    const InputError& error = *testCase.result->error;
    out << "    <testcase classname=\"" << classname << "\" name=\"" << attr("input " + displaySource(object.source))
        << "\"" << placeAttributes(object.source, error.line) << ">\n      <error type=\"input\" message=\""
        << attr(error.message) << "\">" << body(error.message) << "</error>\n    </testcase>\n";
    return;
  }
  if (testCase.findings.empty()) {
    out << "    <testcase classname=\"" << classname << "\" name=\"" << attr(testName(object)) << "\""
        << placeAttributes(object.source, object.line) << "/>\n";
    return;
  }
  const LocatedFinding& first = *testCase.findings.front();
  out << "    <testcase classname=\"" << classname << "\" name=\"" << attr(testName(object) + ": " + testCase.rule)
      << "\"" << placeAttributes(first.source, first.line) << ">\n";
  std::string details;
  for (const auto* located : testCase.findings) details += describeFinding(*located);
  if (testCase.failed(report)) {
    // One <failure> per test case: the first failing finding is the message, every finding the body.
    const LocatedFinding* failing = &first;
    for (const auto* located : testCase.findings) {
      if (report.fails(located->finding.action) && located->finding.skipReason.empty()) {
        failing = located;
        break;
      }
    }
    std::string message = failing->finding.path + ": " + failing->finding.message;
    if (testCase.findings.size() > 1) message += " (and " + std::to_string(testCase.findings.size() - 1) + " more)";
    out << "      <failure type=\"" << attr(testCase.rule) << "\" message=\"" << attr(message) << "\">"
        << body(details) << "</failure>\n";
  } else if (testCase.skipped()) {
    out << "      <skipped message=\"" << attr("agentguard.io/skip: " + first.finding.skipReason) << "\"/>\n";
    out << "      <system-out>" << body(details) << "</system-out>\n";
  } else {
    out << "      <system-out>" << body(details) << "</system-out>\n";
  }
  out << "    </testcase>\n";
}

}  // namespace

void renderJunit(const CheckReport& report, std::ostream& out) {
  const std::vector<TestSuite> suites = buildSuites(report);
  size_t tests = 0;
  size_t failures = 0;
  size_t errors = 0;
  size_t skipped = 0;
  for (const auto& suite : suites) {
    tests += suite.cases.size();
    failures += suite.failures(report);
    errors += suite.errors();
    skipped += suite.skipped();
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"agentguard\" tests=\"" << tests << "\" failures=\"" << failures << "\" errors=\""
      << errors << "\" skipped=\"" << skipped << "\" time=\"0\">\n";
  for (const auto& suite : suites) {
    out << "  <testsuite name=\"" << attr(displaySource(suite.source)) << "\" tests=\"" << suite.cases.size()
        << "\" failures=\"" << suite.failures(report) << "\" errors=\"" << suite.errors() << "\" skipped=\""
        << suite.skipped() << "\" time=\"0\">\n";
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

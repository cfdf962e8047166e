// GitHub Actions workflow commands (docs.github.com, "Workflow commands for GitHub Actions"): each
// annotation shows on the pull request's diff at the file and line, without uploading SARIF.
#include <string>
#include <string_view>

#include "cli/report/check_report.h"

namespace agentguard::cli {
namespace {

// A command's message: '%', CR and LF are escaped so a message can neither end the command early nor
// start a new one (an attacker-chosen object name with "\n::error::" must stay one annotation).
std::string escapeData(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '%': out += "%25"; break;
      case '\r': out += "%0D"; break;
      case '\n': out += "%0A"; break;
      default: out += c;
    }
  }
  return out;
}

// A property value: also ':' and ',', which separate properties and end the property list.
std::string escapeProperty(std::string_view text) {
  std::string out;
  for (const char c : escapeData(text)) {
    switch (c) {
      case ':': out += "%3A"; break;
      case ',': out += "%2C"; break;
      default: out += c;
    }
  }
  return out;
}

// "error", "warning" or "notice": what fails the run is an error whatever its action.
std::string_view commandFor(const CheckReport& report, engine::Action action) {
  if (report.fails(action)) return "error";
  return action == engine::Action::kAudit ? "notice" : "warning";
}

// file=...,line=...,title=...; no file for stdin without --stdin-name, no line when unknown.
std::string properties(const std::string& source, int line, std::string_view title) {
  std::string out;
  if (!source.empty() && source != "-") out += "file=" + escapeProperty(source) + ",";
  if (!source.empty() && source != "-" && line > 0) out += "line=" + std::to_string(line) + ",";
  out += "title=" + escapeProperty(title);
  return out;
}

}  // namespace

void renderGithub(const CheckReport& report, std::ostream& out, bool quiet) {
  size_t failing = 0;
  for (const auto& located : report.findings) {
    const engine::Finding& f = located.finding;
    const bool fails = report.fails(f.action);
    failing += fails ? 1 : 0;
    if (quiet && !fails) continue;
    const std::string title = "agentguard " + f.rule + " (" + std::string(engine::severityName(f.severity)) + ", " +
                              std::string(engine::actionName(f.action)) + ")";
    out << "::" << commandFor(report, f.action) << ' ' << properties(located.source, located.line, title)
        << "::" << escapeData(f.objectName() + ": " + f.path + ": " + f.message + ". Fix: " + f.fix) << '\n';
  }
  for (const auto& error : report.errors) {
    out << "::error " << properties(error.source, error.line, "agentguard: input not checked")
        << "::" << escapeData(error.message) << '\n';
  }
  if (quiet) return;
  out << "agentguard: " << (!report.errors.empty() ? "ERROR" : report.passed() ? "PASS" : "FAIL")
      << ": objects " << report.objectsChecked << ", inputs " << report.sources.size() << ", failing findings "
      << failing << " (--fail-on " << engine::actionName(report.failOn) << "), other findings "
      << report.findings.size() - failing << ", errors " << report.errors.size() << '\n';
}

}  // namespace agentguard::cli

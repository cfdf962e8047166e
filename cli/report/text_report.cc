#include <map>
#include <string>

#include "cli/report/check_report.h"

namespace agentguard::cli {
namespace {

struct Palette {
  bool on;
  std::string_view red() const { return on ? "\033[31m" : ""; }
  std::string_view yellow() const { return on ? "\033[33m" : ""; }
  std::string_view blue() const { return on ? "\033[36m" : ""; }
  std::string_view bold() const { return on ? "\033[1m" : ""; }
  std::string_view dim() const { return on ? "\033[2m" : ""; }
  std::string_view reset() const { return on ? "\033[0m" : ""; }
  std::string_view forAction(engine::Action action) const {
    switch (action) {
      case engine::Action::kDeny: return red();
      case engine::Action::kWarn: return yellow();
      case engine::Action::kAudit: return blue();
    }
    return "";
  }
};

}  // namespace

void renderText(const CheckReport& report, std::ostream& out, bool color, bool quiet) {
  const Palette p{color};
  const bool passed = report.passed();
  if (quiet && passed) return;
  size_t deny = 0, warn = 0, audit = 0;
  for (const auto& located : report.findings) {
    switch (located.finding.action) {
      case engine::Action::kDeny: ++deny; break;
      case engine::Action::kWarn: ++warn; break;
      case engine::Action::kAudit: ++audit; break;
    }
  }
  // Group by object, keeping input order: findings of one object are contiguous.
  std::string currentObject;
  for (const auto& located : report.findings) {
    const auto& f = located.finding;
    if (quiet && !report.fails(f.action)) continue;
    const std::string object = f.objectName() + "  " + located.source;
    if (object != currentObject) {
      if (!currentObject.empty()) out << '\n';
      out << p.bold() << f.objectName() << p.reset() << "  " << p.dim() << located.source << ":" << located.objectLine
          << p.reset() << '\n';
      currentObject = object;
    }
    const std::string action(engine::actionName(f.action));
    out << "  " << p.forAction(f.action) << action << p.reset() << std::string(6 - action.size(), ' ') << f.rule
        << " (" << engine::severityName(f.severity) << ")\n";
    out << "        " << f.path << p.dim() << "  line " << located.line << p.reset() << '\n';
    out << "        " << f.message << '\n';
    if (!f.skipReason.empty()) out << "        skipped by agentguard.io/skip: " << f.skipReason << '\n';
    out << "        " << p.dim() << "fix: " << p.reset() << f.fix << '\n';
  }
  if (!currentObject.empty()) out << '\n';
  for (const auto& error : report.errors) out << p.red() << "error" << p.reset() << "  " << error.message << '\n';
  if (!report.errors.empty()) out << '\n';
  // An input that could not be checked is never a PASS: its objects were not looked at.
  out << (!report.errors.empty() ? "ERROR" : passed ? "PASS" : "FAIL") << ": " << report.objectsChecked << " object"
      << (report.objectsChecked == 1 ? "" : "s") << " in " << report.sources.size() << " input"
      << (report.sources.size() == 1 ? "" : "s") << "; " << p.red() << deny << " denied" << p.reset() << ", "
      << p.yellow() << warn << " warning" << (warn == 1 ? "" : "s") << p.reset() << ", " << audit << " audit";
  if (!report.errors.empty()) {
    out << "; " << p.red() << report.errors.size() << " input" << (report.errors.size() == 1 ? "" : "s")
        << " could not be checked" << p.reset();
  }
  if (report.failOn != engine::Action::kDeny) out << " (failing on " << engine::actionName(report.failOn) << ")";
  out << '\n';
  if (quiet) return;
  out << p.dim() << "policies: " << report.policySource << " " << report.policyDigest << p.reset() << '\n';
}

}  // namespace agentguard::cli

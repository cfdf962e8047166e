#include <nlohmann/json.hpp>

#include "cli/report/check_report.h"

namespace agentguard::cli {

void renderJson(const CheckReport& report, std::ostream& out) {
  nlohmann::ordered_json document;
  auto& findings = document["findings"] = nlohmann::ordered_json::array();
  size_t deny = 0, warn = 0, audit = 0;
  for (const auto& located : report.findings) {
    const auto& f = located.finding;
    nlohmann::ordered_json item;
    item["rule"] = f.rule;
    item["category"] = f.category;
    item["severity"] = engine::severityName(f.severity);
    item["action"] = engine::actionName(f.action);
    item["object"] = {{"apiVersion", f.apiVersion}, {"kind", f.kind}, {"namespace", f.namespace_}, {"name", f.name}};
    item["path"] = f.path;
    item["message"] = f.message;
    item["fix"] = f.fix;
    item["location"] = {{"file", located.source}, {"line", located.line}};
    // Skipped by the object's agentguard.io/skip annotation: reported as an audit, with the reason.
    if (!f.skipReason.empty()) item["skipped"] = {{"reason", f.skipReason}};
    findings.push_back(std::move(item));
    switch (f.action) {
      case engine::Action::kDeny: ++deny; break;
      case engine::Action::kWarn: ++warn; break;
      case engine::Action::kAudit: ++audit; break;
    }
  }
  // At the top as well as in the summary: what a pipeline reads first ("passed": false on any finding at
  // or above --fail-on, and on any input error).
  document["passed"] = report.passed();
  auto& errors = document["errors"] = nlohmann::ordered_json::array();
  for (const auto& error : report.errors) {
    nlohmann::ordered_json item;
    if (!error.source.empty()) item["file"] = error.source;
    if (error.line > 0) item["line"] = error.line;
    item["message"] = error.message;
    errors.push_back(std::move(item));
  }
  document["policies"] = {{"source", report.policySource}, {"digest", report.policyDigest}};
  document["summary"] = {{"files", report.sources.size()},
                         {"objects", report.objectsChecked},
                         {"findings", report.findings.size()},
                         {"deny", deny},
                         {"warn", warn},
                         {"audit", audit},
                         {"errors", report.errors.size()},
                         {"failOn", engine::actionName(report.failOn)},
                         {"passed", report.passed()}};
  out << document.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
}

}  // namespace agentguard::cli

#include "engine/finding.h"

#include <algorithm>

namespace agentguard::engine {

std::string_view actionName(Action action) {
  switch (action) {
    case Action::kDeny: return "deny";
    case Action::kWarn: return "warn";
    case Action::kAudit: return "audit";
  }
  return "deny";
}

std::string_view severityName(Severity severity) {
  switch (severity) {
    case Severity::kCritical: return "critical";
    case Severity::kHigh: return "high";
    case Severity::kMedium: return "medium";
    case Severity::kLow: return "low";
  }
  return "high";
}

bool parseAction(std::string_view text, Action& action) {
  if (text == "deny") action = Action::kDeny;
  else if (text == "warn") action = Action::kWarn;
  else if (text == "audit") action = Action::kAudit;
  else return false;
  return true;
}

bool parseSeverity(std::string_view text, Severity& severity) {
  if (text == "critical") severity = Severity::kCritical;
  else if (text == "high") severity = Severity::kHigh;
  else if (text == "medium") severity = Severity::kMedium;
  else if (text == "low") severity = Severity::kLow;
  else return false;
  return true;
}

std::string Finding::objectName() const {
  std::string text = kind + " ";
  if (!namespace_.empty()) text += namespace_ + "/";
  text += name.empty() ? "(unnamed)" : name;
  return text;
}

std::string Finding::describe() const {
  return objectName() + ": " + path + ": " + message + "; fix: " + fix;
}

bool hasDeny(const Findings& findings) {
  return std::any_of(findings.begin(), findings.end(), [](const Finding& f) { return f.action == Action::kDeny; });
}

}  // namespace agentguard::engine

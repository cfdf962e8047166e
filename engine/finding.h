#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace agentguard::engine {

// What a violated rule does to the request or the CI run.
enum class Action {
  kDeny,   // admission refuses the object; `agentguard check` exits 1
  kWarn,   // admitted with a warning the client prints
  kAudit,  // admitted; recorded in the audit log annotations only
};

enum class Severity { kCritical, kHigh, kMedium, kLow };

std::string_view actionName(Action action);
std::string_view severityName(Severity severity);
bool parseAction(std::string_view text, Action& action);
bool parseSeverity(std::string_view text, Severity& severity);

// One rule violated by one object at one field.
struct Finding {
  std::string rule;      // stable id, e.g. "privilege.privileged-container"
  std::string category;  // exposure | privilege | network-isolation | credentials | supply-chain
  Severity severity = Severity::kHigh;
  Action action = Action::kDeny;
  std::string apiVersion;
  std::string kind;
  std::string namespace_;  // empty for cluster-scoped objects
  std::string name;
  std::string path;     // field path, e.g. spec.template.spec.containers[0].securityContext.privileged
  std::string message;  // what is wrong, naming the container or key involved
  std::string fix;      // how to make the object pass
  // Set when the object's agentguard.io/skip annotation skipped this rule (skip_annotations.h): the
  // reason it states. The finding is then reported as an audit, never silently dropped.
  std::string skipReason;

  // "Deployment agents/scraper" or "Namespace sandbox".
  std::string objectName() const;
  // "Deployment agents/scraper: spec...privileged: container "app" is privileged; fix: set it to false"
  std::string describe() const;
};

using Findings = std::vector<Finding>;

bool hasDeny(const Findings& findings);

}  // namespace agentguard::engine

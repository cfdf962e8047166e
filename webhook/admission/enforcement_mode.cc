#include "webhook/admission/enforcement_mode.h"

namespace agentguard::webhook {
namespace {

// Strictness: deny 2, warn 1, audit 0.
int strictness(engine::Action action) {
  switch (action) {
    case engine::Action::kDeny: return 2;
    case engine::Action::kWarn: return 1;
    case engine::Action::kAudit: return 0;
  }
  return 2;
}

engine::Action ceilingOf(EnforcementMode mode) {
  switch (mode) {
    case EnforcementMode::kEnforce: return engine::Action::kDeny;
    case EnforcementMode::kWarn: return engine::Action::kWarn;
    case EnforcementMode::kAudit: return engine::Action::kAudit;
  }
  return engine::Action::kDeny;
}

}  // namespace

std::string_view enforcementModeName(EnforcementMode mode) {
  switch (mode) {
    case EnforcementMode::kEnforce: return "enforce";
    case EnforcementMode::kWarn: return "warn";
    case EnforcementMode::kAudit: return "audit";
  }
  return "enforce";
}

bool parseEnforcementMode(std::string_view text, EnforcementMode& mode) {
  if (text == "enforce") mode = EnforcementMode::kEnforce;
  else if (text == "warn") mode = EnforcementMode::kWarn;
  else if (text == "audit") mode = EnforcementMode::kAudit;
  else return false;
  return true;
}

engine::Action actionUnder(EnforcementMode mode, engine::Action ruleAction) {
  const engine::Action ceiling = ceilingOf(mode);
  return strictness(ruleAction) <= strictness(ceiling) ? ruleAction : ceiling;
}

RelaxedActions applyEnforcementMode(EnforcementMode mode, engine::Findings& findings) {
  RelaxedActions relaxed(findings.size());
  for (size_t i = 0; i < findings.size(); ++i) {
    const engine::Action action = actionUnder(mode, findings[i].action);
    if (action == findings[i].action) continue;
    relaxed[i] = findings[i].action;
    findings[i].action = action;
  }
  return relaxed;
}

}  // namespace agentguard::webhook

#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "engine/finding.h"

namespace agentguard::webhook {

// The install-wide rollout switch (--enforcement-mode, docs/rollout.md), in the vocabulary of Pod
// Security Admission's enforce / warn / audit labels, which matches the rules' own deny / warn / audit
// one to one. The mode is a ceiling on what a policy finding may do: a rule's own action (its `action`
// in a policy file) can only be looser than the mode, never stricter, so one value turns every rule
// down during a rollout or an incident without editing a policy file.
enum class EnforcementMode {
  kEnforce,  // every rule acts as its policy says: deny findings refuse the request
  kWarn,     // deny findings are answered as warnings: admitted, the client prints field and fix
  kAudit,    // deny and warn findings are recorded only: admitted silently (audit annotations,
             // decision record, metrics)
};

std::string_view enforcementModeName(EnforcementMode mode);
bool parseEnforcementMode(std::string_view text, EnforcementMode& mode);

// The action a finding of a rule whose own action is `ruleAction` takes under `mode`: the looser of
// the two.
engine::Action actionUnder(EnforcementMode mode, engine::Action ruleAction);

// For each finding, the action its rule gives it when the enforcement mode lowered it (what the
// request meets once the install enforces); nullopt when the finding acts as its rule says.
using RelaxedActions = std::vector<std::optional<engine::Action>>;

// Lowers the actions of `findings` (the policies' findings, never the webhook's own guards) to what
// `mode` allows, and says which it lowered from what, in the order of `findings`.
RelaxedActions applyEnforcementMode(EnforcementMode mode, engine::Findings& findings);

}  // namespace agentguard::webhook

#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "engine/finding.h"
#include "engine/rules/rule.h"

namespace agentguard::engine {

// Lets one object skip some rules, for a stated reason, optionally until a date.
struct ObjectExemption {
  std::string kind;        // exact kind, or "*"
  std::string namespace_;  // exact namespace, "prefix*", or "*"
  std::string name;        // exact name, "prefix*", or "*"
  std::vector<std::string> rules;  // rule ids; empty means every rule of the policy
  std::string reason;              // required
  std::optional<std::chrono::system_clock::time_point> expires;  // exemption ignored from this instant
  std::string origin;              // "file:line", for reports
};

struct Exemptions {
  std::vector<std::string> namespaces;  // exact or "prefix*": the policy's rules do not apply there
  std::vector<ObjectExemption> objects;
  // Set for an exemptions-only policy (no spec.rules): its exemptions cover every rule of the set, except
  // that credentials rules are only ever exempted object by object (exact kind and name), never by
  // namespace or by a kind or name pattern.
  bool coverEveryRule = false;
};

struct Policy {
  std::string name;
  std::string source;  // file the policy came from
  Exemptions exemptions;
};

// A rule switched on by a policy, with the action and severity the policy chose.
struct RuleBinding {
  const RuleDefinition* definition = nullptr;
  RulePtr rule;
  Action action = Action::kDeny;
  Severity severity = Severity::kHigh;
  size_t policy = 0;  // index into PolicySet::policies: the policy that declared the rule
  // The policies whose exemptions apply to the rule: the declaring one, every later layer's policy that
  // overrides it, and every exemptions-only policy. Empty: the declaring policy's alone.
  std::vector<size_t> exemptionPolicies;
  size_t layer = 0;    // the last layer that configured the rule (index into PolicySet::layers)
  std::string origin;  // "file:line" of that configuration
};

// Compiled policies: immutable once built and shared by every evaluation.
struct PolicySet {
  std::vector<std::string> layers;  // the policy sources in the order they were layered ("builtin", a path)
  std::vector<Policy> policies;
  std::vector<RuleBinding> rules;
  std::string digest;  // policyDigest of the documents the set was compiled from ("sha256:...")
};

// Glob match used by exemptions: "*" matches anything, "prefix*" a prefix, otherwise equality.
bool matchesPattern(std::string_view pattern, std::string_view value);

}  // namespace agentguard::engine

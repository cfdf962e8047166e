#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result/result.h"
#include "engine/engine.h"

namespace agentguard::engine {

// Policy test cases: YAML manifests whose file name and comments state what a policy set must decide.
// The format of policies/*/cases/, run by tests/engine/policy_cases_test.cc and `agentguard test`:
//   allow-*.yaml  no rule in scope may fire on any object of the file
//   deny-*.yaml / warn-*.yaml / audit-*.yaml
//                 every "# expect: <rule> <path>" line must be matched by a finding of that rule at that
//                 path, and the strongest action of those findings is the one the file name states; every
//                 finding of a rule in scope must be named by such a line (a case lists all it expects, so
//                 an extra finding fails it), except findings of the rules a "# unlisted: <rule> ..." line
//                 names: rules that fire in that case but are not what it tests (each must fire there, and
//                 none may also be expected); the file must name at least one expectation
// The rules in scope are those of the policy the case belongs to (`policy`), or every rule of the set, and
// always policy.skip-annotation. Objects' agentguard.io/skip annotations are honoured, as by `agentguard check`.

struct PolicyCaseFile {
  std::filesystem::path path;
  std::string policy;  // the policy the case belongs to: the folder holding its cases/ folder; "" for all
};

struct PolicyCaseOutcome {
  enum class Status { kPassed, kFailed, kMalformed };
  Status status = Status::kPassed;
  // What failed (an expectation not met, a finding not expected) or why the case is malformed.
  std::vector<std::string> problems;
};

// The case files under `dir`: the *.yaml / *.yml files in folders named cases/ when there are any (so a
// policy folder with its cases is a case folder too), otherwise every *.yaml / *.yml file; hidden entries
// skipped; sorted by path. A case in <name>/cases/ belongs to policy <name> when the set has one so named.
Result<std::vector<PolicyCaseFile>> findPolicyCases(const std::filesystem::path& dir, const PolicySet& policies);

// Runs one case (its file `name` and `text`) against `engine`.
PolicyCaseOutcome runPolicyCase(const Engine& engine, const std::string& name, std::string_view text,
                                std::string_view policy);

// The rule ids of "# expect:" lines in `text`.
std::vector<std::string> expectedRules(std::string_view text);

}  // namespace agentguard::engine

#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result/result.h"
#include "engine/policy/policy_set.h"
#include "engine/rules/rule_catalog.h"

namespace agentguard::engine {

struct PolicyFile {
  std::string name;  // shown in errors, e.g. policies/privilege/policy.yaml
  std::string text;
};

// Compiles policy documents (kind: Policy, apiVersion: agentguard.io/v1alpha1). Every problem is
// collected as a cause "file:line: field.path: what is wrong"; any problem fails the whole set, so a
// broken file never silently turns rules off.
Result<PolicySet> compilePolicies(const std::vector<PolicyFile>& files, const RuleCatalog& catalog);

// Reads every *.yaml / *.yml / *.json file under `path` (a file or a directory), skipping `cases/`
// folders (test fixtures) and hidden entries (ConfigMap volumes keep versioned copies in ..data dirs).
Result<std::vector<PolicyFile>> readPolicyFiles(const std::filesystem::path& path);

// readPolicyFiles + compilePolicies.
Result<PolicySet> loadPolicies(const std::filesystem::path& path, const RuleCatalog& catalog = RuleCatalog::builtin());

}  // namespace agentguard::engine

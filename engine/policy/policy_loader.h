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

// One policy source of a layered set: "builtin" (the policies built into agentguard) or a file or directory.
struct PolicyLayer {
  std::string name;
  std::vector<PolicyFile> files;
};

// The policy source that names the policies built into agentguard (bundled_policies.h).
constexpr std::string_view kBuiltinPolicySource = "builtin";

// Compiles layers of policy documents, in order. The first layer declares rules, as compilePolicies does.
// A document of a later layer names only rules an earlier layer declared (anything else is an error
// naming file, line and rule): it overrides their enabled, action and severity, merges its parameters
// over theirs key by key, and its exemptions apply to the rules it names. A document with exemptions and
// no rules (in any layer) is an exemptions-only policy whose exemptions cover every rule (see
// Exemptions::coverEveryRule). Policy names are unique within a layer. With one layer the digest is that
// of compilePolicies; with several it is layeredPolicyDigest of each layer's digest, in order.
Result<PolicySet> compilePolicyLayers(const std::vector<PolicyLayer>& layers, const RuleCatalog& catalog);

// Compiles policy documents (kind: Policy, apiVersion: agentguard.io/v1alpha1). Every problem is
// collected as a cause "file:line: field.path: what is wrong"; any problem fails the whole set, so a
// broken file never silently turns rules off.
Result<PolicySet> compilePolicies(const std::vector<PolicyFile>& files, const RuleCatalog& catalog);

// Reads every *.yaml / *.yml / *.json file under `path` (a file or a directory), skipping `cases/`
// folders (test fixtures) and hidden entries (ConfigMap volumes keep versioned copies in ..data dirs).
Result<std::vector<PolicyFile>> readPolicyFiles(const std::filesystem::path& path);

// readPolicyFiles + compilePolicies.
Result<PolicySet> loadPolicies(const std::filesystem::path& path, const RuleCatalog& catalog = RuleCatalog::builtin());

// Reads each source ("builtin", a file or a directory) as one layer, in order.
Result<std::vector<PolicyLayer>> readPolicyLayers(const std::vector<std::string>& sources);

// readPolicyLayers + compilePolicyLayers.
Result<PolicySet> loadPolicyLayers(const std::vector<std::string>& sources,
                                   const RuleCatalog& catalog = RuleCatalog::builtin());

}  // namespace agentguard::engine

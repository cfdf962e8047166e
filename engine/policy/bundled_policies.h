#pragma once

#include <vector>

#include "engine/policy/policy_loader.h"

namespace agentguard::engine {

// The policies shipped inside the binary: every policy file under the source tree's policies/ (cases/
// folders excluded), copied at build time by engine/policy/embed_policies.cmake. `agentguard check` uses
// them unless a policy directory is named explicitly. Names read "bundled:<category>/policy.yaml".
const std::vector<PolicyFile>& bundledPolicyFiles();

// Prefix of the names of bundled policy files.
constexpr std::string_view kBundledPolicyPrefix = "bundled:";

}  // namespace agentguard::engine

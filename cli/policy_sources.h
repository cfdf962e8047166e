#pragma once

#include <string>
#include <vector>

#include "common/result/result.h"
#include "engine/policy/policy_set.h"

namespace agentguard::cli {

// The policy sources of a run: the --policies values in order (each one layer; "builtin" names the
// policies built into agentguard), else $AGENTGUARD_POLICIES, else the built-in policies alone.
// Compiled with engine::compilePolicyLayers: later layers override earlier ones.
Result<engine::PolicySet> loadPolicySources(const std::vector<std::string>& sources);

// How reports name the sources: "bundled" for the built-in policies alone, the path for one source,
// else the layers joined by " + " ("builtin + ./overrides").
std::string describePolicySources(const std::vector<std::string>& sources);

}  // namespace agentguard::cli

#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "operator/api/agent_sandbox.h"

namespace agentguard::op {

// The dedicated ServiceAccount of a sandbox whose template names none: no token is mounted from it
// (automountServiceAccountToken false), the operator grants it nothing, and it is owned by the sandbox (garbage
// collected with it). Labelled like the sandbox's other objects.
nlohmann::json buildServiceAccount(const SandboxMeta& sandbox, const std::string& name);

}  // namespace agentguard::op

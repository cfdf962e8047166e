#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "operator/api/agent_sandbox.h"

namespace agentguard::op {

// Names and identity of what the operator creates for a sandbox. Both names are fixed by the sandbox's name so
// that a retried create (after a lost response, a restart or a change of leader) can never make a second Pod.
std::string podName(const SandboxMeta& sandbox);
std::string networkPolicyName(const SandboxMeta& sandbox);

// agentguard.io/sandbox=<name>, app.kubernetes.io/managed-by=agentguard-operator.
nlohmann::json sandboxLabels(const SandboxMeta& sandbox);
// The controller owner reference pointing at the sandbox.
nlohmann::json controllerReference(const SandboxMeta& sandbox);
// True when `object` has a controller owner reference to this sandbox (same UID).
bool isControlledBy(const nlohmann::json& object, const SandboxMeta& sandbox);
// True when `object` has no controller but carries this sandbox's labels (agentguard.io/sandbox=<name> and
// managed-by=agentguard-operator): an object of ours whose owner reference was removed (--cascade=orphan).
bool isLeftoverOf(const nlohmann::json& object, const SandboxMeta& sandbox);
// The name of the AgentSandbox controlling `object`, or "" when none does.
std::string controllingSandboxName(const nlohmann::json& object);

}  // namespace agentguard::op

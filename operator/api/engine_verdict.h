#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "operator/api/agent_sandbox.h"

namespace agentguard::op {

// What the policy engine says about the Pod a template becomes: every rule of the engine's privilege category
// (the Pod Security Standards, host access, runtime sockets, API tokens, read-only root), each with its default
// parameters, at deny. The template is judged as an AgentSandbox, exactly as agentguard check and the admission
// webhook judge one (engine/workload/agent_sandbox_view.h), so the three never disagree about the same pod.
// Each finding becomes a ForbiddenTemplateField violation at the engine's field path.
std::vector<Violation> engineVerdict(const nlohmann::json& podTemplate);

}  // namespace agentguard::op

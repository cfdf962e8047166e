#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result/result.h"
#include "gate/auth/caller.h"

namespace agentguard::gate {

// The Caller a sandbox Pod stands for, after checking that it can be the peer of this connection: it is
// Running, `sourceIp` is its status.podIP (or one of status.podIPs), and its controller owner reference
// is an agentguard.io/v1alpha1 AgentSandbox with name and uid. When `expectedUid` is not empty (a bound
// token named the Pod) the Pod must have that UID. Forbidden with the precise reason otherwise. Pure.
// Whether `ip` is the Pod's status.podIP or one of its status.podIPs. Pure.
bool podHasIp(const nlohmann::json& pod, std::string_view ip);

Result<Caller> callerFromPod(const nlohmann::json& pod, std::string_view sourceIp, std::string_view expectedUid);

}  // namespace agentguard::gate

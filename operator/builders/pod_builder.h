#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "operator/api/agent_sandbox.h"

namespace agentguard::op {

// The sandbox's Pod, from a template that passed validateTemplate, with every enforced field set:
//   metadata: name = the sandbox's name, labels agentguard.io/sandbox + managed-by (on top of the template's),
//             annotation agentguard.io/network-policy, a controller owner reference to the sandbox;
//   spec: runtimeClassName, automountServiceAccountToken false, enableServiceLinks false, hostNetwork/hostPID/
//         hostIPC false, dnsPolicy ClusterFirst, restartPolicy from spec.lifecycle.restartPolicy,
//         securityContext runAsNonRoot true + seccomp RuntimeDefault;
//   every container and init container: privileged false, allowPrivilegeEscalation false, readOnlyRootFilesystem
//         true, runAsNonRoot true, capabilities drop ALL (none added), seccomp RuntimeDefault.
nlohmann::json buildPod(const SandboxMeta& sandbox, const AgentSandboxSpec& spec, const std::string& runtimeClassName);

}  // namespace agentguard::op

#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "operator/api/agent_sandbox.h"

namespace agentguard::op {

// Checks spec.template. Every violation names the exact field path
// (spec.template.spec.containers[0].securityContext.privileged) and the fix. A template with violations is not
// rewritten: no Pod is created from it.
//
// First the policy engine's verdict (engine_verdict.h): privilege, privilege escalation, a writable root, running
// as root, SELinux, procMount, host namespaces, sysctls, hostPath, AppArmor, runtime sockets, token automount —
// the same judgement agentguard check and the webhook make of the AgentSandbox.
// Then what the operator owns or refuses for its own reasons (each reported once per field):
// runtimeClassName, restartPolicy, nodeName, dnsPolicy, dnsConfig, hostAliases, ephemeralContainers (the
// operator sets or refuses them), a seccomp profile other than RuntimeDefault and seccomp annotations (it sets
// RuntimeDefault), capabilities.add (it drops ALL), projected serviceAccountToken sources, hostPort, hostIP,
// mountPropagation other than None, reserved labels, the API server's label and annotation syntax, and
// consistency (unique names, mounts naming volumes, one volume source, one env source, a container).
std::vector<Violation> validateTemplate(const nlohmann::json& podTemplate);

}  // namespace agentguard::op

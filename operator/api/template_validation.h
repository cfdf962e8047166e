#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "operator/api/agent_sandbox.h"

namespace agentguard::op {

// Checks spec.template against what the operator owns and forbids. Every violation names the exact field path
// (spec.template.spec.containers[0].securityContext.privileged) and the fix. A template with violations is not
// rewritten: no Pod is created from it.
//
// Accepted as written: labels, annotations (except reserved and seccomp/AppArmor keys), containers and
// initContainers (name, image, command, args, env, envFrom, resources, ports without host binding,
// workingDir, volumeMounts without propagation, probes), volumes other than hostPath, nodeSelector,
// tolerations, affinity, serviceAccountName, imagePullSecrets, priorityClassName, hostname,
// terminationGracePeriodSeconds, shareProcessNamespace.
// Accepted when they agree with what the operator enforces (then overridden by the same value):
// securityContext runAsNonRoot true, allowPrivilegeEscalation false, privileged false,
// readOnlyRootFilesystem true, seccompProfile RuntimeDefault, capabilities.drop, procMount Default,
// runAsUser other than 0, runAsGroup, fsGroup, supplementalGroups; automountServiceAccountToken false;
// hostNetwork/hostPID/hostIPC false; mountPropagation None.
// Forbidden: runtimeClassName, restartPolicy, nodeName, dnsPolicy, dnsConfig, hostAliases,
// ephemeralContainers, hostPath volumes, projected serviceAccountToken sources, capabilities.add, hostPort,
// hostIP, seLinuxOptions, sysctls, localhost seccomp profiles, and any value contradicting the above.
std::vector<Violation> validateTemplate(const nlohmann::json& podTemplate);

}  // namespace agentguard::op

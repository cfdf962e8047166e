#pragma once

#include "engine/rules/rule_catalog.h"

// The privilege category, one registration function per concern. addPrivilegeRules (rule_catalog.h)
// calls them all.
namespace agentguard::engine::privilege {

// privileged, allowPrivilegeEscalation, procMount, readOnlyRootFilesystem: container-only securityContext fields.
void addContainerRules(RuleCatalog& catalog);
// Host namespaces, probe and lifecycle hosts, Windows hostProcess, sysctls: reaching into the node.
void addHostAccessRules(RuleCatalog& catalog);
// hostPath, container runtime sockets, restricted volume types.
void addVolumeRules(RuleCatalog& catalog);
// Added and dropped Linux capabilities.
void addCapabilityRules(RuleCatalog& catalog);
// AppArmor, SELinux and seccomp confinement.
void addConfinementRules(RuleCatalog& catalog);
// The user a container runs as, and the API credentials it receives.
void addIdentityRules(RuleCatalog& catalog);

}  // namespace agentguard::engine::privilege

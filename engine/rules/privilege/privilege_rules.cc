// Privilege: the Pod Security Standards (baseline and restricted) plus the controls agent workloads need.
#include "engine/rules/privilege/privilege_rules.h"

namespace agentguard::engine {

void addPrivilegeRules(RuleCatalog& catalog) {
  privilege::addContainerRules(catalog);
  privilege::addHostAccessRules(catalog);
  privilege::addVolumeRules(catalog);
  privilege::addCapabilityRules(catalog);
  privilege::addConfinementRules(catalog);
  privilege::addIdentityRules(catalog);
}

}  // namespace agentguard::engine

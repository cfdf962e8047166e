#include "engine/rules/rule_catalog.h"

namespace agentguard::engine {

void addPrivilegeRules(RuleCatalog& /*catalog*/) {}

}  // namespace agentguard::engine

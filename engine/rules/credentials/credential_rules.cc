#include "engine/rules/rule_catalog.h"

namespace agentguard::engine {

void addCredentialRules(RuleCatalog& /*catalog*/) {}

}  // namespace agentguard::engine

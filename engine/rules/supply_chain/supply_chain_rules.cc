#include "engine/rules/rule_catalog.h"

namespace agentguard::engine {

void addSupplyChainRules(RuleCatalog& /*catalog*/) {}

}  // namespace agentguard::engine

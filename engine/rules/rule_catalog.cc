#include "engine/rules/rule_catalog.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace agentguard::engine {

void RuleCatalog::add(RuleDefinition definition) {
  if (find(definition.info.id) != nullptr) {
    std::cerr << "agentguard: rule id registered twice: " << definition.info.id << '\n';
    std::abort();
  }
  definitions_.push_back(std::move(definition));
}

const RuleDefinition* RuleCatalog::find(std::string_view id) const {
  const auto it = std::find_if(definitions_.begin(), definitions_.end(),
                               [id](const RuleDefinition& d) { return d.info.id == id; });
  return it == definitions_.end() ? nullptr : &*it;
}

const RuleCatalog& RuleCatalog::builtin() {
  static const RuleCatalog catalog = [] {
    RuleCatalog c;
    addExposureRules(c);
    addPrivilegeRules(c);
    addNetworkIsolationRules(c);
    addAgentSandboxNetworkRules(c);
    addCredentialRules(c);
    addSupplyChainRules(c);
    addNetworkPolicyChangeRules(c);
    addPersistentVolumeRules(c);
    return c;
  }();
  return catalog;
}

}  // namespace agentguard::engine

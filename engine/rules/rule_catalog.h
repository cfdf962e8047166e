#pragma once

#include <string_view>
#include <vector>

#include "engine/rules/rule.h"

namespace agentguard::engine {

// Every rule agentguard knows, by id. Policies choose which of them are on and how they act.
class RuleCatalog {
 public:
  // Adds a definition; a duplicate id is a programming error and aborts in tests (see rule_catalog_test).
  void add(RuleDefinition definition);
  const RuleDefinition* find(std::string_view id) const;
  const std::vector<RuleDefinition>& all() const { return definitions_; }

  // The built-in rules of every category.
  static const RuleCatalog& builtin();

 private:
  std::vector<RuleDefinition> definitions_;
};

// Each category registers its rules; see engine/rules/<category>/.
void addExposureRules(RuleCatalog& catalog);
void addPrivilegeRules(RuleCatalog& catalog);
void addNetworkIsolationRules(RuleCatalog& catalog);
void addAgentSandboxNetworkRules(RuleCatalog& catalog);  // network-isolation, in agent_sandbox_rules.cc
void addCredentialRules(RuleCatalog& catalog);
void addSupplyChainRules(RuleCatalog& catalog);
// network-isolation.policy-loosening (engine/rules/network_isolation/policy_loosening_rule.cc).
void addNetworkPolicyChangeRules(RuleCatalog& catalog);
// privilege.persistent-volume-host-path (engine/rules/privilege/persistent_volume_rules.cc).
void addPersistentVolumeRules(RuleCatalog& catalog);

}  // namespace agentguard::engine

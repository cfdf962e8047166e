#include "cli/policy_sources.h"

#include "engine/policy/bundled_policies.h"
#include "engine/policy/policy_loader.h"

namespace agentguard::cli {

Result<engine::PolicySet> loadPolicySources(const std::vector<std::string>& sources) {
  if (sources.empty()) return engine::compilePolicies(engine::bundledPolicyFiles(), engine::RuleCatalog::builtin());
  return engine::loadPolicyLayers(sources);
}

std::string describePolicySources(const std::vector<std::string>& sources) {
  if (sources.empty() || (sources.size() == 1 && sources.front() == engine::kBuiltinPolicySource)) return "bundled";
  std::string text;
  for (const auto& source : sources) text += (text.empty() ? "" : " + ") + source;
  return text;
}

}  // namespace agentguard::cli

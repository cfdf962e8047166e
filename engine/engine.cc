#include "engine/engine.h"

#include <algorithm>

#include "engine/skip_annotations.h"
#include "engine/workload/agent_sandbox_view.h"
#include "engine/workload/object_view.h"

namespace agentguard::engine {

Engine::Engine(std::shared_ptr<const PolicySet> policies) : policies_(std::move(policies)) {}

bool Engine::exempted(const RuleBinding& binding, const ObjectView& object, const EvaluationContext& context) const {
  const std::vector<size_t> declaringOnly = {binding.policy};
  for (const size_t index : binding.exemptionPolicies.empty() ? declaringOnly : binding.exemptionPolicies) {
    const Exemptions& exemptions = policies_->policies[index].exemptions;
    // See Exemptions::coverEveryRule: credentials rules are exempted object by object only.
    const bool exactOnly = exemptions.coverEveryRule && binding.definition->info.category == "credentials";
    if (!exactOnly && !object.namespaceName().empty()) {
      for (const auto& pattern : exemptions.namespaces) {
        if (matchesPattern(pattern, object.namespaceName())) return true;
      }
    }
    for (const auto& exemption : exemptions.objects) {
      if (exemption.expires && context.now >= *exemption.expires) continue;
      if (exactOnly && (exemption.kind.find('*') != std::string::npos || exemption.name.find('*') != std::string::npos)) {
        continue;
      }
      if (!matchesPattern(exemption.kind, object.kind())) continue;
      if (!object.namespaceName().empty() && !matchesPattern(exemption.namespace_, object.namespaceName())) continue;
      if (!matchesPattern(exemption.name, object.name())) continue;
      if (exemption.rules.empty()) return true;
      if (std::find(exemption.rules.begin(), exemption.rules.end(), binding.definition->info.id) !=
          exemption.rules.end()) {
        return true;
      }
    }
  }
  return false;
}

Findings Engine::evaluate(const nlohmann::json& object, const EvaluationContext& context) const {
  if (isAgentSandbox(object)) {
    // Judged as the operator will run it: its Pod with the enforced fields, behind its own NetworkPolicy.
    const nlohmann::json asRun = agentSandboxAsRun(object);
    const PolicySourceWith policies(context.networkPolicies, agentSandboxOwnPolicy(object));
    EvaluationContext inner = context;
    inner.networkPolicies = &policies;
    return evaluateAsGiven(asRun, inner);
  }
  return evaluateAsGiven(object, context);
}

Findings Engine::evaluateAsGiven(const nlohmann::json& object, const EvaluationContext& context) const {
  Findings findings;
  if (!object.is_object()) return findings;
  const ObjectView view(object, context.defaultNamespace);
  RuleContext ruleContext;
  ruleContext.networkPolicies = context.networkPolicies;
  ruleContext.workloads = context.workloads;
  ruleContext.removal = context.removal;
  std::optional<Finding> refusal;
  std::optional<SkipAnnotations> skips;
  if (!context.removal) skips = readSkipAnnotations(object, RuleCatalog::builtin(), refusal);
  if (refusal) {
    refusal->apiVersion = view.apiVersion();
    refusal->kind = view.kind();
    refusal->namespace_ = view.namespaceName();
    refusal->name = view.name();
    findings.push_back(std::move(*refusal));
  }
  const auto skipped = [&](const std::string& id) {
    return skips && context.honourSkipAnnotations &&
           std::find(skips->rules.begin(), skips->rules.end(), id) != skips->rules.end();
  };
  std::vector<Violation> violations;
  for (const RuleBinding& binding : policies_->rules) {
    if (context.removal && !binding.definition->info.judgesRemoval) continue;
    if (exempted(binding, view, context)) {
      if (context.exemptedRules != nullptr) context.exemptedRules->push_back(binding.definition->info.id);
      continue;
    }
    violations.clear();
    binding.rule->evaluate(view, ruleContext, violations);
    for (auto& violation : violations) {
      Finding finding;
      finding.rule = binding.definition->info.id;
      finding.category = binding.definition->info.category;
      finding.severity = binding.severity;
      finding.action = binding.action;
      finding.apiVersion = view.apiVersion();
      finding.kind = view.kind();
      finding.namespace_ = view.namespaceName();
      finding.name = view.name();
      finding.path = std::move(violation.path);
      finding.message = std::move(violation.message);
      finding.fix = std::move(violation.fix);
      if (skipped(finding.rule)) {
        finding.action = Action::kAudit;
        finding.skipReason = skips->reason;
      }
      findings.push_back(std::move(finding));
    }
  }
  return findings;
}

}  // namespace agentguard::engine

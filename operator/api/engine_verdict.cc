#include "operator/api/engine_verdict.h"

#include <memory>

#include "engine/engine.h"
#include "engine/policy/parameter_reader.h"
#include "engine/rules/rule_catalog.h"

namespace agentguard::op {
namespace {

using nlohmann::json;

constexpr std::string_view kCategory = "privilege";

std::shared_ptr<const engine::PolicySet> privilegeRules() {
  auto set = std::make_shared<engine::PolicySet>();
  set->policies.push_back({"agentguard-operator", "built in", {}});
  for (const engine::RuleDefinition& definition : engine::RuleCatalog::builtin().all()) {
    if (definition.info.category != kCategory) continue;
    engine::ParameterReader defaults(nullptr, "agentguard-operator", "parameters", [](std::string_view) { return 0; });
    engine::RuleBinding binding;
    binding.definition = &definition;
    binding.rule = definition.create(defaults);
    binding.action = engine::Action::kDeny;
    binding.severity = definition.info.defaultSeverity;
    set->rules.push_back(std::move(binding));
  }
  return set;
}

const engine::Engine& privilegeEngine() {
  static const engine::Engine instance(privilegeRules());
  return instance;
}

}  // namespace

std::vector<Violation> engineVerdict(const json& podTemplate) {
  const json sandbox = {{"apiVersion", "agentguard.io/v1alpha1"},
                        {"kind", "AgentSandbox"},
                        {"metadata", {{"name", "sandbox"}}},
                        {"spec", {{"template", podTemplate}}}};
  std::vector<Violation> violations;
  for (const engine::Finding& finding : privilegeEngine().evaluate(sandbox, engine::EvaluationContext{})) {
    violations.push_back({finding.path, finding.path + " " + finding.message + "; " + finding.fix,
                          std::string(kReasonForbiddenTemplateField)});
  }
  return violations;
}

}  // namespace agentguard::op

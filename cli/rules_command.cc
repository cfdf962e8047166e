#include "cli/rules_command.h"

#include <algorithm>
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/check_command.h"
#include "cli/policy_sources.h"
#include "engine/rules/privilege/allowed_values.h"
#include "engine/rules/rule_catalog.h"

namespace agentguard::cli {

int runRules(OutputFormat format, std::ostream& out) {
  const auto& catalog = engine::RuleCatalog::builtin();
  if (format == OutputFormat::kJson) {
    nlohmann::ordered_json rules = nlohmann::ordered_json::array();
    for (const auto& d : catalog.all()) {
      rules.push_back({{"id", d.info.id},
                       {"category", d.info.category},
                       {"title", d.info.title},
                       {"description", d.info.description},
                       {"defaultSeverity", engine::severityName(d.info.defaultSeverity)},
                       {"defaultAction", engine::actionName(d.info.defaultAction)},
                       {"parameters", d.parametersHelp}});
    }
    const nlohmann::ordered_json document = {
        {"podSecurityStandards", std::string(engine::privilege::kPodSecurityStandardsVersion)}, {"rules", rules}};
    out << document.dump(2) << '\n';
    return 0;
  }
  out << "Pod Security Standards " << engine::privilege::kPodSecurityStandardsVersion
      << ": the privilege rules and exposure.host-port implement its baseline and restricted controls\n\n";
  for (const auto& d : catalog.all()) {
    out << d.info.id << "  [" << d.info.category << ", " << engine::severityName(d.info.defaultSeverity) << ", "
        << engine::actionName(d.info.defaultAction) << "]\n  " << d.info.title << ": " << d.info.description << '\n';
    if (!d.parametersHelp.empty()) {
      size_t start = 0;
      while (start < d.parametersHelp.size()) {
        size_t end = d.parametersHelp.find('\n', start);
        if (end == std::string::npos) end = d.parametersHelp.size();
        out << "    parameter " << d.parametersHelp.substr(start, end - start) << '\n';
        start = end + 1;
      }
    }
    out << '\n';
  }
  return 0;
}

int runEnabledRules(const std::vector<std::string>& policySources, OutputFormat format, std::ostream& out,
                    std::ostream& err) {
  auto set = loadPolicySources(policySources);
  if (!set) {
    err << "agentguard: error: " << set.error().message << '\n';
    for (size_t i = 1; i < set.error().causes.size(); ++i) err << "agentguard: error: " << set.error().causes[i] << '\n';
    return kExitInputError;
  }
  const auto layerOf = [&set](const engine::RuleBinding& binding) {
    return binding.layer < set->layers.size() && !set->layers[binding.layer].empty() ? set->layers[binding.layer]
                                                                                     : std::string("bundled");
  };
  if (format == OutputFormat::kJson) {
    nlohmann::ordered_json rules = nlohmann::ordered_json::array();
    for (const auto& binding : set->rules) {
      rules.push_back({{"id", binding.definition->info.id},
                       {"category", binding.definition->info.category},
                       {"action", engine::actionName(binding.action)},
                       {"severity", engine::severityName(binding.severity)},
                       {"policy", set->policies[binding.policy].name},
                       {"layer", layerOf(binding)},
                       {"origin", binding.origin}});
    }
    const nlohmann::ordered_json document = {
        {"policies", {{"source", describePolicySources(policySources)}, {"digest", set->digest}}}, {"rules", rules}};
    out << document.dump(2) << '\n';
    return kExitClean;
  }
  size_t width = 0;
  for (const auto& binding : set->rules) width = std::max(width, binding.definition->info.id.size());
  for (const auto& binding : set->rules) {
    const std::string& id = binding.definition->info.id;
    const std::string action(engine::actionName(binding.action));
    const std::string severity(engine::severityName(binding.severity));
    out << id << std::string(width - id.size() + 2, ' ') << action << std::string(7 - action.size(), ' ') << severity
        << std::string(10 - severity.size(), ' ') << layerOf(binding) << "  (" << binding.origin << ")\n";
  }
  out << set->rules.size() << " rules enabled by " << describePolicySources(policySources) << " " << set->digest
      << '\n';
  return kExitClean;
}

}  // namespace agentguard::cli

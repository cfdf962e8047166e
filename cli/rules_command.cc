#include "cli/rules_command.h"

#include <nlohmann/json.hpp>

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

}  // namespace agentguard::cli

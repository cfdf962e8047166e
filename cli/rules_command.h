#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "cli/report/check_report.h"

namespace agentguard::cli {

// `agentguard rules`: every built-in rule with its id, category, defaults, description and parameters.
int runRules(OutputFormat format, std::ostream& out);

// `agentguard rules --policies ...`: what the layered policy set enables, rule by rule: its action,
// severity, the policy that declared it and the layer (and file:line) that last configured it. Exit 2
// (with every problem on `err`) when the set does not compile.
int runEnabledRules(const std::vector<std::string>& policySources, OutputFormat format, std::ostream& out,
                    std::ostream& err);

}  // namespace agentguard::cli

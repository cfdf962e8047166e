#pragma once

#include <iosfwd>

#include "cli/report/check_report.h"

namespace agentguard::cli {

// `agentguard rules`: every built-in rule with its id, category, defaults, description and parameters.
int runRules(OutputFormat format, std::ostream& out);

}  // namespace agentguard::cli

#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace agentguard::cli {

// Parses argv and runs the chosen subcommand; returns the process exit status.
int runCommandLine(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err,
                   bool stdoutIsTerminal);

// Where policies come from when --policies is not given: $AGENTGUARD_POLICIES, ./policies,
// /etc/agentguard/policies, then the policies/ folder of the source tree this binary was built from.
std::string defaultPoliciesPath();

}  // namespace agentguard::cli

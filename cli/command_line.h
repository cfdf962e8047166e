#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace agentguard::cli {

// Parses argv and runs the chosen subcommand; returns the process exit status.
int runCommandLine(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err,
                   bool stdoutIsTerminal);

// The environment variable that names a policy file or directory when --policies is not given.
constexpr std::string_view kPoliciesEnvironmentVariable = "AGENTGUARD_POLICIES";

// The policy path named by $AGENTGUARD_POLICIES, or "" for the policies bundled in the binary. Never a
// directory found by looking around (./policies): an agent checking from its own workspace could put a
// permissive policy there.
std::string policiesFromEnvironment();

}  // namespace agentguard::cli

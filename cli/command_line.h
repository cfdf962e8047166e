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

// Reads "--flag value" or "--flag=value" at args[i]; advances `i` past the value. False when args[i] is
// not `flag` or the value is missing.
bool flagValue(const std::vector<std::string>& args, size_t& i, std::string_view flag, std::string& value);
// True when `arg` is `flag` or "flag=...".
bool isFlag(const std::string& arg, std::string_view flag);

}  // namespace agentguard::cli

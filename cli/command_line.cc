#include "cli/command_line.h"

#include <cstdlib>
#include <iostream>

#include "cli/check_command.h"
#include "cli/log_command.h"
#include "cli/rules_command.h"

namespace agentguard::cli {
namespace {

constexpr std::string_view kUsage =
    "agentguard: checks Kubernetes manifests before they reach a cluster\n"
    "\n"
    "Usage:\n"
    "  agentguard check [--policies PATH] [--output text|json|sarif|junit] [--namespace NS] PATH...\n"
    "  agentguard rules [--output text|json]\n"
    "  agentguard log verify --log FILE --trust PEM_FILE [--checkpoint FILE]\n"
    "  agentguard log prove --log FILE --seq N [--checkpoint FILE]\n"
    "  agentguard version\n"
    "\n"
    "check reads files, directories (*.yaml, *.yml, *.json) and - (stdin). It applies the policies built into\n"
    "agentguard unless --policies or $AGENTGUARD_POLICIES names a policy file or directory.\n"
    "Exit status: 0 no deny-level finding, 1 at least one, 2 input or usage error.\n";

int usageError(std::ostream& err, const std::string& problem) {
  err << "agentguard: " << problem << "\n\n" << kUsage;
  return kExitInputError;
}

}  // namespace

// Reads "--flag value" or "--flag=value"; advances `i` past the value.
bool flagValue(const std::vector<std::string>& args, size_t& i, std::string_view flag, std::string& value) {
  const std::string& arg = args[i];
  if (arg == flag) {
    if (i + 1 >= args.size()) return false;
    value = args[++i];
    return true;
  }
  if (arg.size() > flag.size() && arg.compare(0, flag.size(), flag) == 0 && arg[flag.size()] == '=') {
    value = arg.substr(flag.size() + 1);
    return true;
  }
  return false;
}

bool isFlag(const std::string& arg, std::string_view flag) {
  return arg == flag || (arg.size() > flag.size() && arg.compare(0, flag.size(), flag) == 0 && arg[flag.size()] == '=');
}

std::string policiesFromEnvironment() {
  const char* fromEnv = std::getenv(std::string(kPoliciesEnvironmentVariable).c_str());
  return fromEnv == nullptr ? std::string() : std::string(fromEnv);
}

int runCommandLine(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err,
                   bool stdoutIsTerminal) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    (args.empty() ? err : out) << kUsage;
    return args.empty() ? kExitInputError : kExitClean;
  }
  const std::string& command = args[0];
  if (command == "version" || command == "--version") {
    out << "agentguard " << AGENTGUARD_VERSION << '\n';
    return kExitClean;
  }
  if (command == "log") return runLog(std::vector<std::string>(args.begin() + 1, args.end()), out, err);
  if (command != "check" && command != "rules") return usageError(err, "unknown command \"" + command + "\"");

  CheckOptions options;
  options.color = stdoutIsTerminal && std::getenv("NO_COLOR") == nullptr;
  std::string value;
  bool endOfFlags = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!endOfFlags && arg == "--") {
      endOfFlags = true;
    } else if (!endOfFlags && isFlag(arg, "--output")) {
      if (!flagValue(args, i, "--output", value)) return usageError(err, "--output needs a value");
      if (!parseOutputFormat(value, options.format)) {
        return usageError(err, "--output \"" + value + "\" is not one of text, json, sarif, junit");
      }
    } else if (!endOfFlags && command == "check" && isFlag(arg, "--policies")) {
      if (!flagValue(args, i, "--policies", options.policies)) return usageError(err, "--policies needs a path");
    } else if (!endOfFlags && command == "check" && isFlag(arg, "--namespace")) {
      if (!flagValue(args, i, "--namespace", options.defaultNamespace) || options.defaultNamespace.empty()) {
        return usageError(err, "--namespace needs a name");
      }
    } else if (!endOfFlags && arg == "--no-color") {
      options.color = false;
    } else if (!endOfFlags && arg.size() > 1 && arg[0] == '-') {
      return usageError(err, "unknown flag \"" + arg + "\"");
    } else {
      options.paths.push_back(arg);
    }
  }
  if (command == "rules") {
    if (!options.paths.empty()) return usageError(err, "rules takes no paths");
    return runRules(options.format, out);
  }
  if (options.paths.empty()) return usageError(err, "check needs at least one PATH (use - for stdin)");
  if (options.policies.empty()) options.policies = policiesFromEnvironment();
  return runCheck(options, in, out, err);
}

}  // namespace agentguard::cli

#include "cli/command_line.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <set>

#include "cli/check_command.h"
#include "cli/config_file.h"
#include "cli/log_command.h"
#include "cli/rules_command.h"
#include "cli/test_command.h"

namespace agentguard::cli {
namespace {

constexpr std::string_view kUsage =
    "agentguard: checks Kubernetes manifests before they reach a cluster\n"
    "\n"
    "Usage:\n"
    "  agentguard check [flags] PATH...        check manifests against the policies\n"
    "  agentguard rules [-o text|json]         list the rules and their defaults\n"
    "  agentguard rules --policies SOURCE...   what a set of policy layers enables\n"
    "  agentguard test DIR [--policies ...]    run policy test cases (# expect: headers) against the policies\n"
    "  agentguard log verify|prove [flags]     verify a decision log; prove a record is in it\n"
    "  agentguard version                      print the version\n"
    "  agentguard help COMMAND                 the flags of COMMAND (also: agentguard COMMAND --help)\n"
    "\n"
    "check reads files, directories (*.yaml, *.yml, *.json; Helm charts and Kustomize overlays are rendered)\n"
    "and - (stdin). It applies the policies built into agentguard unless --policies or $AGENTGUARD_POLICIES\n"
    "names a policy file or directory.\n"
    "Exit status: 0 passed, 1 a finding at or above --fail-on (deny by default), 2 input or usage error.\n";

constexpr std::string_view kCheckUsage =
    "Usage: agentguard check [flags] PATH...\n"
    "\n"
    "Checks Kubernetes manifests: files, directories (recursively: *.yaml, *.yml, *.json; hidden entries\n"
    "skipped) and - for stdin. The policies are those built into agentguard, or the layers named by\n"
    "--policies, else the file or directory named by $AGENTGUARD_POLICIES; the working directory is never\n"
    "searched.\n"
    "\n"
    "Flags:\n"
    "  -o, --output FORMAT[=FILE] text (default), json, sarif, junit or github (GitHub Actions annotations);\n"
    "                             FORMAT=FILE writes that report to FILE. Repeat for several reports of one\n"
    "                             run (-o sarif=agentguard.sarif -o text); at most one goes to stdout\n"
    "      --policies SOURCE      a policy file or directory, or builtin (the policies built into\n"
    "                             agentguard); repeatable: each is a layer, in order, and later layers\n"
    "                             override earlier ones (--policies builtin --policies ./overrides/).\n"
    "                             Without it: $AGENTGUARD_POLICIES, else the built-in policies alone\n"
    "      --namespace NS         namespace of objects that name none (default \"default\")\n"
    "      --fail-on ACTION       deny (default) or warn: the least severe finding that fails the run\n"
    "      --fail-if-no-objects   fail (exit 2) when the inputs hold no Kubernetes object at all\n"
    "      --exclude GLOB         skip files and directories matching GLOB while walking a directory\n"
    "                             (matched against the path under the directory, the path as\n"
    "                             reported and the name; '*' also matches '/'); repeatable\n"
    "      --stdin-name NAME      the file name reports use for - (stdin), e.g. the file it came from\n"
    "      --helm-values FILE     a values file for the Helm charts among the PATHs (helm template\n"
    "                             --values); repeatable, in order\n"
    "  -q, --quiet                text and github: only what fails the run; nothing when it passes\n"
    "      --no-color             no ANSI colours in text output (also when $NO_COLOR is set)\n"
    "      --config FILE          read settings from FILE (keys: the long flag names, e.g. fail-on: warn)\n"
    "      --no-config            do not read ./.agentguard.yaml\n"
    "  -h, --help                 print this help\n"
    "      --                     end of flags: every later argument is a PATH\n"
    "\n"
    "PATHs, -o, --policies, --exclude and --helm-values accumulate; every other flag that takes a value may be given once.\n"
    "Settings come from --config FILE, else ./.agentguard.yaml when present (unless --no-config); a flag\n"
    "overrides the file's value. A file found in the working directory may not set policies, exclude or\n"
    "namespace.\n"
    "\n"
    "Exit status: 0 passed; 1 a finding at or above --fail-on; 2 an input could not be read or parsed, a\n"
    "policy is invalid, or a usage error. A report never says PASS when an input could not be checked:\n"
    "json has \"passed\": false and the errors in \"errors\", sarif executionSuccessful false, junit an <error>.\n";

constexpr std::string_view kRulesUsage =
    "Usage: agentguard rules [-o text|json] [--policies SOURCE]...\n"
    "\n"
    "Lists every rule agentguard knows: id, category, default severity and action, parameters.\n"
    "With --policies, lists what that set of policy layers enables instead: each enabled rule with its\n"
    "action, severity, the layer that last configured it and where (file:line), then the set's digest.\n"
    "\n"
    "Flags:\n"
    "  -o, --output FORMAT        text (default) or json\n"
    "      --policies SOURCE      a policy file or directory, or builtin; repeatable: each is a layer, in\n"
    "                             order, and later layers override earlier ones (as for check)\n"
    "  -h, --help                 print this help\n"
    "\n"
    "Exit status: 0 listed; 2 a policy is invalid (every problem is printed) or a usage error.\n";

constexpr std::string_view kTestUsage =
    "Usage: agentguard test [flags] DIR\n"
    "\n"
    "Runs the policy test cases under DIR against the policies, like kyverno test or gator verify. The\n"
    "cases are the *.yaml / *.yml files in folders named cases/ under DIR, or every such file when DIR has\n"
    "no cases/ folder. A case is a manifest whose file name states the outcome:\n"
    "  allow-*.yaml               no rule may fire on any of its objects\n"
    "  deny-*.yaml, warn-*.yaml, audit-*.yaml\n"
    "                             each \"# expect: RULE FIELD.PATH\" line must be matched by a finding, the\n"
    "                             strongest of them has the action the name states, and every finding must\n"
    "                             be expected, except those of rules named on a \"# unlisted: RULE...\" line\n"
    "A case in <policy>/cases/ is judged on that policy's rules when the set has a policy so named, else\n"
    "on every rule.\n"
    "\n"
    "Flags:\n"
    "      --policies SOURCE      a policy file or directory, or builtin; repeatable: each is a layer, in\n"
    "                             order (as for check). Default: $AGENTGUARD_POLICIES, else the\n"
    "                             policies built into agentguard\n"
    "  -q, --quiet                print only failed and malformed cases and the summary\n"
    "  -h, --help                 print this help\n"
    "\n"
    "Exit status: 0 every case passed; 1 a case failed; 2 a case is malformed (bad name, no object, no\n"
    "expectation, unparsable), no case was found, a policy is invalid, or a usage error.\n";

constexpr std::string_view kVersionUsage =
    "Usage: agentguard version (or agentguard --version)\n"
    "\n"
    "Prints \"agentguard VERSION\".\n";

bool isHelp(const std::string& arg) { return arg == "-h" || arg == "--help"; }

// True when one of `args` before a "--" asks for help.
bool asksForHelp(const std::vector<std::string>& args) {
  for (const auto& arg : args) {
    if (arg == "--") return false;
    if (isHelp(arg)) return true;
  }
  return false;
}

int usageError(std::ostream& err, const std::string& problem, std::string_view usage = kUsage) {
  err << "agentguard: " << problem << "\n\n" << usage;
  return kExitInputError;
}

// Prints the help of `command` ("" for the overview) to `out`; false when there is no such command.
bool printHelp(const std::string& command, std::ostream& out, std::ostream& err) {
  if (command.empty()) out << kUsage;
  else if (command == "check") out << kCheckUsage;
  else if (command == "rules") out << kRulesUsage;
  else if (command == "test") out << kTestUsage;
  else if (command == "version") out << kVersionUsage;
  else if (command == "log") runLog({"--help"}, out, err);
  else return false;
  return true;
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
  if (args.empty()) return usageError(err, "no command given");
  const std::string command = args[0] == "--version" ? "version" : args[0];
  if (isHelp(command) || command == "help") {
    const std::string topic = command == "help" && args.size() > 1 ? args[1] : "";
    if (!printHelp(topic, out, err)) return usageError(err, "no help for unknown command \"" + topic + "\"");
    return kExitClean;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "log") return runLog(rest, out, err);
  if (command != "check" && command != "rules" && command != "test" && command != "version") {
    return usageError(err, "unknown command \"" + command + "\"");
  }
  if (asksForHelp(rest)) return printHelp(command, out, err) ? kExitClean : kExitInputError;
  if (command == "version") {
    if (!rest.empty()) return usageError(err, "version takes no arguments", kVersionUsage);
    out << "agentguard " << AGENTGUARD_VERSION << '\n';
    return kExitClean;
  }
  const std::string_view usage = command == "check" ? kCheckUsage : command == "test" ? kTestUsage : kRulesUsage;

  CheckOptions options;
  options.color = stdoutIsTerminal && std::getenv("NO_COLOR") == nullptr;
  std::vector<OutputTarget> outputs;
  std::set<std::string, std::less<>> given;  // flags that take one value, seen so far
  std::set<std::string, std::less<>> switched;  // switches given on the command line, which a config file may not change
  std::string configPath;
  bool noConfig = false;
  // A flag that takes one value may be given once: a second one is refused, never silently preferred.
  const auto once = [&given](std::string_view flag) { return given.emplace(flag).second; };
  std::string value;
  bool endOfFlags = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!endOfFlags && arg == "--") {
      endOfFlags = true;
    } else if (!endOfFlags && command != "test" && (isFlag(arg, "--output") || isFlag(arg, "-o"))) {
      const std::string flag = isFlag(arg, "-o") ? "-o" : "--output";
      if (!flagValue(args, i, flag, value)) return usageError(err, flag + " needs a value", usage);
      OutputTarget target;
      if (command == "rules") {
        if (!once("--output")) return usageError(err, "--output given twice; rules writes one list", usage);
        if (!parseOutputFormat(value, target.format) ||
            (target.format != OutputFormat::kText && target.format != OutputFormat::kJson)) {
          return usageError(err, flag + " \"" + value + "\" is not one of text, json", usage);
        }
      } else if (!parseOutputTarget(value, target)) {
        return usageError(err, flag + " \"" + value + "\" is not one of text, json, sarif, junit, github (FORMAT or FORMAT=FILE)",
                          usage);
      }
      for (const auto& earlier : outputs) {
        if (earlier.path == target.path) {
          return usageError(err,
                            target.path.empty()
                                ? "--output " + std::string(outputFormatName(earlier.format)) + " and " +
                                      std::string(outputFormatName(target.format)) +
                                      " both go to stdout; send all but one to a file with FORMAT=FILE"
                                : "--output names " + target.path + " twice",
                            usage);
        }
      }
      outputs.push_back(std::move(target));
    } else if (!endOfFlags && command == "check" && isFlag(arg, "--config")) {
      if (!once("--config")) return usageError(err, "--config given twice", usage);
      if (!flagValue(args, i, "--config", configPath) || configPath.empty()) {
        return usageError(err, "--config needs a file", usage);
      }
    } else if (!endOfFlags && command == "check" && arg == "--no-config") {
      noConfig = true;
    } else if (!endOfFlags && isFlag(arg, "--policies")) {
      // Each --policies is one layer, in order: later layers override earlier ones (policy_sources.h).
      if (!flagValue(args, i, "--policies", value) || value.empty()) {
        return usageError(err, "--policies needs a path or builtin", usage);
      }
      options.policies.push_back(value);
    } else if (!endOfFlags && command == "check" && isFlag(arg, "--namespace")) {
      if (!once("--namespace")) return usageError(err, "--namespace given twice", usage);
      if (!flagValue(args, i, "--namespace", options.defaultNamespace) || options.defaultNamespace.empty()) {
        return usageError(err, "--namespace needs a name", usage);
      }
    } else if (!endOfFlags && command == "check" && isFlag(arg, "--fail-on")) {
      if (!once("--fail-on")) return usageError(err, "--fail-on given twice", usage);
      if (!flagValue(args, i, "--fail-on", value)) return usageError(err, "--fail-on needs deny or warn", usage);
      if (!(value == "deny" || value == "warn") || !engine::parseAction(value, options.failOn)) {
        return usageError(err, "--fail-on \"" + value + "\" is not one of deny, warn", usage);
      }
    } else if (!endOfFlags && command == "check" && isFlag(arg, "--exclude")) {
      if (!flagValue(args, i, "--exclude", value) || value.empty()) return usageError(err, "--exclude needs a glob", usage);
      options.excludes.push_back(value);
    } else if (!endOfFlags && command == "check" && isFlag(arg, "--helm-values")) {
      if (!flagValue(args, i, "--helm-values", value) || value.empty()) {
        return usageError(err, "--helm-values needs a file", usage);
      }
      options.helmValues.push_back(value);
    } else if (!endOfFlags && command == "check" && isFlag(arg, "--stdin-name")) {
      if (!once("--stdin-name")) return usageError(err, "--stdin-name given twice", usage);
      if (!flagValue(args, i, "--stdin-name", options.stdinName) || options.stdinName.empty() ||
          options.stdinName == "-") {
        return usageError(err, "--stdin-name needs a file name", usage);
      }
    } else if (!endOfFlags && command != "rules" && (arg == "--quiet" || arg == "-q")) {
      options.quiet = true;
      switched.emplace("quiet");
    } else if (!endOfFlags && command == "check" && arg == "--fail-if-no-objects") {
      options.failIfNoObjects = true;
      switched.emplace("fail-if-no-objects");
    } else if (!endOfFlags && arg == "--no-color") {
      options.color = false;
    } else if (!endOfFlags && arg.size() > 1 && arg[0] == '-') {
      return usageError(err, "unknown flag \"" + arg + "\"", usage);
    } else {
      // Inputs accumulate; stdin can be read once.
      if (arg == "-" && std::find(options.paths.begin(), options.paths.end(), "-") != options.paths.end()) {
        return usageError(err, "- (stdin) given twice", usage);
      }
      options.paths.push_back(arg);
    }
  }
  const bool outputsGiven = !outputs.empty();
  if (outputsGiven) options.outputs = std::move(outputs);
  if (command == "rules") {
    if (!options.paths.empty()) return usageError(err, "rules takes no paths", usage);
    if (!options.policies.empty()) return runEnabledRules(options.policies, options.outputs.front().format, out, err);
    return runRules(options.outputs.front().format, out);
  }
  if (command == "test") {
    if (options.paths.size() != 1) return usageError(err, "test needs one DIR of case files", usage);
    if (options.policies.empty() && !policiesFromEnvironment().empty()) options.policies.push_back(policiesFromEnvironment());
    return runTest({options.paths.front(), options.policies, options.quiet}, out, err);
  }
  if (options.paths.empty()) return usageError(err, "check needs at least one PATH (use - for stdin)", usage);
  if (noConfig && !configPath.empty()) return usageError(err, "--config and --no-config contradict each other", usage);
  const bool found = configPath.empty() && !noConfig && std::filesystem::is_regular_file(kConfigFileName);
  if (found) configPath = kConfigFileName;
  if (!configPath.empty()) {
    auto config = readCheckConfig(configPath, found);
    if (!config) {
      err << "agentguard: " << config.error().message << '\n';
      return kExitInputError;
    }
    // A flag overrides the file: each setting is taken from the file only when no flag gave it.
    if (config->policies && options.policies.empty()) options.policies = *config->policies;
    if (config->excludes && options.excludes.empty()) options.excludes = *config->excludes;
    if (config->outputs && !outputsGiven) options.outputs = *config->outputs;
    if (config->failOn && given.count("--fail-on") == 0) engine::parseAction(*config->failOn, options.failOn);
    if (config->namespace_ && given.count("--namespace") == 0) options.defaultNamespace = *config->namespace_;
    if (config->failIfNoObjects && switched.count("fail-if-no-objects") == 0) options.failIfNoObjects = *config->failIfNoObjects;
    if (config->quiet && switched.count("quiet") == 0) options.quiet = *config->quiet;
    if (config->noColor && *config->noColor) options.color = false;
  }
  if (given.count("--stdin-name") != 0 && std::find(options.paths.begin(), options.paths.end(), "-") == options.paths.end()) {
    return usageError(err, "--stdin-name names stdin, but - is not among the PATHs", usage);
  }
  if (options.policies.empty()) {
    if (std::string fromEnvironment = policiesFromEnvironment(); !fromEnvironment.empty()) {
      options.policies.push_back(std::move(fromEnvironment));
    }
  }
  return runCheck(options, in, out, err);
}

}  // namespace agentguard::cli

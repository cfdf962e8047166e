#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/check_command.h"
#include "common/result/result.h"

namespace agentguard::cli {

// The file `agentguard check` reads its settings from when run without --config or --no-config: in the
// working directory only (never a parent), like .golangci.yml or kube-linter's .kube-linter.yaml.
constexpr std::string_view kConfigFileName = ".agentguard.yaml";

// The settings of a config file: the keys are the long names of `agentguard check`'s flags, and each is
// set only when the file names it. Flags given on the command line override them.
//
//   policies: [builtin, ./overrides/]     # --policies, in order
//   exclude: ["charts/*"]                 # --exclude
//   output: [github, sarif=agentguard.sarif]   # --output (a string or a list)
//   fail-on: warn                         # --fail-on
//   namespace: agents                     # --namespace
//   fail-if-no-objects: true              # --fail-if-no-objects
//   quiet: true                           # --quiet
//   no-color: true                        # --no-color
struct CheckConfig {
  std::string path;  // the file the settings came from
  std::optional<std::vector<std::string>> policies;
  std::optional<std::vector<std::string>> excludes;
  std::optional<std::vector<OutputTarget>> outputs;
  std::optional<std::string> failOn;
  std::optional<std::string> namespace_;
  std::optional<bool> failIfNoObjects;
  std::optional<bool> quiet;
  std::optional<bool> noColor;
};

// Reads the config file at `path`. Strict: an unknown key, a value of the wrong type, an empty string
// where a name is needed, a fail-on other than deny or warn, an output that is not FORMAT[=FILE] or that
// sends two reports to stdout or one file, or malformed YAML is an InvalidArgument
// naming `path:line` and the key. `found` says the file was found by looking in the working directory
// rather than named with --config: such a file may not choose the policies, exclusions or default
// namespace, since whoever controls the workspace (an agent) could loosen its own check with them.
Result<CheckConfig> readCheckConfig(const std::string& path, bool found);

}  // namespace agentguard::cli

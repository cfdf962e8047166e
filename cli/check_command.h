#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "cli/report/check_report.h"

namespace agentguard::cli {

// One report of a run: a format and where it goes.
struct OutputTarget {
  OutputFormat format = OutputFormat::kText;
  std::string path;  // file to write; "" for stdout
};

// Parses an --output value: "FORMAT" (to stdout) or "FORMAT=FILE". False when FORMAT is not a format
// or FILE is empty.
bool parseOutputTarget(std::string_view text, OutputTarget& target);

struct CheckOptions {
  std::vector<std::string> paths;         // files, directories, "-" for stdin
  std::vector<std::string> policies;      // policy layers in order (policy_sources.h); none: the bundled policies
  std::vector<OutputTarget> outputs = {OutputTarget{}};  // every report to write; at most one to stdout
  std::string defaultNamespace = "default";
  engine::Action failOn = engine::Action::kDeny;  // --fail-on: the least severe action that fails the run
  std::vector<std::string> excludes;  // --exclude globs, for the files found by walking directories
  std::string stdinName = "-";        // --stdin-name: the file name reports use for stdin
  std::vector<std::string> helmValues;  // --helm-values: values files for the Helm charts among the inputs
  bool failIfNoObjects = false;       // --fail-if-no-objects: checking nothing is an input error
  bool quiet = false;                 // --quiet: text and github outputs show only what fails
  bool color = false;
};

// Exit status of `agentguard check`.
constexpr int kExitClean = 0;       // no finding at or above the --fail-on action (deny by default)
constexpr int kExitDenied = 1;      // at least one such finding
constexpr int kExitInputError = 2;  // usage error, unreadable or malformed input, bad policy

// Runs the check; findings go to `out`, errors to `err`. Returns the exit status.
int runCheck(const CheckOptions& options, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace agentguard::cli

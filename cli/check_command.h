#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "cli/report/check_report.h"

namespace agentguard::cli {

struct CheckOptions {
  std::vector<std::string> paths;         // files, directories, "-" for stdin
  std::string policies;                   // policy file or directory; "" for the bundled policies
  OutputFormat format = OutputFormat::kText;
  std::string defaultNamespace = "default";
  engine::Action failOn = engine::Action::kDeny;  // --fail-on: the least severe action that fails the run
  bool color = false;
};

// Exit status of `agentguard check`.
constexpr int kExitClean = 0;       // no finding at or above the --fail-on action (deny by default)
constexpr int kExitDenied = 1;      // at least one such finding
constexpr int kExitInputError = 2;  // usage error, unreadable or malformed input, bad policy

// Runs the check; findings go to `out`, errors to `err`. Returns the exit status.
int runCheck(const CheckOptions& options, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace agentguard::cli

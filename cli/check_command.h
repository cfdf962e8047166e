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
  bool color = false;
};

// Exit status of `agentguard check`.
constexpr int kExitClean = 0;       // no deny-level finding
constexpr int kExitDenied = 1;      // at least one deny-level finding
constexpr int kExitInputError = 2;  // usage error, malformed manifest, bad policy

// Runs the check; findings go to `out`, errors to `err`. Returns the exit status.
int runCheck(const CheckOptions& options, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace agentguard::cli

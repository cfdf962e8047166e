#include "cli/log_command.h"

#include <fstream>
#include <iostream>

#include "cli/command_line.h"
#include "common/decision/decision_log_verifier.h"
#include "common/decision/ed25519_keys.h"

namespace agentguard::cli {
namespace {

constexpr std::string_view kLogUsage =
    "Usage: agentguard log verify --log FILE --trust PEM_FILE\n"
    "\n"
    "Verifies a decision log (.dsse.jsonl): every record's signature against the public keys in\n"
    "PEM_FILE (one or several \"PUBLIC KEY\" blocks), seq continuity and the prev chain.\n"
    "Exit status: 0 the whole log verifies, 1 a line does not, 2 usage or unreadable input.\n";

int logUsageError(std::ostream& err, const std::string& problem) {
  err << "agentguard log: " << problem << "\n\n" << kLogUsage;
  return kExitLogUsage;
}

}  // namespace

int runLog(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] != "verify") return logUsageError(err, "the only log subcommand is verify");
  std::string logPath;
  std::string trustPath;
  for (size_t i = 1; i < args.size(); ++i) {
    if (isFlag(args[i], "--log")) {
      if (!flagValue(args, i, "--log", logPath) || logPath.empty()) return logUsageError(err, "--log needs a file");
    } else if (isFlag(args[i], "--trust")) {
      if (!flagValue(args, i, "--trust", trustPath) || trustPath.empty()) {
        return logUsageError(err, "--trust needs a PEM file");
      }
    } else {
      return logUsageError(err, "unknown argument \"" + args[i] + "\"");
    }
  }
  if (logPath.empty() || trustPath.empty()) return logUsageError(err, "verify needs --log and --trust");

  Result<decision::TrustedKeys> keys = decision::TrustedKeys::fromPemFile(trustPath);
  if (!keys) {
    err << "agentguard log verify: " << keys.error().message << '\n';
    return kExitLogUsage;
  }
  std::ifstream log(logPath, std::ios::binary);
  if (!log) {
    err << "agentguard log verify: decision log " << logPath << " could not be opened\n";
    return kExitLogUsage;
  }
  const decision::LogVerification result = decision::verifyDecisionLog(log, *keys);
  if (!result.ok) {
    err << logPath << ':' << result.badLine << ": " << result.problem << " (" << result.records
        << " records before it verified)\n";
    return kExitLogBroken;
  }
  out << logPath << ": " << result.records << " records from origin \"" << result.origin
      << "\" verified (signatures, seq 0.." << result.records - 1 << ", prev chain)\n";
  return kExitLogVerified;
}

}  // namespace agentguard::cli

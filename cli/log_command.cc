#include "cli/log_command.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/command_line.h"
#include "common/decision/checkpoint.h"
#include "common/decision/decision_log_verifier.h"
#include "common/decision/ed25519_keys.h"
#include "common/decision/merkle_tree.h"

namespace agentguard::cli {
namespace {

constexpr std::string_view kLogUsage =
    "Usage: agentguard log verify --log FILE --trust PEM_FILE [--checkpoint FILE]\n"
    "       agentguard log prove --log FILE --seq N [--checkpoint FILE]\n"
    "       agentguard log [verify|prove] --help\n"
    "\n"
    "verify checks a decision log (.dsse.jsonl): every record's signature against the public keys in\n"
    "PEM_FILE (one or several \"PUBLIC KEY\" blocks), seq continuity and the prev chain; with\n"
    "--checkpoint, also the checkpoint's signature and that the log's first records hash to its root.\n"
    "Exit status: 0 the whole log verifies, 1 a line or the checkpoint does not, 2 usage or unreadable input.\n"
    "\n"
    "prove prints a c2sp.org/tlog-proof@v1 inclusion proof of record N in the tree the checkpoint\n"
    "(default FILE.checkpoint) signs.\n";

int logUsageError(std::ostream& err, const std::string& problem) {
  err << "agentguard log: " << problem << "\n\n" << kLogUsage;
  return kExitLogUsage;
}

struct LogFlags {
  std::string log;
  std::string trust;
  std::string checkpoint;
  std::string seq;
};

// Reads the flags after the subcommand; "" when they parse, else the usage problem.
std::string parseLogFlags(const std::vector<std::string>& args, LogFlags& flags) {
  const struct {
    std::string_view name;
    std::string* value;
  } kFlags[] = {{"--log", &flags.log}, {"--trust", &flags.trust}, {"--checkpoint", &flags.checkpoint}, {"--seq", &flags.seq}};
  for (size_t i = 1; i < args.size(); ++i) {
    bool known = false;
    for (const auto& flag : kFlags) {
      if (!isFlag(args[i], flag.name)) continue;
      known = true;
      // A repeated flag is refused rather than silently keeping one of the values.
      if (!flag.value->empty()) return std::string(flag.name) + " given twice";
      if (!flagValue(args, i, flag.name, *flag.value) || flag.value->empty()) return std::string(flag.name) + " needs a value";
    }
    if (!known) return "unknown argument \"" + args[i] + "\"";
  }
  return "";
}

std::optional<std::string> readWholeFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// Checks the checkpoint's signature, its origin and the log's first records against its root; "" when
// all hold, else the problem.
std::string verifyCheckpoint(const std::string& note, const LogFlags& flags, const decision::TrustedKeys& keys,
                             const decision::LogVerification& chain, std::uint64_t& covered) {
  Result<decision::Checkpoint> checkpoint = decision::openCheckpoint(note, keys);
  if (!checkpoint) return checkpoint.error().message;
  if (checkpoint->origin != chain.origin) {
    return "checkpoint is of origin \"" + checkpoint->origin + "\", the log of origin \"" + chain.origin + "\"";
  }
  std::ifstream log(flags.log, std::ios::binary);
  std::string problem = decision::checkLogAgainstCheckpoint(log, *checkpoint);
  covered = checkpoint->size;
  return problem;
}

int runVerify(const LogFlags& flags, std::ostream& out, std::ostream& err) {
  if (flags.log.empty() || flags.trust.empty()) return logUsageError(err, "verify needs --log and --trust");
  if (!flags.seq.empty()) return logUsageError(err, "--seq belongs to prove, not verify");
  Result<decision::TrustedKeys> keys = decision::TrustedKeys::fromPemFile(flags.trust);
  if (!keys) {
    err << "agentguard log verify: " << keys.error().message << '\n';
    return kExitLogUsage;
  }
  std::optional<std::string> note;
  if (!flags.checkpoint.empty() && !(note = readWholeFile(flags.checkpoint))) {
    err << "agentguard log verify: checkpoint " << flags.checkpoint << " could not be opened\n";
    return kExitLogUsage;
  }
  std::ifstream log(flags.log, std::ios::binary);
  if (!log) {
    err << "agentguard log verify: decision log " << flags.log << " could not be opened\n";
    return kExitLogUsage;
  }
  const decision::LogVerification result = decision::verifyDecisionLog(log, *keys);
  if (!result.ok) {
    err << flags.log << ':' << result.badLine << ": " << result.problem << " (" << result.records
        << " records before it verified)\n";
    return kExitLogBroken;
  }
  std::uint64_t covered = 0;
  if (note) {
    if (const std::string problem = verifyCheckpoint(*note, flags, *keys, result, covered); !problem.empty()) {
      err << flags.log << ": checkpoint " << flags.checkpoint << ": " << problem << '\n';
      return kExitLogBroken;
    }
  }
  out << flags.log << ": " << result.records << " records from origin \"" << result.origin
      << "\" verified (signatures, seq 0.." << result.records - 1 << ", prev chain";
  if (note) out << ", Merkle root of the first " << covered << " against the checkpoint";
  out << ")\n";
  return kExitLogVerified;
}

// The leaf hashes of the log's first `count` complete lines; fewer when the log is shorter.
std::vector<std::string> leafHashesOf(const std::string& path, std::uint64_t count) {
  std::vector<std::string> leaves;
  std::ifstream log(path, std::ios::binary);
  std::string line;
  while (leaves.size() < count && std::getline(log, line) && !log.eof()) leaves.push_back(decision::merkleLeafHash(line));
  return leaves;
}

int runProve(const LogFlags& flags, std::ostream& out, std::ostream& err) {
  if (flags.log.empty() || flags.seq.empty()) return logUsageError(err, "prove needs --log and --seq");
  if (!flags.trust.empty()) return logUsageError(err, "prove takes no --trust; whoever checks the proof uses theirs");
  std::uint64_t seq = 0;
  const auto [end, parsed] = std::from_chars(flags.seq.data(), flags.seq.data() + flags.seq.size(), seq);
  if (parsed != std::errc() || end != flags.seq.data() + flags.seq.size()) {
    return logUsageError(err, "--seq needs a record number (0, 1, ...)");
  }
  const std::string checkpointPath = flags.checkpoint.empty() ? flags.log + ".checkpoint" : flags.checkpoint;
  const std::optional<std::string> note = readWholeFile(checkpointPath);
  if (!note) {
    err << "agentguard log prove: checkpoint " << checkpointPath << " could not be opened\n";
    return kExitLogUsage;
  }
  Result<decision::Checkpoint> checkpoint = decision::parseCheckpointNote(*note);
  if (!checkpoint) {
    err << "agentguard log prove: " << checkpointPath << ": " << checkpoint.error().message << '\n';
    return kExitLogBroken;
  }
  if (seq >= checkpoint->size) {
    err << "agentguard log prove: record " << seq << " is not covered by " << checkpointPath << " (records 0.."
        << static_cast<std::int64_t>(checkpoint->size) - 1 << "); prove it after the next checkpoint\n";
    return kExitLogBroken;
  }
  const std::vector<std::string> leaves = leafHashesOf(flags.log, checkpoint->size);
  if (leaves.size() < checkpoint->size || decision::merkleRoot(leaves) != checkpoint->rootHash) {
    err << "agentguard log prove: " << flags.log << " does not match " << checkpointPath
        << " (truncated or edited); run `agentguard log verify --checkpoint`\n";
    return kExitLogBroken;
  }
  out << decision::tlogProofText(seq, decision::merkleInclusionProof(leaves, seq), *note);
  return kExitLogVerified;
}

}  // namespace

int runLog(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto isHelp = [](const std::string& arg) { return arg == "-h" || arg == "--help"; };
  if (!args.empty() && (isHelp(args[0]) || args[0] == "help" || std::any_of(args.begin() + 1, args.end(), isHelp))) {
    out << kLogUsage;
    return kExitLogVerified;
  }
  if (args.empty() || (args[0] != "verify" && args[0] != "prove")) {
    return logUsageError(err, "the log subcommands are verify and prove");
  }
  LogFlags flags;
  if (const std::string problem = parseLogFlags(args, flags); !problem.empty()) return logUsageError(err, problem);
  return args[0] == "verify" ? runVerify(flags, out, err) : runProve(flags, out, err);
}

}  // namespace agentguard::cli

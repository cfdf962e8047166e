#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace agentguard::cli {

// Exit status of `agentguard log verify`: 0 only when every line verifies.
constexpr int kExitLogVerified = 0;
constexpr int kExitLogBroken = 1;  // a line or the checkpoint failed: edited, reordered, removed, replayed or truncated
constexpr int kExitLogUsage = 2;   // usage error, unreadable log or trust file

// `agentguard log verify --log FILE --trust PEM_FILE [--checkpoint FILE]` (args after "log"): checks a
// decision log's signatures, seq continuity and prev chain, and against a signed checkpoint its Merkle
// root (docs/decision-log.md); names the first bad line or what the checkpoint shows.
// `agentguard log prove --log FILE --seq N [--checkpoint FILE]`: prints a c2sp.org/tlog-proof@v1
// inclusion proof of record N (exit 0), or why it cannot (1), or a usage problem (2).
int runLog(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace agentguard::cli

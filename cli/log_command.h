#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace agentguard::cli {

// Exit status of `agentguard log verify`: 0 only when every line verifies.
constexpr int kExitLogVerified = 0;
constexpr int kExitLogBroken = 1;  // a line failed: edited, reordered, removed, replayed or truncated
constexpr int kExitLogUsage = 2;   // usage error, unreadable log or trust file

// `agentguard log verify --log FILE --trust PEM_FILE` (args after "log"): checks a decision log's
// signatures, seq continuity and prev chain (docs/decision-log.md) and names the first bad line.
int runLog(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace agentguard::cli

#pragma once

#include <cstdint>
#include <istream>
#include <string>

#include "common/decision/checkpoint.h"
#include "common/decision/ed25519_keys.h"

namespace agentguard::decision {

// The outcome of reading a decision log from its first line.
struct LogVerification {
  bool ok = false;
  std::uint64_t records = 0;  // lines that verified before the first bad one
  std::uint64_t badLine = 0;  // 1-based; 0 when ok
  std::string problem;        // what is wrong with badLine
  std::string origin;         // the writer the log belongs to
  std::string lastPayloadDigest;  // hex SHA-256 of the last good payload (what the next prev must be)
};

// Checks every line of a .dsse.jsonl decision log: each is a DSSE envelope of an in-toto statement
// signed by one of `keys`; all records come from one origin; seq runs 0, 1, 2, ... without a gap; each
// prev is the SHA-256 of the previous payload; the file ends with a newline. Stops at the first bad line.
LogVerification verifyDecisionLog(std::istream& log, const TrustedKeys& keys);

// Recomputes the RFC 6962 root of the first `checkpoint.size` lines of `log` and compares it with the
// checkpoint's (whose signature the caller has checked with openCheckpoint). "" when they match, else
// what is wrong: the log holds fewer records (truncated) or the first records were edited or replaced.
std::string checkLogAgainstCheckpoint(std::istream& log, const Checkpoint& checkpoint);

}  // namespace agentguard::decision

#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/decision/decision_statement.h"
#include "common/decision/ed25519_keys.h"
#include "common/result/result.h"

namespace agentguard::decision {

// Appends one signed DSSE envelope per line to a .dsse.jsonl file, chaining each record to the one
// before (seq + 1, prev = SHA-256 of the previous payload). On open it reads the file and resumes after
// its last record, so a restarted writer continues the chain; a file whose records do not verify
// against the writer's own key, or that ends mid-line, is refused rather than continued.
// Thread-safe: the webhook answers requests concurrently and the chain needs one order.
class DecisionLogWriter {
 public:
  static Result<std::unique_ptr<DecisionLogWriter>> open(const std::string& path, SigningKey&& key,
                                                         std::string origin);
  ~DecisionLogWriter();
  DecisionLogWriter(const DecisionLogWriter&) = delete;
  DecisionLogWriter& operator=(const DecisionLogWriter&) = delete;

  // Signs and appends the record; returns "sha256:<hex>" of the envelope line (without its newline),
  // the digest the webhook puts into auditAnnotations. Unavailable when the line could not be written
  // in full; the chain then stays where it was.
  Result<std::string> append(const Decision& decision);

  std::uint64_t nextSeq() const;

 private:
  DecisionLogWriter(int fd, std::string path, SigningKey&& key, std::string origin)
      : fd_(fd), path_(std::move(path)), key_(std::move(key)), origin_(std::move(origin)) {}

  int fd_;
  std::string path_;
  SigningKey key_;
  std::string origin_;
  mutable std::mutex mutex_;
  std::uint64_t nextSeq_ = 0;  // guarded by mutex_
  std::string prev_;           // guarded by mutex_
};

}  // namespace agentguard::decision

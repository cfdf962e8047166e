#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/decision/decision_statement.h"
#include "common/decision/ed25519_keys.h"
#include "common/decision/merkle_tree.h"
#include "common/result/result.h"

namespace agentguard::decision {

// When the writer signs a checkpoint of its log (docs/decision-log.md): after `everyRecords` new records,
// or at the first record `every` after the last checkpoint, and when it is closed.
struct CheckpointPolicy {
  std::uint64_t everyRecords = 1000;
  std::chrono::seconds every{10};
  std::function<std::chrono::steady_clock::time_point()> now = [] { return std::chrono::steady_clock::now(); };
};

// Appends one signed DSSE envelope per line to a .dsse.jsonl file, chaining each record to the one
// before (seq + 1, prev = SHA-256 of the previous payload). On open it reads the file and resumes after
// its last record, so a restarted writer continues the chain; a file whose records do not verify
// against the writer's own key, or that ends mid-line, is refused rather than continued.
// It keeps an RFC 6962 Merkle tree over the lines and writes signed checkpoints of it to
// `<path>.checkpoint` (replaced atomically); a file shorter than that checkpoint, or whose first records
// no longer hash to its root, is refused as well.
// Thread-safe: the webhook answers requests concurrently and the chain needs one order.
class DecisionLogWriter {
 public:
  static Result<std::unique_ptr<DecisionLogWriter>> open(const std::string& path, SigningKey&& key,
                                                         std::string origin, CheckpointPolicy policy = {});
  ~DecisionLogWriter();
  DecisionLogWriter(const DecisionLogWriter&) = delete;
  DecisionLogWriter& operator=(const DecisionLogWriter&) = delete;

  // Signs and appends the record; returns "sha256:<hex>" of the envelope line (without its newline),
  // the digest the webhook puts into auditAnnotations. Unavailable when the line could not be written
  // in full; the chain then stays where it was.
  Result<std::string> append(const Decision& decision);

  std::uint64_t nextSeq() const;

  // Signs a checkpoint of every record written so far and replaces `<path>.checkpoint` with it, after
  // syncing the log so the checkpoint never covers records a crash could lose. append() calls it per
  // the policy and retries at the next record when it fails; the destructor calls it last.
  Status writeCheckpoint();

 private:
  DecisionLogWriter(int fd, std::string path, SigningKey&& key, std::string origin, CheckpointPolicy policy)
      : fd_(fd), path_(std::move(path)), key_(std::move(key)), origin_(std::move(origin)), policy_(std::move(policy)) {}
  Status writeCheckpointLocked();

  int fd_;
  std::string path_;
  SigningKey key_;
  std::string origin_;
  CheckpointPolicy policy_;
  mutable std::mutex mutex_;
  std::uint64_t nextSeq_ = 0;  // guarded by mutex_
  std::string prev_;           // guarded by mutex_
  MerkleFrontier tree_;        // guarded by mutex_; one leaf per line of the file
  std::uint64_t checkpointedSize_ = 0;                       // guarded by mutex_
  std::chrono::steady_clock::time_point checkpointedAt_;     // guarded by mutex_
};

}  // namespace agentguard::decision

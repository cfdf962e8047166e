#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/decision/checkpoint.h"
#include "common/time/clock.h"
#include "common/decision/decision_statement.h"
#include "common/decision/ed25519_keys.h"
#include "common/decision/merkle_tree.h"
#include "common/result/result.h"

namespace agentguard::decision {

// When the writer signs a checkpoint of its log (docs/decision-log.md): after `everyRecords` new records,
// or at the first record `every` after the last checkpoint, and when it is closed.
struct CheckpointPolicy {
  std::uint64_t everyRecords = 1000;
  std::chrono::milliseconds every{10000};
  const time::Clock* clock = &time::systemClock();  // its steady now() times `every`
  // Called with each checkpoint and its signed note once `<path>.checkpoint` holds it (to copy it where
  // the writer cannot rewrite it: CheckpointPublisher). Must not block.
  std::function<void(const Checkpoint&, const std::string& note)> published = nullptr;
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
  // Signs and appends the records in order with one write(), then checkpoints when one is due; one
  // result per record. When the write fails every record of the batch fails and the chain stays where
  // it was; a record whose statement cannot be built fails alone. Records are not synced: see sync().
  // With `checkpointNow` false a due checkpoint is left to the next checkpointIfDue() (the queue's sync
  // thread), so the thread that writes records never waits for a sync.
  std::vector<Result<std::string>> appendBatch(std::span<const Decision> decisions, bool checkpointNow = true);
  // Makes every record written so far durable (fdatasync); the queue in front of the writer calls it
  // every few records or milliseconds rather than once per record.
  Status sync();
  // Writes a checkpoint when records were added since the last one and the policy's interval has passed
  // (or the last one failed), so a log that went quiet is still checkpointed; OK when none is due.
  Status checkpointIfDue();

  std::uint64_t nextSeq() const;

  // Signs a checkpoint of every record written so far and replaces `<path>.checkpoint` with it, after
  // syncing the log so the checkpoint never covers records a crash could lose. append() calls it per
  // the policy and retries at the next record when it fails; the destructor calls it last. The disk
  // work runs outside the lock appends take, so only the record that triggers it waits for it.
  Status writeCheckpoint();

 private:
  DecisionLogWriter(int fd, int syncFd, std::string path, SigningKey&& key, std::string origin, CheckpointPolicy policy)
      : fd_(fd), syncFd_(syncFd), path_(std::move(path)), key_(std::move(key)), origin_(std::move(origin)),
        policy_(std::move(policy)) {}
  // Writes the record under mutex_; sets `due` to the tree head to checkpoint when one is due.
  std::vector<Result<std::string>> appendRecords(std::span<const Decision> decisions, bool checkpointNow,
                                                 std::optional<Checkpoint>& due);
  bool checkpointDueLocked() const;
  Checkpoint takeCheckpointLocked();
  // Syncs the log and replaces the checkpoint file with `checkpoint` signed, unless a larger one is
  // already there. Takes publishMutex_, then mutex_ only to mark a failure; nothing takes publishMutex_
  // while holding mutex_.
  Status publish(const Checkpoint& checkpoint);

  int fd_;
  const int syncFd_;  // a dup of fd_ for fdatasync outside mutex_ (fd_ is closed after a torn write)
  std::string path_;
  SigningKey key_;
  std::string origin_;
  CheckpointPolicy policy_;
  mutable std::mutex mutex_;
  std::uint64_t nextSeq_ = 0;  // guarded by mutex_
  std::string prev_;           // guarded by mutex_
  MerkleFrontier tree_;        // guarded by mutex_; one leaf per line of the file
  std::uint64_t checkpointedSize_ = 0;                    // guarded by mutex_: size of the last head taken
  std::chrono::steady_clock::time_point checkpointedAt_;  // guarded by mutex_
  bool checkpointFailed_ = false;                         // guarded by mutex_: retry at the next record
  std::mutex publishMutex_;     // serializes publish(); taken before mutex_, never after
  std::uint64_t publishedSize_ = 0;  // guarded by publishMutex_
};

}  // namespace agentguard::decision

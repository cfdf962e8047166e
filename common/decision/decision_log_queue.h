#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/decision/decision_log_writer.h"
#include "common/result/result.h"

namespace agentguard::decision {

// What the webhook answers when a decision record cannot be written (--decision-log-on-failure).
enum class OnRecordFailure {
  kDeny,   // refuse the request: an unrecorded admission is not allowed (fail closed; the default)
  kAllow,  // answer as decided, without a record; logged and counted
};

struct DecisionLogQueueOptions {
  // Records waiting for the writer thread; one more is refused at once (dropped).
  std::size_t capacity = 4096;
  // How long a request waits for its record to be written before it is answered without one.
  std::chrono::milliseconds waitForRecord{1000};
  // fdatasync after this many records written, or this long after the first unsynced one.
  std::uint64_t syncEveryRecords = 512;
  std::chrono::milliseconds syncEvery{50};
  // The longest the thread sleeps when idle: how late a due time-based checkpoint can be.
  std::chrono::milliseconds idleWake{200};
};

// Running totals for the metrics (agentguard_decision_log_*).
struct DecisionLogStats {
  std::uint64_t written = 0;        // records written (not necessarily synced yet)
  std::uint64_t writeFailures = 0;  // records whose write failed
  std::uint64_t syncFailures = 0;   // fdatasync or checkpoint failures
  std::uint64_t droppedQueueFull = 0;
  std::uint64_t droppedTimeout = 0;  // requests that stopped waiting for their record
  std::size_t queueDepth = 0;
};

// A bounded queue between the threads that answer admission requests and the one thread that signs
// and writes the decision log, so a slow or failing disk costs a request at most `waitForRecord` and
// never blocks the others behind a lock. The writer thread writes what it finds queued in one batch (one
// write()); a second thread fdatasyncs every `syncEveryRecords` records or `syncEvery` and writes the
// checkpoints (also the time-based ones, so a log that went quiet is checkpointed too), so no request
// waits for a sync. The destructor writes what is queued, syncs and stops both threads.
class DecisionLogQueue {
 public:
  DecisionLogQueue(DecisionLogWriter& writer, DecisionLogQueueOptions options = {});
  ~DecisionLogQueue();
  DecisionLogQueue(const DecisionLogQueue&) = delete;
  DecisionLogQueue& operator=(const DecisionLogQueue&) = delete;

  // Queues the record and waits for it to be written; returns the envelope digest as
  // DecisionLogWriter::append does. Unavailable when the queue is full, the write failed, or the wait
  // ran out; in the last case the record may still be written after the caller has given up on it.
  Result<std::string> record(Decision decision);

  DecisionLogStats stats() const;

 private:
  struct Pending {
    Decision decision;
    std::promise<Result<std::string>> written;
    std::atomic<bool> abandoned{false};
  };
  using PendingPtr = std::shared_ptr<Pending>;

  void run();
  void writeBatch(std::deque<PendingPtr>& batch);
  void runSync();

  DecisionLogWriter& writer_;
  const DecisionLogQueueOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<PendingPtr> queue_;  // guarded by mutex_
  bool stopping_ = false;         // guarded by mutex_
  // The sync thread's: records written since the last fdatasync, and when the first of them was.
  std::mutex syncMutex_;
  std::condition_variable syncWake_;
  std::uint64_t unsynced_ = 0;                         // guarded by syncMutex_
  std::chrono::steady_clock::time_point firstUnsynced_;  // guarded by syncMutex_
  bool syncStopping_ = false;                          // guarded by syncMutex_
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> writeFailures_{0};
  std::atomic<std::uint64_t> syncFailures_{0};
  std::atomic<std::uint64_t> droppedQueueFull_{0};
  std::atomic<std::uint64_t> droppedTimeout_{0};
  std::thread syncThread_;  // fdatasync and checkpoints, so the writer never waits for the disk to sync
  std::thread thread_;      // last: started once everything above exists
};

}  // namespace agentguard::decision

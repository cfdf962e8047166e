#include "common/decision/decision_log_queue.h"

#include <vector>

namespace agentguard::decision {

DecisionLogQueue::DecisionLogQueue(DecisionLogWriter& writer, DecisionLogQueueOptions options)
    : writer_(writer), options_(options), syncThread_([this] { runSync(); }), thread_([this] { run(); }) {}

DecisionLogQueue::~DecisionLogQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  {
    std::lock_guard lock(syncMutex_);
    syncStopping_ = true;
  }
  syncWake_.notify_one();
  syncThread_.join();
}

Result<std::string> DecisionLogQueue::record(Decision decision) {
  auto pending = std::make_shared<Pending>();
  pending->decision = std::move(decision);
  std::future<Result<std::string>> written = pending->written.get_future();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return makeError(ErrorCode::kUnavailable, "the decision log is closing");
    if (queue_.size() >= options_.capacity) {
      droppedQueueFull_.fetch_add(1, std::memory_order_relaxed);
      return makeError(ErrorCode::kUnavailable, "the decision log queue is full (" + std::to_string(options_.capacity) +
                                                    " records wait for the disk)");
    }
    queue_.push_back(pending);
  }
  wake_.notify_one();
  if (written.wait_for(options_.waitForRecord) != std::future_status::ready) {
    pending->abandoned.store(true, std::memory_order_relaxed);
    droppedTimeout_.fetch_add(1, std::memory_order_relaxed);
    return makeError(ErrorCode::kUnavailable, "the decision record was not written within " +
                                                  std::to_string(options_.waitForRecord.count()) + "ms");
  }
  return written.get();
}

DecisionLogStats DecisionLogQueue::stats() const {
  DecisionLogStats stats;
  stats.written = written_.load(std::memory_order_relaxed);
  stats.writeFailures = writeFailures_.load(std::memory_order_relaxed);
  stats.syncFailures = syncFailures_.load(std::memory_order_relaxed);
  stats.droppedQueueFull = droppedQueueFull_.load(std::memory_order_relaxed);
  stats.droppedTimeout = droppedTimeout_.load(std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  stats.queueDepth = queue_.size();
  return stats;
}

void DecisionLogQueue::run() {
  for (;;) {
    std::deque<PendingPtr> batch;
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      batch.swap(queue_);
      stopping = stopping_;
    }
    if (!batch.empty()) {
      const std::uint64_t before = written_.load(std::memory_order_relaxed);
      writeBatch(batch);
      const std::uint64_t added = written_.load(std::memory_order_relaxed) - before;
      if (added > 0) {
        bool due = false;
        {
          std::lock_guard lock(syncMutex_);
          if (unsynced_ == 0) firstUnsynced_ = std::chrono::steady_clock::now();
          unsynced_ += added;
          due = unsynced_ >= options_.syncEveryRecords;
        }
        if (due) syncWake_.notify_one();
      }
    }
    if (stopping) {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) return;
    }
  }
}

void DecisionLogQueue::runSync() {
  using Clock = std::chrono::steady_clock;
  for (;;) {
    bool sync = false;
    bool stopping = false;
    {
      std::unique_lock lock(syncMutex_);
      const auto syncDue = [this] {
        return unsynced_ >= options_.syncEveryRecords || (unsynced_ > 0 && Clock::now() - firstUnsynced_ >= options_.syncEvery);
      };
      const auto wakeAt = unsynced_ > 0 ? firstUnsynced_ + options_.syncEvery : Clock::now() + options_.idleWake;
      syncWake_.wait_until(lock, wakeAt, [&] { return syncStopping_ || syncDue(); });
      stopping = syncStopping_;
      sync = unsynced_ > 0 && (stopping || syncDue());
      if (sync) unsynced_ = 0;
    }
    if (sync && !writer_.sync()) syncFailures_.fetch_add(1, std::memory_order_relaxed);
    if (!writer_.checkpointIfDue()) syncFailures_.fetch_add(1, std::memory_order_relaxed);
    if (stopping) return;
  }
}

void DecisionLogQueue::writeBatch(std::deque<PendingPtr>& batch) {
  // A request that stopped waiting has been answered without its record: writing it now would record
  // an answer it did not get.
  std::vector<PendingPtr> live;
  std::vector<Decision> decisions;
  for (PendingPtr& pending : batch) {
    if (pending->abandoned.load(std::memory_order_relaxed)) continue;
    decisions.push_back(std::move(pending->decision));
    live.push_back(std::move(pending));
  }
  if (live.empty()) return;
  std::vector<Result<std::string>> digests = writer_.appendBatch(decisions, /*checkpointNow=*/false);
  for (std::size_t i = 0; i < live.size(); ++i) {
    (digests[i] ? written_ : writeFailures_).fetch_add(1, std::memory_order_relaxed);
    live[i]->written.set_value(std::move(digests[i]));
  }
}

}  // namespace agentguard::decision

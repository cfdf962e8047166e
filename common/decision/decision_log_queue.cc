#include "common/decision/decision_log_queue.h"

#include <vector>

namespace agentguard::decision {

DecisionLogQueue::DecisionLogQueue(DecisionLogWriter& writer, DecisionLogQueueOptions options)
    : writer_(writer), options_(options), thread_([this] { run(); }) {}

DecisionLogQueue::~DecisionLogQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
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
  using Clock = std::chrono::steady_clock;
  std::uint64_t unsynced = 0;
  Clock::time_point firstUnsynced;
  for (;;) {
    std::deque<PendingPtr> batch;
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      const auto wakeAt = unsynced > 0 ? firstUnsynced + options_.syncEvery : Clock::now() + options_.idleWake;
      wake_.wait_until(lock, wakeAt, [this] { return !queue_.empty() || stopping_; });
      batch.swap(queue_);
      stopping = stopping_;
    }
    if (!batch.empty()) {
      const std::uint64_t before = written_.load(std::memory_order_relaxed);
      writeBatch(batch);
      const std::uint64_t added = written_.load(std::memory_order_relaxed) - before;
      if (unsynced == 0 && added > 0) firstUnsynced = Clock::now();
      unsynced += added;
    }
    if (unsynced > 0 && (unsynced >= options_.syncEveryRecords || Clock::now() - firstUnsynced >= options_.syncEvery || stopping)) {
      if (!writer_.sync()) syncFailures_.fetch_add(1, std::memory_order_relaxed);
      unsynced = 0;
    }
    if (!writer_.checkpointIfDue()) syncFailures_.fetch_add(1, std::memory_order_relaxed);
    if (stopping) {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) return;
    }
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
  std::vector<Result<std::string>> digests = writer_.appendBatch(decisions);
  for (std::size_t i = 0; i < live.size(); ++i) {
    (digests[i] ? written_ : writeFailures_).fetch_add(1, std::memory_order_relaxed);
    live[i]->written.set_value(std::move(digests[i]));
  }
}

}  // namespace agentguard::decision

#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/decision/checkpoint.h"
#include "common/result/result.h"

namespace agentguard::decision {

// Somewhere a decision log's signed checkpoints are copied to, out of the writer's reach, so a log cut
// or rewritten together with its `<log>.checkpoint` is still caught (docs/decision-log.md, "Publishing
// checkpoints").
class CheckpointSink {
 public:
  virtual ~CheckpointSink() = default;
  // For logs: "file /var/lib/...", "https://...", "ConfigMap ns/name".
  virtual std::string describe() const = 0;
  // Publishes one checkpoint and its signed note. Unavailable (or the client's error) when it failed.
  virtual Status publish(const Checkpoint& checkpoint, std::string_view note) = 0;
};
using CheckpointSinkPtr = std::unique_ptr<CheckpointSink>;

// Appends each note, followed by an empty line, to a file opened O_APPEND and fsyncs it: a file that
// only grows, so it can live where appending is all the writer may do (chattr +a, a WORM volume).
class FileCheckpointSink final : public CheckpointSink {
 public:
  explicit FileCheckpointSink(std::string path) : path_(std::move(path)) {}
  std::string describe() const override { return "file " + path_; }
  Status publish(const Checkpoint& checkpoint, std::string_view note) override;

 private:
  std::string path_;
};

// Hands checkpoints to the sinks on its own thread, so a slow or unreachable sink never holds up the
// log. Only the newest checkpoint matters (it covers every record the older ones do): one offered
// while a sink is busy supersedes those it has not sent yet. A sink that failed is retried after
// `retryAfter`, with the newest checkpoint by then.
class CheckpointPublisher {
 public:
  struct Options {
    std::chrono::milliseconds retryAfter{5000};
    // Called on the publisher's thread for every failure (to log it).
    std::function<void(const CheckpointSink&, const Error&)> onFailure = [](const CheckpointSink&, const Error&) {};
  };
  struct Stats {
    std::uint64_t published = 0;  // checkpoints a sink accepted, summed over the sinks
    std::uint64_t failures = 0;
  };

  CheckpointPublisher(std::vector<CheckpointSinkPtr> sinks, Options options);
  // Gives every sink one last try with the newest checkpoint, then stops.
  ~CheckpointPublisher();
  CheckpointPublisher(const CheckpointPublisher&) = delete;
  CheckpointPublisher& operator=(const CheckpointPublisher&) = delete;

  // Never blocks on a sink.
  void offer(const Checkpoint& checkpoint, std::string note);
  Stats stats() const;

 private:
  struct Offered {
    Checkpoint checkpoint;
    std::string note;
  };
  void run();

  std::vector<CheckpointSinkPtr> sinks_;
  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<Offered> newest_;  // guarded by mutex_
  bool stopping_ = false;          // guarded by mutex_
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace agentguard::decision

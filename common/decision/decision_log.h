#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/decision/checkpoint_sink.h"
#include "common/decision/decision_log_queue.h"
#include "common/decision/decision_log_writer.h"
#include "common/log/logger.h"
#include "common/result/result.h"

namespace agentguard::decision {

struct DecisionLogOptions {
  std::string file;    // the .dsse.jsonl file
  std::string origin;  // the writer's identity in its records and checkpoints: the host (Pod) name
  CheckpointPolicy checkpoints;  // when to checkpoint; its `published` is set here when there are sinks
  // Where each checkpoint is copied (beside `<file>.checkpoint`, which the writer keeps); none: nowhere.
  std::vector<CheckpointSinkPtr> checkpointSinks;
  DecisionLogQueueOptions queue;
};

// A decision log as the webhook and the gate each run one: the signed, chained writer, the queue
// requests wait on, and the publisher of its checkpoints when they go anywhere. Members are destroyed
// in the one safe order: the queue drains into the writer, whose last checkpoint reaches the publisher.
class DecisionLog {
 public:
  // Opens (or resumes) the file; an error names what failed (the key, the file, a chain that does not verify).
  // A checkpoint a sink refused is logged as a warning to `logger`, which must outlive the log.
  static Result<std::unique_ptr<DecisionLog>> open(SigningKey&& key, DecisionLogOptions options, log::Logger& logger);
  DecisionLog(const DecisionLog&) = delete;
  DecisionLog& operator=(const DecisionLog&) = delete;

  DecisionLogQueue& queue() { return *queue_; }
  const DecisionLogQueue& queue() const { return *queue_; }
  std::uint64_t nextSeq() const { return writer_->nextSeq(); }
  // Null when the checkpoints go nowhere but `<file>.checkpoint`.
  const CheckpointPublisher* publisher() const { return publisher_ ? &*publisher_ : nullptr; }

 private:
  DecisionLog() = default;

  std::optional<CheckpointPublisher> publisher_;
  std::unique_ptr<DecisionLogWriter> writer_;
  std::optional<DecisionLogQueue> queue_;
};

}  // namespace agentguard::decision

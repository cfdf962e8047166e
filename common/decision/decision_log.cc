#include "common/decision/decision_log.h"

namespace agentguard::decision {

Result<std::unique_ptr<DecisionLog>> DecisionLog::open(SigningKey&& key, DecisionLogOptions options,
                                                       log::Logger& logger) {
  std::unique_ptr<DecisionLog> log(new DecisionLog());
  if (!options.checkpointSinks.empty()) {
    log->publisher_.emplace(std::move(options.checkpointSinks),
                            CheckpointPublisher::Options{.onFailure = [&logger](const CheckpointSink& sink, const Error& error) {
                              logger.warn("Failed to publish a decision log checkpoint",
                                          {{"sink", sink.describe()}, {"error", error.message}});
                            }});
    // The log is on the heap and outlives its writer, which calls this.
    options.checkpoints.published = [publisher = &*log->publisher_](const Checkpoint& checkpoint,
                                                                    const std::string& note) {
      publisher->offer(checkpoint, note);
    };
  }
  auto writer = DecisionLogWriter::open(options.file, std::move(key), options.origin, std::move(options.checkpoints));
  if (!writer) return writer.error();
  log->writer_ = std::move(*writer);
  log->queue_.emplace(*log->writer_, options.queue);
  return log;
}

}  // namespace agentguard::decision

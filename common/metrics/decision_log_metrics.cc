#include "common/metrics/decision_log_metrics.h"

#include <cstdint>

namespace agentguard::metrics {
namespace {

void addSince(prometheus::Counter& counter, std::uint64_t now, std::uint64_t& counted) {
  if (now > counted) counter.Increment(static_cast<double>(now - counted));
  counted = now;
}

}  // namespace

DecisionLogMetrics::DecisionLogMetrics(prometheus::Registry& registry)
    : written_(prometheus::BuildCounter()
                   .Name("agentguard_decision_log_records_written_total")
                   .Help("Signed decision records written to the decision log")
                   .Register(registry)
                   .Add({})),
      failures_(prometheus::BuildCounter()
                    .Name("agentguard_decision_log_write_failures_total")
                    .Help("Decision records that could not be written (stage write), and failed syncs or "
                          "checkpoints (stage sync)")
                    .Register(registry)),
      writeFailures_(failures_.Add({{"stage", "write"}})),
      syncFailures_(failures_.Add({{"stage", "sync"}})),
      dropped_(prometheus::BuildCounter()
                   .Name("agentguard_decision_log_dropped_total")
                   .Help("Requests answered without their decision record, by reason: the queue was full, or "
                         "the record was not written within --decision-log-wait")
                   .Register(registry)),
      droppedQueueFull_(dropped_.Add({{"reason", "queue_full"}})),
      droppedTimeout_(dropped_.Add({{"reason", "timeout"}})),
      queueDepth_(prometheus::BuildGauge()
                      .Name("agentguard_decision_log_queue_depth")
                      .Help("Decision records waiting for the log's writer thread")
                      .Register(registry)
                      .Add({})),
      checkpointsPublished_(prometheus::BuildCounter()
                                .Name("agentguard_decision_log_checkpoints_published_total")
                                .Help("Signed checkpoints a checkpoint sink accepted, summed over the sinks")
                                .Register(registry)
                                .Add({})),
      publishFailures_(prometheus::BuildCounter()
                           .Name("agentguard_decision_log_checkpoint_publish_failures_total")
                           .Help("Attempts to publish a checkpoint to a sink that failed (retried)")
                           .Register(registry)
                           .Add({})) {}

void DecisionLogMetrics::observe(const decision::DecisionLog& log) {
  observe(log.queue().stats());
  if (log.publisher() != nullptr) observePublisher(log.publisher()->stats());
}

void DecisionLogMetrics::observe(const decision::DecisionLogStats& stats) {
  std::lock_guard lock(mutex_);
  const auto add = addSince;
  add(written_, stats.written, counted_.written);
  add(writeFailures_, stats.writeFailures, counted_.writeFailures);
  add(syncFailures_, stats.syncFailures, counted_.syncFailures);
  add(droppedQueueFull_, stats.droppedQueueFull, counted_.droppedQueueFull);
  add(droppedTimeout_, stats.droppedTimeout, counted_.droppedTimeout);
  queueDepth_.Set(static_cast<double>(stats.queueDepth));
}

void DecisionLogMetrics::observePublisher(const decision::CheckpointPublisher::Stats& stats) {
  std::lock_guard lock(mutex_);
  addSince(checkpointsPublished_, stats.published, countedPublisher_.published);
  addSince(publishFailures_, stats.failures, countedPublisher_.failures);
}

}  // namespace agentguard::metrics

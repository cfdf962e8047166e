#pragma once

#include <memory>
#include <mutex>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "common/decision/checkpoint_sink.h"
#include "common/decision/decision_log.h"
#include "common/decision/decision_log_queue.h"

namespace agentguard::metrics {

// The decision log's Prometheus metrics (docs/decision-log.md), registered beside the webhook's or the
// gate's when its log is on:
//   agentguard_decision_log_records_written_total
//   agentguard_decision_log_write_failures_total{stage="write|sync"}   sync: fdatasync or checkpoint
//   agentguard_decision_log_dropped_total{reason="queue_full|timeout"} requests answered without a record
//   agentguard_decision_log_queue_depth
//   agentguard_decision_log_checkpoints_published_total, ..._checkpoint_publish_failures_total
class DecisionLogMetrics {
 public:
  explicit DecisionLogMetrics(prometheus::Registry& registry);

  // Brings the metrics up to the log's running totals: its queue's and its checkpoint sinks' (call
  // before each scrape, or each second).
  void observe(const decision::DecisionLog& log);
  // Brings the metrics up to the queue's running totals.
  void observe(const decision::DecisionLogStats& stats);
  // The same for the checkpoint sinks (summed over the sinks).
  void observePublisher(const decision::CheckpointPublisher::Stats& stats);

 private:
  prometheus::Counter& written_;
  prometheus::Family<prometheus::Counter>& failures_;
  prometheus::Counter& writeFailures_;
  prometheus::Counter& syncFailures_;
  prometheus::Family<prometheus::Counter>& dropped_;
  prometheus::Counter& droppedQueueFull_;
  prometheus::Counter& droppedTimeout_;
  prometheus::Gauge& queueDepth_;
  prometheus::Counter& checkpointsPublished_;
  prometheus::Counter& publishFailures_;
  std::mutex mutex_;
  decision::DecisionLogStats counted_;  // the totals already counted
  decision::CheckpointPublisher::Stats countedPublisher_;
};

}  // namespace agentguard::metrics

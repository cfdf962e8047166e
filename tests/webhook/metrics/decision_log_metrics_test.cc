#include "webhook/metrics/decision_log_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include <prometheus/text_serializer.h>

namespace agentguard::webhook {
namespace {

using ::testing::HasSubstr;

TEST(DecisionLogMetricsTest, FollowTheQueuesRunningTotals) {
  prometheus::Registry registry;
  DecisionLogMetrics metrics(registry);
  decision::DecisionLogStats stats;
  stats.written = 7;
  stats.writeFailures = 1;
  stats.droppedQueueFull = 2;
  stats.queueDepth = 5;
  metrics.observe(stats);
  stats.written = 10;  // three more since the last look
  stats.syncFailures = 1;
  stats.droppedTimeout = 4;
  stats.queueDepth = 0;
  metrics.observe(stats);
  metrics.observe(stats);  // nothing new: nothing added
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry.Collect());
  const std::string text = out.str();
  EXPECT_THAT(text, HasSubstr("agentguard_decision_log_records_written_total 10"));
  EXPECT_THAT(text, HasSubstr(R"(agentguard_decision_log_write_failures_total{stage="write"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(agentguard_decision_log_write_failures_total{stage="sync"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(agentguard_decision_log_dropped_total{reason="queue_full"} 2)"));
  EXPECT_THAT(text, HasSubstr(R"(agentguard_decision_log_dropped_total{reason="timeout"} 4)"));
  EXPECT_THAT(text, HasSubstr("agentguard_decision_log_queue_depth 0"));
}

TEST(DecisionLogMetricsTest, CountCheckpointsPublishedAndFailedAttempts) {
  prometheus::Registry registry;
  DecisionLogMetrics metrics(registry);
  metrics.observePublisher({.published = 3, .failures = 1});
  metrics.observePublisher({.published = 5, .failures = 1});
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry.Collect());
  EXPECT_THAT(out.str(), HasSubstr("agentguard_decision_log_checkpoints_published_total 5"));
  EXPECT_THAT(out.str(), HasSubstr("agentguard_decision_log_checkpoint_publish_failures_total 1"));
}

}  // namespace
}  // namespace agentguard::webhook

#include "common/metrics/decision_log_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include <prometheus/text_serializer.h>

#include "common/log/logger.h"
#include "tests/common/decision/test_keys.h"
#include "tests/support/scratch_dir.h"

namespace agentguard::metrics {
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

// What the webhook and the gate call before a scrape: the totals of a real log, queue and sink together.
TEST(DecisionLogMetricsTest, ObserveALogReadsItsQueueAndItsCheckpointSinks) {
  const agentguard::testing::ScratchDir dir("decision-log-metrics");
  std::ostringstream logs;
  log::Logger logger(logs);
  std::vector<decision::CheckpointSinkPtr> sinks;
  sinks.push_back(std::make_unique<decision::FileCheckpointSink>((dir / "checkpoints").string()));
  auto log = decision::DecisionLog::open(decision::testing::newSigningKey(),
                                         {.file = (dir / "decisions.dsse.jsonl").string(),
                                          .origin = "replica-a",
                                          .checkpoints = {.everyRecords = 2},
                                          .checkpointSinks = std::move(sinks),
                                          .queue = {}},
                                         logger);
  ASSERT_TRUE(log.ok()) << log.error().describe();
  decision::Decision decision;
  decision.version = "v1";
  decision.kind = "Pod";
  decision.namespace_ = "agents";
  decision.action = "allow";
  for (const char* name : {"a", "b"}) {
    decision.name = name;
    ASSERT_TRUE((*log)->queue().record(decision).ok());
  }
  prometheus::Registry registry;
  DecisionLogMetrics metrics(registry);
  // The checkpoint after the second record is published by the log's sync thread: wait for it.
  for (int i = 0; i < 200 && (*log)->publisher()->stats().published == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  metrics.observe(**log);
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry.Collect());
  EXPECT_THAT(out.str(), HasSubstr("agentguard_decision_log_records_written_total 2"));
  EXPECT_THAT(out.str(), HasSubstr(R"(agentguard_decision_log_write_failures_total{stage="write"} 0)"));
  EXPECT_THAT(out.str(), HasSubstr("agentguard_decision_log_checkpoints_published_total 1"));
}

}  // namespace
}  // namespace agentguard::metrics

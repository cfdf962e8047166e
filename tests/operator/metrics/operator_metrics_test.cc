#include "operator/metrics/operator_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

namespace agentguard::op {
namespace {

std::string scrape(const OperatorMetrics& metrics) {
  auto families = metrics.registry()->Collect();
  for (auto& family : metrics.phaseCollector()->Collect()) families.push_back(family);
  return prometheus::TextSerializer().Serialize(families);
}

TEST(OperatorMetricsTest, ExposesTheNamedSeries) {
  OperatorMetrics metrics(std::make_shared<prometheus::Registry>());
  metrics.observeReconcile("success", 0.004);
  metrics.observeReconcile("error", 0.02);
  metrics.setQueueDepth(3);
  metrics.observePodCreation(0.8);
  metrics.setLeader(true);
  metrics.setPhaseSource([] { return std::map<std::string, int>{{"Running", 2}, {"Blocked", 1}}; });
  const std::string text = scrape(metrics);
  for (const char* expected :
       {"agentguard_operator_reconcile_total{result=\"success\"} 1", "agentguard_operator_reconcile_total{result=\"error\"} 1",
        "agentguard_operator_reconcile_total{result=\"requeue\"} 0", "agentguard_operator_reconcile_errors_total 1",
        "agentguard_operator_reconcile_duration_seconds_count 2", "agentguard_operator_workqueue_depth 3",
        "agentguard_sandbox_pod_creation_seconds_count 1", "agentguard_operator_leader 1",
        "agentguard_sandboxes{phase=\"Running\"} 2", "agentguard_sandboxes{phase=\"Blocked\"} 1",
        "agentguard_sandboxes{phase=\"Expired\"} 0"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
  EXPECT_EQ(metrics.reconcileCount("success"), 1);
}

}  // namespace
}  // namespace agentguard::op

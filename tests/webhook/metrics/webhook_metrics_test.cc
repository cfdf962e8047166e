#include "webhook/metrics/webhook_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace agentguard::webhook {
namespace {

using ::testing::HasSubstr;

ReviewOutcome outcome(std::string kind, std::string operation, Decision decision,
                      std::vector<std::string> denied = {}) {
  ReviewOutcome result;
  result.kind = std::move(kind);
  result.operation = std::move(operation);
  result.decision = decision;
  result.deniedRules = std::move(denied);
  return result;
}

TEST(WebhookMetricsTest, CountsViolationsByTheActionTheyTookAndShowsTheMode) {
  WebhookMetrics metrics;
  metrics.setEnforcementMode(EnforcementMode::kWarn);
  ReviewOutcome warned = outcome("Deployment", "CREATE", Decision::kWarn);
  warned.warnedRules = {"privilege.privileged-container"};
  metrics.observeReview(warned, 0.001);
  ReviewOutcome audited = outcome("Deployment", "CREATE", Decision::kAllow);
  audited.auditedRules = {"privilege.privileged-container"};
  metrics.observeReview(audited, 0.001);
  metrics.observeReview(audited, 0.001);
  metrics.observeReview(outcome("Pod", "CREATE", Decision::kDeny, {"exposure.host-port"}), 0.001);

  const std::string text = metrics.render();
  EXPECT_THAT(text, HasSubstr(R"(agentguard_admission_violations_total{action="warn",rule="privilege.privileged-container"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(agentguard_admission_violations_total{action="audit",rule="privilege.privileged-container"} 2)"));
  EXPECT_THAT(text, HasSubstr(R"(agentguard_admission_violations_total{action="deny",rule="exposure.host-port"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(agentguard_enforcement_mode{mode="warn"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(agentguard_enforcement_mode{mode="enforce"} 0)"));
  EXPECT_THAT(text, HasSubstr(R"(agentguard_enforcement_mode{mode="audit"} 0)"));
  metrics.setEnforcementMode(EnforcementMode::kEnforce);
  EXPECT_THAT(metrics.render(), HasSubstr(R"(agentguard_enforcement_mode{mode="enforce"} 1)"));
  EXPECT_THAT(metrics.render(), HasSubstr(R"(agentguard_enforcement_mode{mode="warn"} 0)"));
}

TEST(WebhookMetricsTest, CountsEachLabelSetInItsOwnSeries) {
  WebhookMetrics metrics;
  metrics.observeReview(outcome("Deployment", "CREATE", Decision::kAllow), 0.001);
  metrics.observeReview(outcome("Deployment", "CREATE", Decision::kAllow), 0.001);
  metrics.observeReview(outcome("Deployment", "UPDATE", Decision::kDeny, {"privilege.privileged-container"}), 0.002);
  metrics.observeReview(outcome("Pod", "CREATE", Decision::kDeny, {"privilege.privileged-container", "exposure.x"}),
                        0.002);
  metrics.observeReview(outcome("", "", Decision::kInvalid), 0.0001);
  metrics.observeReview(outcome("Pod", "CREATE", Decision::kError), 0.003);
  metrics.handlerError();

  const std::string text = metrics.render();
  EXPECT_THAT(
      text,
      HasSubstr(R"(agentguard_admission_requests_total{decision="allow",kind="Deployment",operation="CREATE"} 2)"));
  EXPECT_THAT(
      text,
      HasSubstr(R"(agentguard_admission_requests_total{decision="deny",kind="Deployment",operation="UPDATE"} 1)"));
  EXPECT_THAT(text,
              HasSubstr(R"(agentguard_admission_requests_total{decision="deny",kind="Pod",operation="CREATE"} 1)"));
  EXPECT_THAT(
      text,
      HasSubstr(R"(agentguard_admission_requests_total{decision="invalid",kind="unknown",operation="unknown"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(agentguard_admission_denials_total{rule="privilege.privileged-container"} 2)"));
  EXPECT_THAT(text, HasSubstr(R"(agentguard_admission_denials_total{rule="exposure.x"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(agentguard_admission_errors_total{stage="evaluation"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(agentguard_admission_errors_total{stage="handler"} 1)"));
  EXPECT_THAT(text, HasSubstr("agentguard_admission_duration_seconds_count 6"));
}

TEST(WebhookMetricsTest, CountsEveryRequestFromConcurrentThreads) {
  WebhookMetrics metrics;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Two kinds shared by every thread, so the first uses race to create the same series.
        metrics.observeReview(outcome(i % 2 == 0 ? "Pod" : "Service", "CREATE", Decision::kAllow), 0.001 * t);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const std::string text = metrics.render();
  EXPECT_THAT(text,
              HasSubstr(R"(agentguard_admission_requests_total{decision="allow",kind="Pod",operation="CREATE"} 1000)"));
  EXPECT_THAT(
      text,
      HasSubstr(R"(agentguard_admission_requests_total{decision="allow",kind="Service",operation="CREATE"} 1000)"));
}

}  // namespace
}  // namespace agentguard::webhook

namespace agentguard::webhook {
namespace {

TEST(WebhookMetricsTest, CountsServerRejectionsFromRunningTotals) {
  WebhookMetrics metrics;
  http::ServerStats stats;
  stats.rejectedTooLarge = 2;
  stats.rejectedMalformed = 3;
  stats.timedOut = 1;
  metrics.observeServer(stats);
  stats.rejectedMalformed = 5;  // two more since the last look
  stats.rejectedConnections = 4;
  metrics.observeServer(stats);
  metrics.observeServer(stats);  // nothing new: nothing added
  const std::string text = metrics.render();
  EXPECT_THAT(text, HasSubstr(R"(agentguard_http_rejected_total{reason="body_too_large"} 2)"));
  EXPECT_THAT(text, HasSubstr(R"(agentguard_http_rejected_total{reason="malformed"} 5)"));
  EXPECT_THAT(text, HasSubstr(R"(agentguard_http_rejected_total{reason="connection_limit"} 4)"));
  EXPECT_THAT(text, HasSubstr("agentguard_http_timeouts_total 1"));
}

}  // namespace
}  // namespace agentguard::webhook

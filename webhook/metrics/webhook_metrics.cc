#include "webhook/metrics/webhook_metrics.h"

#include <map>
#include <mutex>
#include <utility>

namespace agentguard::webhook {
namespace {

// From 100µs (a cached decision) to 2.5s (well past the API server's default 10s timeout budget share).
prometheus::Histogram::BucketBoundaries durationBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};
}

}  // namespace

WebhookMetrics::CounterChildren::CounterChildren(prometheus::Family<prometheus::Counter>& family,
                                                 std::vector<std::string> labelNames)
    : family_(family), labelNames_(std::move(labelNames)) {}

prometheus::Counter& WebhookMetrics::CounterChildren::at(std::initializer_list<std::string_view> values) {
  thread_local std::string key;
  key.clear();
  for (const std::string_view value : values) {
    key += value;
    key += '\0';
  }
  {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    if (const auto found = children_.find(key); found != children_.end()) return *found->second;
  }
  std::map<std::string, std::string> labels;
  auto name = labelNames_.begin();
  for (const std::string_view value : values) labels.emplace(*name++, std::string(value));
  std::unique_lock<std::shared_mutex> lock(mutex_);
  prometheus::Counter& child = family_.Add(labels);
  children_.emplace(key, &child);
  return child;
}

WebhookMetrics::WebhookMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("agentguard_admission_requests_total")
                    .Help("Admission requests answered, by kind, operation and decision")
                    .Register(*registry_),
                {"kind", "operation", "decision"}),
      denials_(prometheus::BuildCounter()
                   .Name("agentguard_admission_denials_total")
                   .Help("Admission requests refused, by violated rule")
                   .Register(*registry_),
               {"rule"}),
      violations_(prometheus::BuildCounter()
                      .Name("agentguard_admission_violations_total")
                      .Help("Admission requests with findings of a rule, by rule and the action they took under "
                            "the enforcement mode (deny, warn, audit)")
                      .Register(*registry_),
                  {"rule", "action"}),
      duration_(prometheus::BuildHistogram()
                    .Name("agentguard_admission_duration_seconds")
                    .Help("Time from a complete request body to the response, in seconds")
                    .Register(*registry_)
                    .Add({}, durationBuckets())),
      errors_(prometheus::BuildCounter()
                  .Name("agentguard_admission_errors_total")
                  .Help("Admission requests that failed inside the webhook and were refused")
                  .Register(*registry_)),
      evaluationErrors_(errors_.Add({{"stage", "evaluation"}})),
      handlerErrors_(errors_.Add({{"stage", "handler"}})),
      handshakeFailures_(prometheus::BuildCounter()
                             .Name("agentguard_tls_handshake_failures_total")
                             .Help("TLS handshakes that ended with a fatal alert")
                             .Register(*registry_)
                             .Add({})),
      reloads_(prometheus::BuildCounter()
                   .Name("agentguard_policy_reload_total")
                   .Help("Policy directory reloads, by result")
                   .Register(*registry_)),
      lastReloadSuccess_(prometheus::BuildGauge()
                             .Name("agentguard_policy_last_reload_success")
                             .Help("1 when the last policy reload compiled, 0 when it failed and the previous set "
                                   "stayed in force")
                             .Register(*registry_)
                             .Add({})),
      cacheSynced_(prometheus::BuildGauge()
                       .Name("agentguard_networkpolicy_cache_synced")
                       .Help("1 when the NetworkPolicy cache is synced and fresh enough to answer")
                       .Register(*registry_)
                       .Add({})),
      enforcementMode_(prometheus::BuildGauge()
                           .Name("agentguard_enforcement_mode")
                           .Help("1 for the enforcement mode in force (enforce, warn, audit), 0 for the others")
                           .Register(*registry_)),
      httpRejected_(prometheus::BuildCounter()
                        .Name("agentguard_http_rejected_total")
                        .Help("Requests and connections the HTTPS server refused before any handler ran, by reason")
                        .Register(*registry_)),
      httpTooLarge_(httpRejected_.Add({{"reason", "body_too_large"}})),
      httpMalformed_(httpRejected_.Add({{"reason", "malformed"}})),
      httpConnectionLimit_(httpRejected_.Add({{"reason", "connection_limit"}})),
      httpTimeouts_(prometheus::BuildCounter()
                        .Name("agentguard_http_timeouts_total")
                        .Help("Connections closed for missing a deadline (TLS handshake, request, response write)")
                        .Register(*registry_)
                        .Add({})) {
  // Both results exist from the start, so a rate() over them never starts from nothing.
  reloads_.Add({{"result", "success"}});
  reloads_.Add({{"result", "failure"}});
}

void WebhookMetrics::observeReview(const ReviewOutcome& outcome, double seconds) {
  requests_
      .at({outcome.kind.empty() ? "unknown" : outcome.kind, outcome.operation.empty() ? "unknown" : outcome.operation,
           decisionName(outcome.decision)})
      .Increment();
  for (const auto& rule : outcome.deniedRules) {
    denials_.at({rule}).Increment();
    violations_.at({rule, "deny"}).Increment();
  }
  for (const auto& rule : outcome.warnedRules) violations_.at({rule, "warn"}).Increment();
  for (const auto& rule : outcome.auditedRules) violations_.at({rule, "audit"}).Increment();
  if (outcome.decision == Decision::kError) evaluationErrors_.Increment();
  duration_.Observe(seconds);
}

void WebhookMetrics::handlerError() { handlerErrors_.Increment(); }

void WebhookMetrics::handshakeFailed() { handshakeFailures_.Increment(); }

void WebhookMetrics::policyReloaded(bool success) {
  reloads_.Add({{"result", success ? "success" : "failure"}}).Increment();
  lastReloadSuccess_.Set(success ? 1 : 0);
}

void WebhookMetrics::setNetworkPolicyCacheSynced(bool synced) { cacheSynced_.Set(synced ? 1 : 0); }

void WebhookMetrics::setEnforcementMode(EnforcementMode mode) {
  for (const EnforcementMode each : {EnforcementMode::kEnforce, EnforcementMode::kWarn, EnforcementMode::kAudit}) {
    enforcementMode_.Add({{"mode", std::string(enforcementModeName(each))}}).Set(each == mode ? 1 : 0);
  }
}

void WebhookMetrics::observeServer(const http::ServerStats& stats) {
  std::lock_guard<std::mutex> lock(serverMutex_);
  const auto add = [](prometheus::Counter& counter, uint64_t now, uint64_t& counted) {
    if (now > counted) counter.Increment(static_cast<double>(now - counted));
    counted = now;
  };
  add(httpTooLarge_, stats.rejectedTooLarge, lastServer_.rejectedTooLarge);
  add(httpMalformed_, stats.rejectedMalformed, lastServer_.rejectedMalformed);
  add(httpConnectionLimit_, stats.rejectedConnections, lastServer_.rejectedConnections);
  add(httpTimeouts_, stats.timedOut, lastServer_.timedOut);
}

std::string WebhookMetrics::render() const { return metrics::textExposition({registry_.get(), process_.get()}); }

}  // namespace agentguard::webhook

#pragma once

#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "webhook/admission/review_handler.h"

namespace agentguard::webhook {

// The webhook's Prometheus metrics. Label values come from fixed sets or from the cluster's kinds and
// the policies' rule ids; never from UIDs, names or error texts.
class WebhookMetrics {
 public:
  WebhookMetrics();

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  // agentguard_admission_requests_total{kind,operation,decision}, ..._denials_total{rule},
  // ..._duration_seconds.
  void observeReview(const ReviewOutcome& outcome, double seconds);
  // agentguard_admission_errors_total{stage}: "handler" for an exception escaping the handler.
  void handlerError();
  void handshakeFailed();
  // agentguard_policy_reload_total{result="success|failure"}, agentguard_policy_last_reload_success.
  void policyReloaded(bool success);
  void setNetworkPolicyCacheSynced(bool synced);

  // The text exposition format, for tests and debugging.
  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& denials_;
  prometheus::Histogram& duration_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Counter& handshakeFailures_;
  prometheus::Family<prometheus::Counter>& reloads_;
  prometheus::Gauge& lastReloadSuccess_;
  prometheus::Gauge& cacheSynced_;
};

}  // namespace agentguard::webhook

#pragma once

#include <initializer_list>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "common/http/server.h"
#include "common/metrics/process_collector.h"
#include "webhook/admission/review_handler.h"

namespace agentguard::webhook {

// The webhook's Prometheus metrics. Label values come from fixed sets or from the cluster's kinds and
// the policies' rule ids; never from UIDs, names or error texts.
class WebhookMetrics {
 public:
  WebhookMetrics();

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }
  // agentguard_build_info and process_*: register it with the exposer beside the registry.
  std::shared_ptr<metrics::ProcessCollector> processCollector() const { return process_; }

  // agentguard_admission_requests_total{kind,operation,decision}, ..._denials_total{rule},
  // ..._violations_total{rule,action} (requests with findings of the rule, by the action they took
  // under the enforcement mode), ..._duration_seconds.
  void observeReview(const ReviewOutcome& outcome, double seconds);
  // agentguard_enforcement_mode{mode}: 1 for the mode in force, 0 for the others.
  void setEnforcementMode(EnforcementMode mode);
  // agentguard_admission_errors_total{stage}: "handler" for an exception escaping the handler.
  void handlerError();
  void handshakeFailed();
  // agentguard_policy_reload_total{result="success|failure"}, agentguard_policy_last_reload_success.
  void policyReloaded(bool success);
  void setNetworkPolicyCacheSynced(bool synced);
  // agentguard_http_rejected_total{reason="body_too_large|malformed|connection_limit"} and
  // agentguard_http_timeouts_total from the server's running totals (call with the latest, e.g. each second).
  void observeServer(const http::ServerStats& stats);

  // The text exposition format of the registry and the process collector, for tests and debugging.
  std::string render() const;

 private:
  // The children of a counter family by label values, created on first use and kept: counting a
  // request then costs a shared lock and one hash lookup instead of a label map built, hashed and
  // looked up under prometheus-cpp's family lock.
  class CounterChildren {
   public:
    CounterChildren(prometheus::Family<prometheus::Counter>& family, std::vector<std::string> labelNames);
    // One value per label name, in order.
    prometheus::Counter& at(std::initializer_list<std::string_view> values);

   private:
    prometheus::Family<prometheus::Counter>& family_;
    std::vector<std::string> labelNames_;
    std::shared_mutex mutex_;
    std::unordered_map<std::string, prometheus::Counter*> children_;
  };

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<metrics::ProcessCollector> process_ = std::make_shared<metrics::ProcessCollector>();
  CounterChildren requests_;
  CounterChildren denials_;
  CounterChildren violations_;
  prometheus::Histogram& duration_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Counter& evaluationErrors_;
  prometheus::Counter& handlerErrors_;
  prometheus::Counter& handshakeFailures_;
  prometheus::Family<prometheus::Counter>& reloads_;
  prometheus::Gauge& lastReloadSuccess_;
  prometheus::Gauge& cacheSynced_;
  prometheus::Family<prometheus::Gauge>& enforcementMode_;
  prometheus::Family<prometheus::Counter>& httpRejected_;
  prometheus::Counter& httpTooLarge_;
  prometheus::Counter& httpMalformed_;
  prometheus::Counter& httpConnectionLimit_;
  prometheus::Counter& httpTimeouts_;
  std::mutex serverMutex_;
  http::ServerStats lastServer_;  // the totals already counted
};

}  // namespace agentguard::webhook

#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/http/server.h"
#include "common/log/logger.h"
#include "webhook/admission/review_handler.h"
#include "webhook/metrics/webhook_metrics.h"

namespace agentguard::webhook {

// The conditions /readyz reports, in the style of the API server's own: "[+]name ok" or
// "[-]name failed: what is missing".
class Readiness {
 public:
  struct State {
    bool ready = false;
    std::string detail;  // shown after "ok: " or "failed: "
  };
  using Check = std::function<State()>;

  void add(std::string name, Check check);
  // 200 with every line when all pass; 503 otherwise.
  http::Response report() const;
  bool ready() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, Check>> checks_;
};

constexpr std::string_view kValidatePath = "/validate";

// POST /validate, GET /healthz, GET /readyz on `server`. Every reference must outlive the server.
// /validate logs one structured line per request (uid, kind, namespace, name, operation, decision,
// duration; never the object) and feeds the metrics.
void registerWebhookEndpoints(http::Server& server, const ReviewHandler& handler, WebhookMetrics& metrics,
                              const Readiness& readiness, log::Logger& logger);

}  // namespace agentguard::webhook

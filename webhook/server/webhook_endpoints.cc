#include "webhook/server/webhook_endpoints.h"

#include <chrono>
#include <exception>

namespace agentguard::webhook {

void Readiness::add(std::string name, Check check) {
  std::lock_guard<std::mutex> lock(mutex_);
  checks_.emplace_back(std::move(name), std::move(check));
}

http::Response Readiness::report() const {
  std::lock_guard<std::mutex> lock(mutex_);
  bool ready = true;
  std::string body;
  for (const auto& [name, check] : checks_) {
    State state;
    try {
      state = check();
    } catch (const std::exception& error) {
      state = {false, std::string("check failed: ") + error.what()};
    }
    ready = ready && state.ready;
    body += (state.ready ? "[+]" : "[-]") + name + (state.ready ? " ok" : " failed");
    if (!state.detail.empty()) body += ": " + state.detail;
    body += '\n';
  }
  body += ready ? "readyz check passed\n" : "readyz check failed\n";
  return http::Response::text(ready ? 200 : 503, std::move(body));
}

bool Readiness::ready() const { return report().status == 200; }

void registerWebhookEndpoints(http::Server& server, const ReviewHandler& handler, WebhookMetrics& metrics,
                              const Readiness& readiness, log::Logger& logger) {
  server.route("POST", std::string(kValidatePath), [&handler, &metrics, &logger](const http::Request& request) {
    const auto started = std::chrono::steady_clock::now();
    try {
      ReviewOutcome outcome = handler.review(request.body);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      metrics.observeReview(outcome, seconds);
      const double milliseconds = seconds * 1000.0;
      if (outcome.decision == Decision::kInvalid) {
        logger.warn("Rejected a body that is not an AdmissionReview",
                    {{"error", outcome.error}, {"bytes", request.body.size()}, {"durationMs", milliseconds}});
      } else {
        const log::Level level = outcome.decision == Decision::kError ? log::Level::kError : log::Level::kInfo;
        if (logger.enabled(level)) {
          logger.log(level, outcome.decision == Decision::kError ? "Refused admission request it could not evaluate"
                                                                 : "Reviewed admission request",
                     {{"uid", outcome.uid},
                      {"kind", outcome.kind},
                      {"namespace", outcome.namespace_},
                      {"name", outcome.name},
                      {"operation", outcome.operation},
                      {"subResource", outcome.subResource},
                      {"dryRun", outcome.dryRun},
                      {"decision", decisionName(outcome.decision)},
                      {"deniedRules", outcome.deniedRules},
                      {"warnedRules", outcome.warnedRules},
                      {"auditedRules", outcome.auditedRules},
                      {"error", outcome.error},
                      {"durationMs", milliseconds}});
        }
      }
      http::Response response;
      response.status = outcome.httpStatus;
      response.contentType = std::move(outcome.contentType);
      response.body = std::move(outcome.body);
      return response;
    } catch (const std::exception& error) {
      metrics.handlerError();
      logger.error("Failed to answer an admission request; refused it", {{"error", error.what()}});
    } catch (...) {
      metrics.handlerError();
      logger.error("Failed to answer an admission request; refused it", {{"error", "unknown exception"}});
    }
    // The API server treats a 500 as a failed call: with failurePolicy Fail the request is refused.
    return http::Response::text(500, "agentguard failed to evaluate the request\n");
  });
  server.route("GET", "/healthz", [](const http::Request&) { return http::Response::text(200, "ok\n"); });
  server.route("GET", "/readyz", [&readiness](const http::Request&) { return readiness.report(); });
}

}  // namespace agentguard::webhook

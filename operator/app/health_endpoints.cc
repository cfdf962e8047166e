#include "operator/app/health_endpoints.h"

#include <utility>

namespace agentguard::op {

void registerHealthEndpoints(http::Server& server, std::function<bool()> ready) {
  server.route("GET", "/healthz", [](const http::Request&) { return http::Response::text(200, "ok\n"); });
  server.route("GET", "/readyz", [ready = std::move(ready)](const http::Request&) {
    return ready() ? http::Response::text(200, "ok\n") : http::Response::text(503, "caches not synced\n");
  });
}

}  // namespace agentguard::op

#pragma once

#include <functional>

#include "common/http/server.h"

namespace agentguard::op {

// The operator's probe endpoints, as the chart's liveness and readiness probes call them:
//   GET /healthz  200 while the process serves;
//   GET /readyz   200 once `ready` says so (the AgentSandbox, Pod and NetworkPolicy caches have
//                 synced), 503 "caches not synced" before, and again whenever it stops saying so.
// `ready` is called on a server thread for every probe; it must be thread-safe and quick.
void registerHealthEndpoints(http::Server& server, std::function<bool()> ready);

}  // namespace agentguard::op

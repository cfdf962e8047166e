// The upstream of the gate benchmark: answers every JSON-RPC request on POST /mcp at once with a small
// tools/call result carrying the request's id, so what a run measures is the path to it, not the tool.
//
//   gate_bench_upstream LISTEN      e.g. 127.0.0.1:0; prints "ready PORT" once it accepts

#include <csignal>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/http/server.h"
#include "common/log/logger.h"

namespace {

agentguard::http::Response answer(const agentguard::http::Request& request) {
  const auto call = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!call.is_object() || !call.contains("id")) return agentguard::http::Response::json(400, "{}");
  const nlohmann::json result = {
      {"jsonrpc", "2.0"},
      {"id", call["id"]},
      {"result", {{"content", {{{"type", "text"}, {"text", "sent"}}}}, {"isError", false}}}};
  return agentguard::http::Response::json(200, result.dump());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: gate_bench_upstream LISTEN\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  agentguard::log::Logger logger(std::cerr, agentguard::log::Level::kWarn, "gate-bench-upstream");
  agentguard::http::ServerOptions options;
  options.listen = argv[1];
  options.threads = 1;
  agentguard::http::Server server(options, logger);
  server.route("POST", "/mcp", answer);
  if (!server.start().ok()) return 1;
  std::cout << "ready " << server.port() << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  server.stop();
  return 0;
}

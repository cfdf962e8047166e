#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/log/logger.h"
#include "common/result/result.h"
#include "gate/server/call_pipeline.h"

namespace agentguard::gate::server {

struct McpServerOptions {
  std::string listen = ":8080";  // "host:port"; port 0 picks a free one (port())
  size_t maxRequestBytes = 1024u * 1024u;  // larger bodies: HTTP 413, JSON-RPC -32018
  size_t maxHeaderBytes = 64u * 1024u;
  size_t maxConnections = 512;  // each connection has a thread of its own (see McpServer)
  // Deadlines. Client side: between requests, reading one request, writing to a client that does not read.
  std::chrono::milliseconds idleTimeout{90'000};
  std::chrono::milliseconds requestTimeout{30'000};
  std::chrono::milliseconds writeTimeout{30'000};
  // Upstream side: resolving and connecting; sending the request and waiting for each next byte of the
  // answer (a tool that works longer without sending an SSE event or comment is cut off).
  std::chrono::milliseconds upstreamConnectTimeout{5'000};
  std::chrono::milliseconds upstreamTimeout{120'000};
  // The largest tools/list answer (or SSE event) held in memory to be filtered.
  size_t maxFilteredBytes = 8u * 1024u * 1024u;
};

// The MCP reverse proxy: HTTP/1.1 on /mcp/<server>. Each request runs through the CallPipeline; a
// forwarded one goes to its upstream on a new connection and the answer is streamed back as it arrives
// (JSON, or text/event-stream event by event), tools/list answers filtered.
//
// Thread model: one thread per client connection, which runs that connection's requests, its upstream
// exchanges and the pipeline's blocking calls (TokenReview, Secret reads, the record's bounded wait) one
// after another; Boost.Beast's asynchronous operations on a private event loop give every read, write and
// connect its deadline. A slow TokenReview or upstream therefore holds only its own connection.
// maxConnections bounds the threads.
class McpServer {
 public:
  McpServer(McpServerOptions options, const CallPipeline& pipeline, log::Logger& logger);
  ~McpServer();  // stops
  McpServer(const McpServer&) = delete;
  McpServer& operator=(const McpServer&) = delete;

  // Unavailable when the address cannot be bound; InvalidArgument when it is malformed.
  Status start();
  // Stops accepting, closes the open connections and waits for their threads. Idempotent.
  void stop();
  uint16_t port() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace agentguard::gate::server

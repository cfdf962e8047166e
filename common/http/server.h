#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/log/logger.h"
#include "common/result/result.h"

// OpenSSL's context type, so that this header does not pull in OpenSSL or Boost.Asio.
struct ssl_ctx_st;

namespace agentguard::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path without the query, e.g. "/validate"
  std::string query;   // raw query string without '?', possibly empty
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;    // at most ServerOptions::maxRequestBytes

  // The header's value, or `fallback` when absent. `name` must be lower case.
  const std::string& header(const std::string& name, const std::string& fallback = kEmpty) const;

 private:
  static const std::string kEmpty;
};

struct Response {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers

  static Response json(int status, std::string body);
  static Response text(int status, std::string body);
};

// Handlers run on the server's worker threads, several at once: they must be thread-safe. An exception
// escaping a handler is caught by the server, logged and answered with 500.
using Handler = std::function<Response(const Request&)>;

// Configures the TLS context of each accepted connection (certificate, key, protocol versions). Called
// on a worker thread before the handshake of every new connection, so a provider that switches to a new
// certificate affects new connections only; established keep-alive connections keep theirs. Must not
// throw; returning false refuses the connection.
class TlsContextProvider {
 public:
  virtual ~TlsContextProvider() = default;
  virtual bool configure(ssl_ctx_st* context) = 0;
};

struct ServerOptions {
  // "host:port"; ":8443" and "0.0.0.0:8443" listen on every IPv4 address; port 0 picks a free port,
  // reported by Server::port().
  std::string listen = ":8443";
  // Plain HTTP when null. Shared with the caller, which may keep rotating certificates through it.
  std::shared_ptr<TlsContextProvider> tls;
  // Larger bodies are answered 413; their bytes are read and dropped, never kept in memory.
  size_t maxRequestBytes = 3u * 1024u * 1024u;
};

// Server-wide counters, for metrics.
struct ServerStats {
  uint64_t requests = 0;          // answered by a handler
  uint64_t rejectedTooLarge = 0;  // 413
  uint64_t handlerErrors = 0;     // exceptions escaping a handler (answered 500)
};

// An HTTP/1.1 server (keep-alive, plain or TLS) with exact-path routing. Every route answers only the
// methods registered for it (405 otherwise); unknown paths answer 404.
class Server {
 public:
  Server(ServerOptions options, log::Logger& logger);
  ~Server();  // stops
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Before start().
  void route(std::string method, std::string path, Handler handler);

  // Binds and starts accepting. InvalidArgument for a malformed listen address, Unavailable when the
  // address cannot be bound.
  Status start();
  // Stops accepting, closes open connections and waits for handlers in flight. Idempotent.
  void stop();

  bool running() const;
  // The bound port (useful with port 0); 0 before start().
  uint16_t port() const;
  // "https://127.0.0.1:PORT" style base URL for clients on this machine.
  std::string localUrl() const;
  ServerStats stats() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// Sizes cpprestsdk's shared thread pool, which runs every listener's accepts, TLS, HTTP parsing and
// handlers, and every cpprestsdk client. Left alone, the pool has 40 threads, and a request hops
// between them at each step (about 30 context switches per request measured on one core). Call once,
// before any Server or client exists. At least 2: closing a listener blocks one pool thread until
// another has closed its connections, so with 1 the process never stops. InvalidArgument below 2;
// Internal when the pool already exists.
Status configureWorkerThreads(size_t threads);

// Splits "host:port" (also "[::1]:port" and ":port"); InvalidArgument when malformed.
struct ListenAddress {
  std::string host;  // "0.0.0.0" for ":port"
  uint16_t port = 0;
};
Result<ListenAddress> parseListenAddress(const std::string& text);

}  // namespace agentguard::http

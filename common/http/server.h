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

// Configures the server's TLS context (certificate, key, protocol versions). Called once, when the server
// starts; every connection's handshake uses that context, so a provider that rotates certificates does
// it per handshake through the context's callbacks (e.g. SSL_CTX_set_cert_cb). Must not throw; returning
// false makes Server::start() fail.
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
  // Larger bodies are answered 413 and the connection is closed; their bytes are never kept in memory.
  size_t maxRequestBytes = 3u * 1024u * 1024u;
  // Request line and headers together; more is answered 431 and the connection is closed.
  size_t maxHeaderBytes = 64u * 1024u;
  // Connections open at once; more are closed as soon as they are accepted.
  size_t maxConnections = 1024;
  // Worker threads, each running an event loop of its own for TLS, HTTP parsing and the handlers of
  // the connections handed to it; accepts run on one more thread, which is idle otherwise.
  size_t threads = 2;
  // Deadlines. A connection that misses one is closed:
  //   handshake   from accept to the end of the TLS handshake;
  //   idle        between requests on a keep-alive connection (and before the first one);
  //   request     from the first byte of a request to its last (a slow or stalled sender);
  //   write       for sending a response to a client that does not read it.
  std::chrono::milliseconds handshakeTimeout{10'000};
  std::chrono::milliseconds idleTimeout{90'000};
  std::chrono::milliseconds requestTimeout{30'000};
  std::chrono::milliseconds writeTimeout{30'000};
};

// Server-wide counters, for metrics.
struct ServerStats {
  uint64_t requests = 0;             // answered by a handler
  uint64_t rejectedTooLarge = 0;     // 413
  uint64_t rejectedMalformed = 0;    // 400 or 431: not HTTP/1.x, bad framing, headers over the limit
  uint64_t handlerErrors = 0;        // exceptions escaping a handler (answered 500)
  uint64_t timedOut = 0;             // connections closed for missing a deadline
  uint64_t rejectedConnections = 0;  // closed on accept: maxConnections were open
};

// An HTTP/1.1 server (keep-alive, plain or TLS) with exact-path routing, on Boost.Beast. Every route
// answers only the methods registered for it (405 otherwise); unknown paths answer 404. Every stage of a
// connection has a deadline and a size limit (see ServerOptions), so a slow or hostile client costs a
// bounded amount of memory and time.
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
  std::unique_ptr<State> state_;
};

// Sizes cpprestsdk's shared thread pool, which runs every cpprestsdk client (the Kubernetes client).
// Left alone, the pool has 40 threads. Call once, before any client exists. At least 2: a closing
// client blocks one pool thread until another has finished its work. InvalidArgument below 2; Internal
// when the pool already exists.
Status configureWorkerThreads(size_t threads);

// Splits "host:port" (also "[::1]:port" and ":port"); InvalidArgument when malformed.
struct ListenAddress {
  std::string host;  // "0.0.0.0" for ":port"
  uint16_t port = 0;
};
Result<ListenAddress> parseListenAddress(const std::string& text);

}  // namespace agentguard::http

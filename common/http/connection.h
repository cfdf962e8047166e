#pragma once

// One accepted connection of the HTTP server: TLS handshake, then requests in a loop until the peer
// closes, a deadline or limit is hit, or the server stops. Internal to agentguard_http.

#include <cstddef>
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "common/http/server.h"

namespace agentguard::http::detail {

// How a connection ended, or a request it refused.
enum class Outcome {
  kTooLarge,   // body over maxRequestBytes: 413
  kMalformed,  // not parseable as HTTP/1.x, or headers over maxHeaderBytes: 400 / 431
  kTimedOut,   // a deadline passed
};

// What a connection needs from the server that accepted it. Outlives every connection.
class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;
  virtual const ServerOptions& options() const = 0;
  // Routes the request and runs its handler; never throws.
  virtual Response handle(const Request& request) = 0;
  virtual void record(Outcome outcome) = 0;
  virtual log::Logger& logger() = 0;
  // Called when the connection starts, and from its destructor.
  virtual void remember(const void* key, std::weak_ptr<class Connection> connection) = 0;
  virtual void forget(const void* key) = 0;
};

class Connection {
 public:
  virtual ~Connection() = default;
  // Closes the socket from any thread; operations in flight end with an error.
  virtual void close() = 0;
};

// A socket bound to one io_context's executor. Handlers then call that executor directly instead of
// through the type-erased any_io_executor, which copies and destroys a wrapped executor per operation.
using LoopSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

// Starts serving `socket` over TLS when `tls` is given, plain HTTP otherwise. The socket's io_context
// must be run by one thread. The connection keeps itself alive while it has work in flight.
std::shared_ptr<Connection> startConnection(LoopSocket socket, boost::asio::ssl::context* tls, ConnectionHost& host);

}  // namespace agentguard::http::detail

#include "gate/server/mcp_server.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "common/http/server.h"
#include "gate/server/mcp_connection.h"

namespace agentguard::gate::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

}  // namespace

// Shared with every connection thread, so that a thread finishing after stop() has returned still
// touches live state.
struct McpServer::State : std::enable_shared_from_this<State> {
  State(McpServerOptions serverOptions, const CallPipeline& callPipeline, log::Logger& log)
      : options(std::move(serverOptions)), pipeline(callPipeline), logger(log) {}

  void acceptNext();
  void serve(std::shared_ptr<asio::io_context> loop, detail::LoopSocket socket);

  const McpServerOptions options;
  const CallPipeline& pipeline;
  log::Logger& logger;
  std::mutex lifecycle;
  std::atomic<bool> running{false};
  std::atomic<uint16_t> port{0};
  asio::io_context acceptLoop{1};
  std::unique_ptr<tcp::acceptor> acceptor;
  std::thread acceptThread;

  std::mutex connectionsMutex;
  std::condition_variable connectionsDone;
  std::set<std::shared_ptr<detail::McpConnection>> connections;  // guarded by connectionsMutex
};

void McpServer::State::acceptNext() {
  // Each connection gets an event loop of its own, run by its own thread.
  auto loop = std::make_shared<asio::io_context>(1);
  acceptor->async_accept(*loop, [self = shared_from_this(), loop](const boost::system::error_code& error,
                                                                   detail::LoopSocket socket) {
    if (error) {
      if (error == asio::error::operation_aborted || !self->running) return;
      self->logger.warn("Failed to accept an MCP connection", {{"error", error.message()}});
    } else {
      self->serve(loop, std::move(socket));
    }
    if (self->running) self->acceptNext();
  });
}

void McpServer::State::serve(std::shared_ptr<asio::io_context> loop, detail::LoopSocket socket) {
  std::shared_ptr<detail::McpConnection> connection;
  {
    std::lock_guard<std::mutex> lock(connectionsMutex);
    if (connections.size() >= options.maxConnections) {
      boost::system::error_code ignored;
      socket.close(ignored);
      logger.warn("Refused an MCP connection: too many open", {{"limit", options.maxConnections}});
      return;
    }
    connection = std::make_shared<detail::McpConnection>(std::move(loop), std::move(socket), options, pipeline, logger);
    connections.insert(connection);
  }
  std::thread([self = shared_from_this(), connection] {
    try {
      connection->run();
    } catch (const std::exception& failure) {
      self->logger.error("MCP connection failed", {{"error", failure.what()}});
    }
    std::lock_guard<std::mutex> lock(self->connectionsMutex);
    self->connections.erase(connection);
    self->connectionsDone.notify_all();
  }).detach();
}

McpServer::McpServer(McpServerOptions options, const CallPipeline& pipeline, log::Logger& logger)
    : state_(std::make_shared<State>(std::move(options), pipeline, logger)) {}

McpServer::~McpServer() { stop(); }

Status McpServer::start() {
  State& state = *state_;
  std::lock_guard<std::mutex> lock(state.lifecycle);
  if (state.running) return okStatus();
  auto address = http::parseListenAddress(state.options.listen);
  if (!address) return address.error();
  boost::system::error_code error;
  const auto ip = asio::ip::make_address(address->host, error);
  if (error) return makeError(ErrorCode::kInvalidArgument, "--mcp-listen host \"" + address->host + "\" is not an IP address");
  auto acceptor = std::make_unique<tcp::acceptor>(state.acceptLoop);
  const tcp::endpoint endpoint(ip, address->port);
  acceptor->open(endpoint.protocol(), error);
  if (!error) acceptor->set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor->bind(endpoint, error);
  if (!error) acceptor->listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return makeError(ErrorCode::kUnavailable, "could not listen on " + state.options.listen + ": " + error.message());
  }
  state.port = acceptor->local_endpoint().port();
  state.acceptor = std::move(acceptor);
  state.running = true;
  state.acceptLoop.restart();
  state.acceptNext();
  state.acceptThread = std::thread([&state] { state.acceptLoop.run(); });
  return okStatus();
}

void McpServer::stop() {
  State& state = *state_;
  std::lock_guard<std::mutex> lock(state.lifecycle);
  if (!state.running) return;
  state.running = false;
  asio::post(state.acceptLoop, [&state] {
    boost::system::error_code ignored;
    state.acceptor->close(ignored);
  });
  state.acceptThread.join();
  state.acceptor.reset();
  std::unique_lock<std::mutex> connectionsLock(state.connectionsMutex);
  for (const auto& connection : state.connections) connection->close();
  state.connectionsDone.wait(connectionsLock, [&state] { return state.connections.empty(); });
}

uint16_t McpServer::port() const { return state_->port; }

}  // namespace agentguard::gate::server

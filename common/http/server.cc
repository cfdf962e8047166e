#include "common/http/server.h"

#include <atomic>
#include <charconv>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <pplx/threadpool.h>

#include "common/http/connection.h"

namespace agentguard::http {

const std::string Request::kEmpty;

const std::string& Request::header(const std::string& name, const std::string& fallback) const {
  const auto found = headers.find(name);
  return found == headers.end() ? fallback : found->second;
}

Response Response::json(int status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

Response Response::text(int status, std::string body) {
  Response response;
  response.status = status;
  response.contentType = "text/plain; charset=utf-8";
  response.body = std::move(body);
  return response;
}

Status configureWorkerThreads(size_t threads) {
  if (threads < 2) {
    return makeError(ErrorCode::kInvalidArgument,
                     "at least 2 worker threads are needed (closing the listener blocks one), not " +
                         std::to_string(threads));
  }
  try {
    crossplat::threadpool::initialize_with_threads(threads);
  } catch (const std::exception& error) {
    return makeError(ErrorCode::kInternal,
                     std::string("the worker thread pool already exists; size it before any client is used: ") +
                         error.what());
  }
  return okStatus();
}

Result<ListenAddress> parseListenAddress(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    return makeError(ErrorCode::kInvalidArgument, "listen address \"" + text + "\" is not HOST:PORT");
  }
  ListenAddress address;
  address.host = text.substr(0, colon);
  if (address.host.size() >= 2 && address.host.front() == '[' && address.host.back() == ']') {
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  if (address.host.empty()) address.host = "0.0.0.0";
  const std::string portText = text.substr(colon + 1);
  unsigned value = 0;
  const auto [end, error] = std::from_chars(portText.data(), portText.data() + portText.size(), value);
  if (portText.empty() || error != std::errc() || end != portText.data() + portText.size() || value > 65535) {
    return makeError(ErrorCode::kInvalidArgument, "listen address \"" + text + "\" has no valid port");
  }
  address.port = static_cast<uint16_t>(value);
  return address;
}

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// How long stop() waits for open connections to wind down before abandoning them.
constexpr auto kStopGrace = std::chrono::seconds(5);

Result<asio::ip::address> resolveHost(const std::string& host) {
  boost::system::error_code error;
  auto address = asio::ip::make_address(host, error);
  if (!error) return address;
  asio::io_context context;
  tcp::resolver resolver(context);
  auto results = resolver.resolve(host, "", error);
  if (error || results.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "cannot resolve listen host \"" + host + "\": " + error.message());
  }
  return results.begin()->endpoint().address();
}

// Runs an event loop until it runs out of work or is stopped. A handler that throws is logged and the
// loop goes on: one request's failure must not stop the connections that share its thread.
void runLoop(asio::io_context& loop, log::Logger& logger) {
  for (;;) {
    try {
      loop.run();
      return;
    } catch (const std::exception& failure) {
      logger.error("HTTP server thread failed; continuing", {{"error", failure.what()}});
    }
  }
}

}  // namespace

struct Server::State final : detail::ConnectionHost {
  State(ServerOptions serverOptions, log::Logger& log) : settings(std::move(serverOptions)), log_(log) {}

  const ServerOptions& options() const override { return settings; }
  log::Logger& logger() override { return log_; }
  Response handle(const Request& request) override;
  void record(detail::Outcome outcome) override;
  void remember(const void* key, std::weak_ptr<detail::Connection> connection) override;
  void forget(const void* key) override;

  void accept();
  Response invoke(const Handler& handler, const Request& request);
  size_t openConnections();

  ServerOptions settings;
  log::Logger& log_;
  std::map<std::string, std::map<std::string, Handler>> routes;  // path -> method -> handler
  std::string host;
  std::atomic<uint16_t> port{0};
  std::atomic<bool> running{false};
  std::mutex lifecycle;

  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> tooLarge{0};
  std::atomic<uint64_t> malformed{0};
  std::atomic<uint64_t> handlerErrors{0};
  std::atomic<uint64_t> timedOut{0};
  std::atomic<uint64_t> refusedConnections{0};

  std::mutex connectionsMutex;
  std::unordered_map<const void*, std::weak_ptr<detail::Connection>> connections;

  std::vector<std::thread> threads;
  size_t nextLoop = 0;  // the loop the next accepted connection goes to; touched by the accept thread only
  std::atomic<size_t> starting{0};  // accepted, handed to their loop, not yet started
  // Declared last, destroyed first: pending operations still hold connections, whose destructors call
  // forget() on the members above.
  std::unique_ptr<asio::ssl::context> tls;
  // One event loop per thread, each run by its thread alone: a connection lives on one loop, so its
  // handlers never run at once and need no strand, and the threads share no queue or lock.
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  // The acceptor has a loop and a thread of its own, idle but for accepts, so that a worker loop busy
  // with a long request never delays new connections; it hands them to the worker loops in turn.
  std::unique_ptr<asio::io_context> acceptLoop;
  std::thread acceptThread;
  std::unique_ptr<tcp::acceptor> acceptor;
};

void Server::State::remember(const void* key, std::weak_ptr<detail::Connection> connection) {
  std::lock_guard<std::mutex> lock(connectionsMutex);
  connections[key] = std::move(connection);
}

void Server::State::forget(const void* key) {
  std::lock_guard<std::mutex> lock(connectionsMutex);
  connections.erase(key);
}

size_t Server::State::openConnections() {
  std::lock_guard<std::mutex> lock(connectionsMutex);
  return connections.size();
}

void Server::State::record(detail::Outcome outcome) {
  switch (outcome) {
    case detail::Outcome::kTooLarge:
      tooLarge.fetch_add(1, std::memory_order_relaxed);
      break;
    case detail::Outcome::kMalformed:
      malformed.fetch_add(1, std::memory_order_relaxed);
      break;
    case detail::Outcome::kTimedOut:
      timedOut.fetch_add(1, std::memory_order_relaxed);
      break;
  }
}

void Server::State::accept() {
  asio::io_context& loop = *loops[nextLoop];
  nextLoop = (nextLoop + 1) % loops.size();
  acceptor->async_accept(loop, [this](const boost::system::error_code& error, detail::LoopSocket socket) {
    if (error) {
      if (error == asio::error::operation_aborted || !running) return;  // stopping
      log_.warn("Failed to accept a connection", {{"error", error.message()}});
    } else if (openConnections() + starting.load() >= settings.maxConnections) {
      refusedConnections.fetch_add(1, std::memory_order_relaxed);
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      // Started on its own loop, whose thread alone touches it from then on.
      auto executor = socket.get_executor();
      starting.fetch_add(1);
      asio::post(executor, [this, socket = std::move(socket)]() mutable {
        if (running) detail::startConnection(std::move(socket), tls.get(), *this);  // else closed unserved
        starting.fetch_sub(1);
      });
    }
    if (running) accept();
  });
}

Response Server::State::invoke(const Handler& handler, const Request& request) {
  try {
    return handler(request);
  } catch (const std::exception& error) {
    handlerErrors.fetch_add(1, std::memory_order_relaxed);
    log_.error("Handler failed", {{"path", request.path}, {"error", error.what()}});
  } catch (...) {
    handlerErrors.fetch_add(1, std::memory_order_relaxed);
    log_.error("Handler failed", {{"path", request.path}, {"error", "unknown exception"}});
  }
  return Response::text(500, "internal error\n");
}

Response Server::State::handle(const Request& request) {
  const auto route = routes.find(request.path);
  if (route == routes.end()) return Response::text(404, "not found\n");
  const auto method = route->second.find(request.method);
  if (method == route->second.end()) {
    std::string allowed;
    for (const auto& [name, handler] : route->second) allowed += (allowed.empty() ? "" : ", ") + name;
    Response response = Response::text(405, "method not allowed\n");
    response.headers.emplace_back("Allow", allowed);
    return response;
  }
  requests.fetch_add(1, std::memory_order_relaxed);
  return invoke(method->second, request);
}

Server::Server(ServerOptions options, log::Logger& logger)
    : state_(std::make_unique<State>(std::move(options), logger)) {}

Server::~Server() { stop(); }

void Server::route(std::string method, std::string path, Handler handler) {
  state_->routes[std::move(path)][std::move(method)] = std::move(handler);
}

Status Server::start() {
  State& state = *state_;
  std::lock_guard<std::mutex> lock(state.lifecycle);
  if (state.running) return okStatus();
  auto address = parseListenAddress(state.settings.listen);
  if (!address) return address.error();
  auto ip = resolveHost(address->host);
  if (!ip) return ip.error();
  if (state.settings.threads == 0) return makeError(ErrorCode::kInvalidArgument, "the server needs at least 1 thread");

  if (state.settings.tls) {
    auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    if (!state.settings.tls->configure(context->native_handle())) {
      return makeError(ErrorCode::kUnavailable, "could not configure TLS for " + state.settings.listen);
    }
    state.tls = std::move(context);
  }

  for (size_t i = 0; i < state.settings.threads; ++i) state.loops.push_back(std::make_unique<asio::io_context>(1));
  state.acceptLoop = std::make_unique<asio::io_context>(1);
  // Only the accept thread touches it: stop() closes it there while an accept may be completing.
  auto acceptor = std::make_unique<tcp::acceptor>(*state.acceptLoop);
  boost::system::error_code error;
  const tcp::endpoint endpoint(*ip, address->port);
  acceptor->open(endpoint.protocol(), error);
  if (!error) acceptor->set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor->bind(endpoint, error);
  if (!error) acceptor->listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    state.loops.clear();
    state.acceptLoop.reset();
    state.tls.reset();
    return makeError(ErrorCode::kUnavailable, "could not listen on " + state.settings.listen + ": " + error.message());
  }
  state.host = address->host;
  state.port = acceptor->local_endpoint().port();
  state.acceptor = std::move(acceptor);
  state.running = true;
  for (auto& loop : state.loops) state.work.push_back(asio::make_work_guard(*loop));
  state.accept();
  for (auto& loop : state.loops) state.threads.emplace_back([&state, io = loop.get()] { runLoop(*io, state.log_); });
  // Runs until the acceptor is closed and its last accept has finished.
  state.acceptThread = std::thread([&state] { runLoop(*state.acceptLoop, state.log_); });
  return okStatus();
}

void Server::stop() {
  State& state = *state_;
  std::lock_guard<std::mutex> lock(state.lifecycle);
  if (!state.running) return;
  state.running = false;
  asio::post(state.acceptor->get_executor(), [&state] {
    boost::system::error_code ignored;
    state.acceptor->close(ignored);
  });
  state.acceptThread.join();  // no connection is accepted from here on
  std::vector<std::shared_ptr<detail::Connection>> open;
  {
    std::lock_guard<std::mutex> connectionsLock(state.connectionsMutex);
    for (auto& [key, weak] : state.connections) {
      if (auto connection = weak.lock()) open.push_back(std::move(connection));
    }
  }
  for (auto& connection : open) connection->close();
  open.clear();
  state.work.clear();
  const auto deadline = std::chrono::steady_clock::now() + kStopGrace;
  while (state.openConnections() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& loop : state.loops) loop->stop();
  for (auto& thread : state.threads) thread.join();
  state.threads.clear();
  state.acceptor.reset();
  state.acceptLoop.reset();
  state.loops.clear();
  state.nextLoop = 0;
  state.starting = 0;
  state.tls.reset();
}

bool Server::running() const { return state_->running; }

uint16_t Server::port() const { return state_->port; }

std::string Server::localUrl() const {
  std::string host = state_->host == "0.0.0.0" ? "127.0.0.1" : state_->host == "::" ? "::1" : state_->host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string(state_->settings.tls ? "https" : "http") + "://" + host + ":" + std::to_string(port());
}

ServerStats Server::stats() const {
  ServerStats stats;
  stats.requests = state_->requests.load();
  stats.rejectedTooLarge = state_->tooLarge.load();
  stats.rejectedMalformed = state_->malformed.load();
  stats.handlerErrors = state_->handlerErrors.load();
  stats.timedOut = state_->timedOut.load();
  stats.rejectedConnections = state_->refusedConnections.load();
  return stats;
}

}  // namespace agentguard::http

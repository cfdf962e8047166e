#include "common/http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <exception>
#include <mutex>

#include <boost/asio/ssl.hpp>
#include <cpprest/http_listener.h>
#include <pplx/threadpool.h>

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
                     std::string("the worker thread pool already exists; size it before any server or client: ") +
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

using web::http::experimental::listener::http_listener;
using web::http::experimental::listener::http_listener_config;

constexpr size_t kReadChunk = 64u * 1024u;
constexpr int kFreePortAttempts = 20;

// Asks the kernel for a free TCP port on `host` (the listener cannot bind port 0 and report it).
Result<uint16_t> findFreePort(const std::string& host) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    return makeError(ErrorCode::kInvalidArgument, "port 0 needs an IPv4 address, not \"" + host + "\"");
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return makeError(ErrorCode::kUnavailable, "could not open a socket");
  socklen_t length = sizeof(address);
  const bool bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  if (!bound) return makeError(ErrorCode::kUnavailable, "could not find a free port on " + host);
  return static_cast<uint16_t>(ntohs(address.sin_port));
}

std::string lowerCase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Sends `response` and observes the outcome: a client that went away is not an error worth a crash.
void send(web::http::http_request& request, Response&& response) {
  web::http::http_response reply(static_cast<web::http::status_code>(response.status));
  for (auto& [name, value] : response.headers) reply.headers().add(name, value);
  reply.set_body(std::move(response.body), response.contentType);
  request.reply(reply).then([](const pplx::task<void>& sent) {
    try {
      sent.get();
    } catch (...) {  // NOLINT(bugprone-empty-catch): the connection is gone; nothing to answer
    }
  });
}

// A body arriving in pieces (chunked, or larger than the limit): reads every piece as it comes, keeping
// at most `limit` bytes so an oversized body costs no memory.
struct BodyReader {
  concurrency::streams::streambuf<uint8_t> buffer;
  size_t limit = 0;
  std::string body;
  size_t total = 0;
  std::array<uint8_t, kReadChunk> chunk{};
  pplx::task_completion_event<void> done;
};

void readNext(const std::shared_ptr<BodyReader>& reader) {
  reader->buffer.getn(reader->chunk.data(), reader->chunk.size())
      .then([reader](const pplx::task<size_t>& read) {
        size_t count = 0;
        try {
          count = read.get();
        } catch (...) {
          reader->done.set_exception(std::current_exception());
          return;
        }
        if (count == 0) {
          reader->done.set();
          return;
        }
        reader->total += count;
        if (reader->total <= reader->limit) {
          reader->body.append(reinterpret_cast<const char*>(reader->chunk.data()), count);
        } else if (!reader->body.empty()) {
          std::string().swap(reader->body);
        }
        readNext(reader);
      });
}

}  // namespace

struct Server::State : std::enable_shared_from_this<Server::State> {
  State(ServerOptions serverOptions, log::Logger& log) : options(std::move(serverOptions)), logger(log) {}

  ServerOptions options;
  log::Logger& logger;
  std::map<std::string, std::map<std::string, Handler>> routes;  // path -> method -> handler
  std::unique_ptr<http_listener> listener;
  std::string host;
  std::atomic<uint16_t> port{0};
  std::atomic<bool> running{false};
  std::mutex lifecycle;

  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> tooLarge{0};
  std::atomic<uint64_t> handlerErrors{0};

  void accept(web::http::http_request request);
  void dispatch(web::http::http_request& request, std::string&& body);
  Response invoke(const Handler& handler, const Request& request);
};

void Server::State::accept(web::http::http_request request) {
  auto self = shared_from_this();
  const auto& headers = request.headers();
  uint64_t declared = 0;
  const bool hasLength = headers.has(web::http::header_names::content_length);
  if (hasLength) {
    try {
      declared = headers.content_length();
    } catch (...) {
      send(request, Response::text(400, "invalid Content-Length\n"));
      return;
    }
  }

  if (hasLength && declared <= options.maxRequestBytes) {
    // The usual case: wait until the whole (bounded) body is buffered, then take it in one piece.
    request.content_ready().then([self](const pplx::task<web::http::http_request>& ready) {
      web::http::http_request complete;
      try {
        complete = ready.get();
      } catch (...) {
        return;  // the connection broke while the body was arriving; nobody is left to answer
      }
      std::string body;
      try {
        auto buffer = complete.body().streambuf();
        body.resize(static_cast<size_t>(buffer.in_avail()));
        const size_t read = buffer.getn(reinterpret_cast<uint8_t*>(body.data()), body.size()).get();
        body.resize(read);
      } catch (const std::exception& error) {
        self->logger.warn("Failed to read request body", {{"error", error.what()}});
        send(complete, Response::text(400, "unreadable request body\n"));
        return;
      }
      self->dispatch(complete, std::move(body));
    });
    return;
  }

  auto reader = std::make_shared<BodyReader>();
  reader->buffer = request.body().streambuf();
  reader->limit = options.maxRequestBytes;
  pplx::create_task(reader->done).then([self, reader, request](const pplx::task<void>& finished) mutable {
    try {
      finished.get();
    } catch (...) {
      return;  // the connection broke while the body was arriving
    }
    if (reader->total > self->options.maxRequestBytes) {
      self->tooLarge.fetch_add(1, std::memory_order_relaxed);
      self->logger.warn("Rejected request body over the size limit",
                        {{"path", request.relative_uri().path()},
                         {"bytes", reader->total},
                         {"limit", self->options.maxRequestBytes}});
      Response response = Response::text(413, "request body is larger than " +
                                                   std::to_string(self->options.maxRequestBytes) + " bytes\n");
      response.headers.emplace_back("Connection", "close");
      send(request, std::move(response));
      return;
    }
    self->dispatch(request, std::move(reader->body));
  });
  readNext(reader);
}

Response Server::State::invoke(const Handler& handler, const Request& request) {
  try {
    return handler(request);
  } catch (const std::exception& error) {
    handlerErrors.fetch_add(1, std::memory_order_relaxed);
    logger.error("Handler failed", {{"path", request.path}, {"error", error.what()}});
  } catch (...) {
    handlerErrors.fetch_add(1, std::memory_order_relaxed);
    logger.error("Handler failed", {{"path", request.path}, {"error", "unknown exception"}});
  }
  return Response::text(500, "internal error\n");
}

void Server::State::dispatch(web::http::http_request& request, std::string&& body) {
  Request incoming;
  try {
    incoming.method = request.method();
    incoming.path = web::uri::decode(request.relative_uri().path());
    incoming.query = request.relative_uri().query();
    for (const auto& [name, value] : request.headers()) incoming.headers.emplace(lowerCase(name), value);
  } catch (const std::exception&) {
    send(request, Response::text(400, "malformed request line\n"));
    return;
  }
  incoming.body = std::move(body);

  const auto route = routes.find(incoming.path);
  if (route == routes.end()) {
    send(request, Response::text(404, "not found\n"));
    return;
  }
  const auto method = route->second.find(incoming.method);
  if (method == route->second.end()) {
    std::string allowed;
    for (const auto& [name, handler] : route->second) allowed += (allowed.empty() ? "" : ", ") + name;
    Response response = Response::text(405, "method not allowed\n");
    response.headers.emplace_back("Allow", allowed);
    send(request, std::move(response));
    return;
  }
  requests.fetch_add(1, std::memory_order_relaxed);
  send(request, invoke(method->second, incoming));
}

Server::Server(ServerOptions options, log::Logger& logger)
    : state_(std::make_shared<State>(std::move(options), logger)) {}

Server::~Server() { stop(); }

void Server::route(std::string method, std::string path, Handler handler) {
  state_->routes[std::move(path)][std::move(method)] = std::move(handler);
}

Status Server::start() {
  std::lock_guard<std::mutex> lock(state_->lifecycle);
  if (state_->running) return okStatus();
  auto address = parseListenAddress(state_->options.listen);
  if (!address) return address.error();
  state_->host = address->host;

  http_listener_config config;
  if (state_->options.tls) {
    std::shared_ptr<TlsContextProvider> tls = state_->options.tls;
    config.set_ssl_context_callback([tls](boost::asio::ssl::context& context) {
      // The listener drops the connection when this throws boost's system_error, and only then.
      if (!tls->configure(context.native_handle())) {
        throw boost::system::system_error(boost::asio::error::access_denied);
      }
    });
  }

  const std::string scheme = state_->options.tls ? "https" : "http";
  std::string lastError;
  const int attempts = address->port == 0 ? kFreePortAttempts : 1;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    uint16_t port = address->port;
    if (port == 0) {
      auto free = findFreePort(address->host);
      if (!free) return free.error();
      port = *free;
    }
    try {
      auto listener = std::make_unique<http_listener>(
          scheme + "://" + address->host + ":" + std::to_string(port) + "/", config);
      std::weak_ptr<State> weak = state_;
      listener->support([weak](web::http::http_request request) {
        if (auto state = weak.lock()) {
          state->accept(std::move(request));
        } else {
          send(request, Response::text(503, "shutting down\n"));
        }
      });
      listener->open().wait();
      state_->listener = std::move(listener);
      state_->port = port;
      state_->running = true;
      return okStatus();
    } catch (const std::exception& error) {
      lastError = error.what();
    }
  }
  return makeError(ErrorCode::kUnavailable, "could not listen on " + state_->options.listen + ": " + lastError);
}

void Server::stop() {
  std::unique_ptr<http_listener> listener;
  {
    std::lock_guard<std::mutex> lock(state_->lifecycle);
    if (!state_->running) return;
    state_->running = false;
    listener = std::move(state_->listener);
  }
  try {
    listener->close().wait();
  } catch (const std::exception& error) {
    state_->logger.warn("Failed to close the listener cleanly", {{"error", error.what()}});
  }
}

bool Server::running() const { return state_->running; }

uint16_t Server::port() const { return state_->port; }

std::string Server::localUrl() const {
  const std::string host = state_->host == "0.0.0.0" ? "127.0.0.1" : state_->host;
  return std::string(state_->options.tls ? "https" : "http") + "://" + host + ":" + std::to_string(port());
}

ServerStats Server::stats() const {
  ServerStats stats;
  stats.requests = state_->requests.load();
  stats.rejectedTooLarge = state_->tooLarge.load();
  stats.handlerErrors = state_->handlerErrors.load();
  return stats;
}

}  // namespace agentguard::http

// Longer than most files, for a reason: one CONNECT session, from accept to close (request line and
// headers, caller, allow-list, resolution with the address checks, the ClientHello's SNI, then the
// splice), is one state machine on one strand; split across files its steps would lose their order.
#include "gate/egress/connect_proxy.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>

#include "gate/egress/client_hello.h"
#include "gate/egress/connect_request.h"

namespace agentguard::gate::egress {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using SystemError = boost::system::error_code;
using Strand = asio::strand<asio::io_context::executor_type>;
using Clock = std::chrono::steady_clock;

// The client's first bytes after the 200 are read up to this much while looking for a complete
// ClientHello (a 16 KiB hello split into small records carries 5 bytes of header per record).
constexpr size_t kMaxHelloBufferBytes = 64 * 1024;
constexpr size_t kSpliceChunk = 16 * 1024;

std::string statusLine(int status) {
  switch (status) {
    case 400: return "400 Bad Request";
    case 403: return "403 Forbidden";
    case 405: return "405 Method Not Allowed";
    case 431: return "431 Request Header Fields Too Large";
    case 502: return "502 Bad Gateway";
    case 503: return "503 Service Unavailable";
    default: return std::to_string(status) + " Error";
  }
}

// The peer's address as the Pod IP is written: IPv4 when a dual-stack socket saw a v4-mapped one.
std::string peerAddress(const tcp::socket& socket) {
  SystemError error;
  const auto endpoint = socket.remote_endpoint(error);
  if (error) return {};
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

AddressClass classOf(const asio::ip::address& address) {
  if (address.is_v4()) return classifyIpv4(address.to_v4().to_bytes());
  return classifyIpv6(address.to_v6().to_bytes());
}

std::string normalizedHost(std::string_view host) {
  std::string out(host);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

}  // namespace

std::string_view egressResultName(EgressResult result) {
  switch (result) {
    case EgressResult::kSpliced: return "allowed";
    case EgressResult::kDenied: return "denied";
    case EgressResult::kUnauthenticated: return "unauthenticated";
    case EgressResult::kIpLiteral: return "ip_literal";
    case EgressResult::kAddressRefused: return "address_refused";
    case EgressResult::kMalformed: return "malformed";
    case EgressResult::kResolveFailed: return "resolve_failed";
    case EgressResult::kUpstreamFailed: return "upstream_failed";
    case EgressResult::kNotTls: return "not_tls";
    case EgressResult::kNoSni: return "no_sni";
    case EgressResult::kSniMismatch: return "sni_mismatch";
    case EgressResult::kTimedOut: return "timed_out";
    case EgressResult::kLimitExceeded: return "limit_exceeded";
  }
  return "unknown";
}

bool publicAddressesOnly(std::string_view /*address*/, AddressClass addressClass) {
  return addressClass == AddressClass::kPublic;
}

// What every session shares: options, hooks, the worker pool and the connection count. Outlives every
// session: the proxy destroys the worker pool, then the io_context (and with them every pending handler
// holding a session), before this.
struct ProxyShared {
  ConnectProxyOptions options;
  ConnectProxyHooks hooks;
  asio::thread_pool* workers = nullptr;
  std::atomic<size_t> connections{0};

  ProxyShared(ConnectProxyOptions o, ConnectProxyHooks h) : options(std::move(o)), hooks(std::move(h)) {
    if (!hooks.addressAllowed) hooks.addressAllowed = publicAddressesOnly;
  }
};

namespace {

// One client connection, from accept to close. Every handler runs on the session's strand.
class Session final : public std::enable_shared_from_this<Session> {
 public:
  Session(ProxyShared& shared, tcp::socket client, Strand strand)
      : shared_(shared),
        options_(shared.options),
        strand_(std::move(strand)),
        client_(std::move(client)),
        upstream_(strand_),
        resolver_(strand_),
        timer_(strand_) {
    outcome_.sourceIp = peerAddress(client_);
  }

  ~Session() {
    --shared_.connections;
    if (shared_.hooks.onOutcome) {
      try {
        shared_.hooks.onOutcome(outcome_);
      } catch (...) {  // the outcome is only reported; a throwing sink must not end the process
      }
    }
  }

  void start() {
    armDeadline(options_.headTimeout, "no complete CONNECT request head within the time limit");
    asio::async_read_until(client_, asio::dynamic_buffer(head_, options_.maxHeadBytes), "\r\n\r\n",
                           [self = shared_from_this()](const SystemError& error, size_t length) {
                             self->onHead(error, length);
                           });
  }

 private:
  void onHead(const SystemError& error, size_t length) {
    if (error) {
      if (timedOut_) return;
      if (error == asio::error::not_found) return refuse(431, EgressResult::kMalformed, "request head is over " + std::to_string(options_.maxHeadBytes) + " bytes");
      return finish(EgressResult::kMalformed, "client closed before the request head ended");
    }
    // Bytes the client sent after the head (a pipelined ClientHello) belong to the tunnel.
    clientPrefix_ = head_.substr(length);
    head_.resize(length);
    auto parsed = parseConnectRequest(head_);
    if (auto* problem = std::get_if<ConnectRequestError>(&parsed)) {
      return refuse(problem->status, EgressResult::kMalformed, problem->reason);
    }
    request_ = std::get<ConnectRequest>(std::move(parsed));
    outcome_.host = request_.host;
    outcome_.port = request_.port;
    if (request_.hostIsIpLiteral && !options_.allowIpLiterals) {
      return refuse(403, EgressResult::kIpLiteral,
                    "CONNECT to the IP address " + request_.host + " is refused; connect to a host name listed in network.egressHosts");
    }
    timer_.cancel();
    // Authentication and the authorizer may block (API server calls): on the worker pool.
    asio::post(*shared_.workers, [self = shared_from_this()] {
      auto decision = self->decide();
      asio::post(self->strand_, [self, decision = std::move(decision)]() mutable { self->onDecision(std::move(decision)); });
    });
  }

  struct Decision {
    EgressResult refusal = EgressResult::kDenied;
    int status = 403;  // 503 when the caller could not be checked (the API server did not answer)
    bool allowed = false;
    std::string reason;
    std::optional<Caller> caller;
  };

  static Decision unauthenticated(const Error& error) {
    Decision decision;
    decision.refusal = EgressResult::kUnauthenticated;
    decision.status = error.code == ErrorCode::kUnavailable ? 503 : 403;
    decision.reason = error.message;
    return decision;
  }

  Decision decide() {
    Decision decision;
    try {
      const std::string& ip = outcome_.sourceIp;
      if (request_.proxyBearerToken) {
        if (shared_.hooks.authenticator == nullptr) {
          decision.refusal = EgressResult::kUnauthenticated;
          decision.reason = "Proxy-Authorization is not accepted by this proxy";
          return decision;
        }
        auto caller = shared_.hooks.authenticator->authenticate(*request_.proxyBearerToken, ip);
        if (!caller.ok()) return unauthenticated(caller.error());
        decision.caller = std::move(caller).value();
      } else if (shared_.hooks.identifyBySourceIp) {
        auto caller = shared_.hooks.identifyBySourceIp(ip);
        if (!caller.ok()) return unauthenticated(caller.error());
        decision.caller = std::move(caller).value();
      }
      if (!shared_.hooks.authorize) {
        decision.reason = "no egress policy is configured";
        return decision;
      }
      const Caller* caller = decision.caller ? &*decision.caller : nullptr;
      EgressDecision answer = shared_.hooks.authorize(caller, ip, request_.host, request_.port);
      decision.allowed = answer.allowed;
      decision.reason = std::move(answer.reason);
    } catch (const std::exception& error) {
      decision = Decision{};
      decision.reason = std::string("egress decision failed: ") + error.what();
    } catch (...) {
      decision = Decision{};
      decision.reason = "egress decision failed";
    }
    return decision;
  }

  void onDecision(Decision decision) {
    outcome_.caller = std::move(decision.caller);
    if (!decision.allowed) {
      std::string reason = decision.reason.empty() ? request_.host + ":" + std::to_string(request_.port) + " is not allowed" : decision.reason;
      return refuse(decision.status, decision.refusal, std::move(reason));
    }
    outcome_.reason = std::move(decision.reason);
    armDeadline(options_.connectTimeout, "resolving or connecting to " + request_.host + " took too long");
    resolver_.async_resolve(request_.host, std::to_string(request_.port), tcp::resolver::numeric_service,
                            [self = shared_from_this()](const SystemError& error, tcp::resolver::results_type results) {
                              self->onResolved(error, std::move(results));
                            });
  }

  void onResolved(const SystemError& error, const tcp::resolver::results_type& results) {
    if (timedOut_) return;
    if (error) return refuse(502, EgressResult::kResolveFailed, "could not resolve " + request_.host + ": " + error.message());
    std::vector<tcp::endpoint> permitted;
    std::string refused;
    for (const auto& entry : results) {
      const auto address = entry.endpoint().address();
      const AddressClass addressClass = classOf(address);
      const std::string text = address.to_string();
      if (shared_.hooks.addressAllowed(text, addressClass)) {
        permitted.push_back(entry.endpoint());
      } else {
        refused += (refused.empty() ? "" : ", ") + text + " (" + std::string(addressClassName(addressClass)) + ")";
      }
    }
    if (permitted.empty()) {
      return refuse(403, EgressResult::kAddressRefused,
                    request_.host + " resolves only to refused addresses: " + refused +
                        "; egress goes to public addresses only");
    }
    asio::async_connect(upstream_, permitted, [self = shared_from_this()](const SystemError& connectError, const tcp::endpoint& endpoint) {
      self->onConnected(connectError, endpoint);
    });
  }

  void onConnected(const SystemError& error, const tcp::endpoint& endpoint) {
    if (timedOut_) return;
    if (error) return refuse(502, EgressResult::kUpstreamFailed, "could not connect to " + request_.host + ": " + error.message());
    outcome_.upstreamAddress = endpoint.address().to_string();
    armDeadline(options_.clientHelloTimeout, "no complete TLS ClientHello within the time limit");
    established_ = "HTTP/1.1 200 Connection Established\r\n\r\n";
    asio::async_write(client_, asio::buffer(established_), [self = shared_from_this()](const SystemError& writeError, size_t) {
      if (writeError) return self->finish(EgressResult::kMalformed, "client closed before the 200");
      self->checkClientHello();
    });
  }

  // Judges the bytes so far; reads more while the ClientHello is incomplete.
  void checkClientHello() {
    if (timedOut_) return;
    const ClientHelloResult hello = parseClientHello(clientPrefix_);
    switch (hello.status) {
      case ClientHelloStatus::kNeedMore:
        if (clientPrefix_.size() >= kMaxHelloBufferBytes) return finish(EgressResult::kNotTls, "ClientHello is not complete within 64 KiB");
        return readMoreHello();
      case ClientHelloStatus::kNotTls:
        return finish(EgressResult::kNotTls, "the tunnel must start with a TLS ClientHello: " + hello.detail);
      case ClientHelloStatus::kNoServerName:
        if (request_.hostIsIpLiteral) return startSplice();
        return finish(EgressResult::kNoSni, "the TLS ClientHello names no server (SNI); it must name " + request_.host);
      case ClientHelloStatus::kServerName:
        if (normalizedHost(hello.serverName) != request_.host) {
          return finish(EgressResult::kSniMismatch, "the TLS ClientHello names " + hello.serverName + ", the CONNECT was for " + request_.host);
        }
        return startSplice();
    }
  }

  void readMoreHello() {
    const size_t offset = clientPrefix_.size();
    clientPrefix_.resize(std::min(kMaxHelloBufferBytes, offset + 4096));
    client_.async_read_some(asio::buffer(clientPrefix_.data() + offset, clientPrefix_.size() - offset),
                            [self = shared_from_this(), offset](const SystemError& error, size_t read) {
                              self->clientPrefix_.resize(offset + read);
                              if (self->timedOut_) return;
                              if (error) return self->finish(EgressResult::kNotTls, "client closed before a complete TLS ClientHello");
                              self->checkClientHello();
                            });
  }

  void startSplice() {
    if (clientPrefix_.size() > options_.maxBytesPerDirection) {
      return finish(EgressResult::kLimitExceeded, "tunnel passed the limit of " + std::to_string(options_.maxBytesPerDirection) + " bytes per direction");
    }
    timer_.cancel();
    splicing_ = true;
    lastActivity_ = Clock::now();
    watchIdle();
    outcome_.bytesToUpstream = clientPrefix_.size();
    asio::async_write(upstream_, asio::buffer(clientPrefix_), [self = shared_from_this()](const SystemError& error, size_t) {
      if (error) return self->finish(EgressResult::kSpliced, "upstream closed");
      self->pump(self->client_, self->upstream_, self->toUpstream_, self->outcome_.bytesToUpstream, 0);
      self->pump(self->upstream_, self->client_, self->toClient_, self->outcome_.bytesToClient, 1);
    });
  }

  // Relays `from` to `to` until EOF (then half-closes `to`), an error, or the byte limit.
  void pump(tcp::socket& from, tcp::socket& to, std::array<char, kSpliceChunk>& buffer, uint64_t& counter, int direction) {
    from.async_read_some(asio::buffer(buffer), [self = shared_from_this(), &from, &to, &buffer, &counter, direction](
                                                   const SystemError& error, size_t read) {
      if (error) {
        SystemError ignored;
        to.shutdown(tcp::socket::shutdown_send, ignored);
        if (++self->pumpsDone_ == 2 || error != asio::error::eof) self->finish(EgressResult::kSpliced, self->outcome_.reason);
        return;
      }
      self->lastActivity_ = Clock::now();
      counter += read;
      if (counter > self->options_.maxBytesPerDirection) {
        return self->finish(EgressResult::kLimitExceeded, "tunnel passed the limit of " + std::to_string(self->options_.maxBytesPerDirection) + " bytes per direction");
      }
      asio::async_write(to, asio::buffer(buffer.data(), read), [self, &from, &to, &buffer, &counter, direction](const SystemError& writeError, size_t) {
        if (writeError) return self->finish(EgressResult::kSpliced, self->outcome_.reason);
        self->lastActivity_ = Clock::now();
        self->pump(from, to, buffer, counter, direction);
      });
    });
  }

  void watchIdle() {
    const auto idleFor = Clock::now() - lastActivity_;
    if (idleFor >= options_.idleTimeout) return finish(EgressResult::kSpliced, "tunnel idle for " + std::to_string(options_.idleTimeout.count()) + " ms");
    timer_.expires_after(options_.idleTimeout - idleFor);
    timer_.async_wait([self = shared_from_this()](const SystemError& error) {
      if (!error && !self->finished_) self->watchIdle();
    });
  }

  void armDeadline(std::chrono::milliseconds after, std::string reason) {
    timer_.expires_after(after);
    timer_.async_wait([self = shared_from_this(), reason = std::move(reason)](const SystemError& error) {
      if (error || self->finished_) return;
      self->timedOut_ = true;
      self->finish(EgressResult::kTimedOut, reason);
    });
  }

  // Answers an HTTP error with `reason` as the body, then closes.
  void refuse(int status, EgressResult result, std::string reason) {
    timer_.cancel();
    outcome_.result = result;
    outcome_.reason = reason;
    response_ = "HTTP/1.1 " + statusLine(status) + "\r\nContent-Type: text/plain; charset=utf-8\r\n" +
                (status == 405 ? "Allow: CONNECT\r\n" : "") + "Content-Length: " + std::to_string(reason.size() + 1) +
                "\r\nConnection: close\r\n\r\n" + reason + "\n";
    armDeadline(options_.headTimeout, reason);
    asio::async_write(client_, asio::buffer(response_), [self = shared_from_this(), result, reason](const SystemError&, size_t) {
      self->finish(result, reason);
    });
  }

  void finish(EgressResult result, std::string reason) {
    if (finished_) return;
    finished_ = true;
    outcome_.result = result;
    outcome_.reason = std::move(reason);
    SystemError ignored;
    timer_.cancel();
    resolver_.cancel();
    client_.shutdown(tcp::socket::shutdown_both, ignored);
    client_.close(ignored);
    upstream_.close(ignored);
  }

  ProxyShared& shared_;
  const ConnectProxyOptions& options_;
  Strand strand_;
  tcp::socket client_;
  tcp::socket upstream_;
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  std::string head_;
  std::string clientPrefix_;  // the client's bytes after the head: the ClientHello, forwarded first
  std::string established_;
  std::string response_;
  ConnectRequest request_;
  EgressOutcome outcome_;
  std::array<char, kSpliceChunk> toUpstream_{};
  std::array<char, kSpliceChunk> toClient_{};
  Clock::time_point lastActivity_{};
  int pumpsDone_ = 0;
  bool splicing_ = false;
  bool timedOut_ = false;
  bool finished_ = false;
};

}  // namespace

class ConnectProxy::Impl {
 public:
  Impl(ConnectProxyOptions options, ConnectProxyHooks hooks)
      : shared_(std::move(options), std::move(hooks)),
        workers_(static_cast<size_t>(std::max(1, shared_.options.workerThreads))) {
    shared_.workers = &workers_;
  }

  Status start() {
    try {
      const auto address = asio::ip::make_address(shared_.options.listenAddress);
      acceptor_.open(address.is_v4() ? tcp::v4() : tcp::v6());
      acceptor_.set_option(tcp::acceptor::reuse_address(true));
      acceptor_.bind(tcp::endpoint(address, shared_.options.port));
      acceptor_.listen();
      port_ = acceptor_.local_endpoint().port();
    } catch (const boost::system::system_error& error) {
      return makeError(ErrorCode::kUnavailable, "CONNECT proxy could not listen on " + shared_.options.listenAddress + ":" +
                                                    std::to_string(shared_.options.port) + ": " + error.what());
    }
    accept();
    for (int i = 0; i < std::max(1, shared_.options.threads); ++i) threads_.emplace_back([this] { io_.run(); });
    return okStatus();
  }

  uint16_t port() const { return port_; }

  // Decisions under way are abandoned (their sessions end when the pool and the io_context are destroyed).
  void stop() {
    std::lock_guard<std::mutex> lock(stopMutex_);
    if (stopped_) return;
    stopped_ = true;
    workers_.stop();
    workers_.join();
    io_.stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    SystemError ignored;
    acceptor_.close(ignored);
  }

 private:
  void accept() {
    auto strand = asio::make_strand(io_);
    acceptor_.async_accept(strand, [this, strand](const SystemError& error, tcp::socket socket) {
      if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (!error) {
        if (++shared_.connections > shared_.options.maxConnections) {
          --shared_.connections;
          SystemError ignored;
          socket.close(ignored);
          if (shared_.hooks.onOutcome) {
            EgressOutcome outcome;
            outcome.result = EgressResult::kLimitExceeded;
            outcome.reason = "the proxy has " + std::to_string(shared_.options.maxConnections) + " connections open";
            shared_.hooks.onOutcome(outcome);
          }
        } else {
          auto session = std::make_shared<Session>(shared_, std::move(socket), strand);
          asio::dispatch(strand, [session] { session->start(); });
        }
      }
      accept();
    });
  }

  // Destroyed in reverse: the io threads, the worker pool (pending decisions drop their sessions while
  // the io_context lives), the acceptor, the io_context (the sessions in its handlers), then shared_.
  ProxyShared shared_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  asio::thread_pool workers_;
  std::vector<std::thread> threads_;
  std::mutex stopMutex_;
  bool stopped_ = false;
  uint16_t port_ = 0;
};

ConnectProxy::ConnectProxy(ConnectProxyOptions options, ConnectProxyHooks hooks)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(hooks))) {}
ConnectProxy::~ConnectProxy() { stop(); }
Status ConnectProxy::start() { return impl_->start(); }
uint16_t ConnectProxy::port() const { return impl_->port(); }
void ConnectProxy::stop() { impl_->stop(); }

}  // namespace agentguard::gate::egress

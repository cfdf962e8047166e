#include "common/http/connection.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/defer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace agentguard::http::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using ErrorCode = boost::system::error_code;
// beast::tcp_stream on one io_context's executor (see LoopSocket).
using LoopStream = beast::basic_stream<asio::ip::tcp, asio::io_context::executor_type>;

// After refusing a request whose body is still arriving, keep reading (and dropping) it this long and
// this much before closing, so the client sees the answer instead of a reset.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 16u * 1024u * 1024u;
constexpr size_t kLingerChunk = 16u * 1024u;
constexpr size_t kFirstReadBytes = 4096;
// When the server stops, an idle keep-alive connection stays open this long before it is closed. A client
// that sent a request on it before it could see the close gets an answer (with Connection: close) instead
// of a reset: the API server sends admission requests over pooled connections to a Pod that has already
// left the Service's endpoints, and does not retry a POST on a broken connection.
constexpr auto kStopIdleGrace = std::chrono::seconds(1);

std::string_view view(beast::string_view text) { return {text.data(), text.size()}; }

std::string lowerCase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes a request path; nullopt for a malformed escape or an encoded NUL.
std::optional<std::string> decodePath(std::string_view raw) {
  std::string decoded;
  decoded.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '%') {
      decoded.push_back(raw[i]);
      continue;
    }
    if (i + 2 >= raw.size()) return std::nullopt;
    const int high = hexValue(raw[i + 1]);
    const int low = hexValue(raw[i + 2]);
    if (high < 0 || low < 0 || (high == 0 && low == 0)) return std::nullopt;
    decoded.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return decoded;
}

bool isTimeout(const ErrorCode& error) { return error == beast::error::timeout; }

// The peer went away or the server closed the socket: nothing to answer, nothing to log.
bool isDisconnect(const ErrorCode& error) {
  return error == bhttp::error::end_of_stream || error == asio::error::eof ||
         error == asio::error::connection_reset || error == asio::error::operation_aborted ||
         error == asio::error::bad_descriptor || error == asio::error::broken_pipe ||
         error == asio::ssl::error::stream_truncated;
}

template <class Stream>
class Session final : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... StreamArgs>
  Session(ConnectionHost& host, StreamArgs&&... streamArgs)
      : host_(host), options_(host.options()), stream_(std::forward<StreamArgs>(streamArgs)...) {}

  ~Session() override { host_.forget(this); }

  void start() {
    host_.remember(this, this->weak_from_this());
    if constexpr (kTls) {
      tcp().expires_after(options_.handshakeTimeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](const ErrorCode& error) { self->onHandshake(error); });
    } else {
      awaitRequest();
    }
  }

  // A request being answered is finished first; the connection closes after its response. An idle one
  // is closed after kStopIdleGrace unless a request arrives first, which is answered and closes it.
  void close() override {
    closing_ = true;  // read by a handler's response, which may be under way on another thread
    asio::post(tcp().get_executor(), [self = this->shared_from_this()] {
      if (self->busy_) return;
      self->stopGrace_.emplace(self->tcp().get_executor(), kStopIdleGrace);
      self->stopGrace_->async_wait([self](const ErrorCode&) {
        if (!self->busy_) self->tcp().close();
      });
    });
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, LoopStream>;

  LoopStream& tcp() { return beast::get_lowest_layer(stream_); }

  void onHandshake(const ErrorCode& error) {
    if (error) {
      // Fatal alerts are counted by the TLS context's own callbacks; a silent peer only here.
      if (isTimeout(error)) host_.record(Outcome::kTimedOut);
      return;
    }
    awaitRequest();
  }

  // Waits for the first bytes of the next request under the idle deadline, so that a keep-alive
  // connection may rest between requests while a request itself must arrive within requestTimeout.
  void awaitRequest() {
    if (buffer_.size() > 0) {  // pipelined: the next request is already here
      readHeader();
      return;
    }
    tcp().expires_after(options_.idleTimeout);
    stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            [self = this->shared_from_this()](const ErrorCode& error, size_t bytes) {
                              self->onFirstBytes(error, bytes);
                            });
  }

  void onFirstBytes(const ErrorCode& error, size_t bytes) {
    buffer_.commit(bytes);
    if (error) return;  // idle timeout or the peer closed: both normal between requests
    readHeader();
  }

  void readHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<size_t>(options_.maxHeaderBytes, UINT32_MAX)));
    parser_->body_limit(options_.maxRequestBytes);
    tcp().expires_after(options_.requestTimeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](const ErrorCode& error, size_t) {
                               self->onHeader(error);
                             });
  }

  void onHeader(const ErrorCode& error) {
    if (error) {
      refuse(error);
      return;
    }
    busy_ = true;
    const auto expect = parser_->get().find(bhttp::field::expect);
    if (expect != parser_->get().end() && beast::iequals(expect->value(), "100-continue") && !parser_->is_done()) {
      auto interim = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      bhttp::async_write(stream_, *interim,
                         [self = this->shared_from_this(), interim](const ErrorCode& written, size_t) {
                           if (written) return;
                           self->readBody();
                         });
      return;
    }
    readBody();
  }

  void readBody() {
    if (parser_->is_done()) {
      respond();
      return;
    }
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](const ErrorCode& error, size_t) { self->onBody(error); });
  }

  void onBody(const ErrorCode& error) {
    if (error) {
      refuse(error);
      return;
    }
    respond();
  }

  // A request that could not be read: answers it when the peer is still there to hear it.
  void refuse(const ErrorCode& error) {
    if (isTimeout(error)) {
      host_.record(Outcome::kTimedOut);
      return;
    }
    if (isDisconnect(error) || error == bhttp::error::partial_message) return;
    Response response;
    if (error == bhttp::error::body_limit) {
      host_.record(Outcome::kTooLarge);
      host_.logger().warn("Rejected request body over the size limit",
                          {{"path", std::string(parser_->get().target())}, {"limit", options_.maxRequestBytes}});
      response = Response::text(413, "request body is larger than " + std::to_string(options_.maxRequestBytes) +
                                         " bytes\n");
    } else if (error == bhttp::error::header_limit) {
      host_.record(Outcome::kMalformed);
      response = Response::text(431, "request headers are larger than " +
                                         std::to_string(options_.maxHeaderBytes) + " bytes\n");
    } else {
      host_.record(Outcome::kMalformed);
      host_.logger().warn("Rejected a malformed HTTP request", {{"error", error.message()}});
      response = Response::text(400, "malformed HTTP request: " + error.message() + "\n");
    }
    send(std::move(response), /*keepAlive=*/false, /*drain=*/true);
  }

  void respond() {
    Request request;
    auto message = parser_->release();
    parser_.reset();
    const std::string_view target(message.target().data(), message.target().size());
    const size_t question = target.find('?');
    auto path = decodePath(target.substr(0, question));
    if (!path || path->empty() || path->front() != '/') {
      host_.record(Outcome::kMalformed);
      send(Response::text(400, "malformed request target\n"), /*keepAlive=*/false, /*drain=*/false);
      return;
    }
    request.method = std::string(message.method_string());
    request.path = std::move(*path);
    if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
    for (const auto& field : message) {
      auto [entry, inserted] =
          request.headers.emplace(lowerCase(view(field.name_string())), std::string(field.value()));
      if (!inserted) entry->second += ", " + std::string(field.value());
    }
    request.body = std::move(message.body());
    const bool keepAlive = message.keep_alive();
    send(host_.handle(request), keepAlive, /*drain=*/false);
  }

  void send(Response&& response, bool keepAlive, bool drain) {
    auto reply = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(response.status), 11);
    reply->set(bhttp::field::content_type, response.contentType);
    for (auto& [name, value] : response.headers) {
      reply->set(name, value);
      if (beast::iequals(name, "connection") && beast::iequals(value, "close")) keepAlive = false;
    }
    reply->body() = std::move(response.body);
    if (closing_) keepAlive = false;
    reply->keep_alive(keepAlive);
    reply->prepare_payload();
    tcp().expires_after(options_.writeTimeout);
    // Deferred, not written at once: the loop first handles the requests it has already read on other
    // connections, then writes their answers back to back. Each write into an idle peer wakes it, which
    // costs the writer more than the write; answers sent together wake a client once, not once each
    // (the same batching Redis does before it sleeps). A request waits at most for the others read with it.
    asio::defer(tcp().get_executor(), [self = this->shared_from_this(), reply, keepAlive, drain] {
      bhttp::async_write(self->stream_, *reply, [self, reply, keepAlive, drain](const ErrorCode& error, size_t) {
        self->onWritten(error, keepAlive, drain);
      });
    });
  }

  void onWritten(const ErrorCode& error, bool keepAlive, bool drain) {
    busy_ = false;
    if (error) {
      if (isTimeout(error)) host_.record(Outcome::kTimedOut);
      return;
    }
    // closing_ may have been set after the response went out saying keep-alive.
    if (keepAlive && !closing_) {
      awaitRequest();
    } else if (drain) {
      linger();
    } else {
      finish();
    }
  }

  // Half-closes, then reads and drops what the client is still sending until it closes or the linger
  // limits pass: closing with unread bytes would reset the connection and could destroy the answer.
  void linger() {
    if (!scratch_) {  // the first call
      ErrorCode ignored;
      tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      tcp().expires_after(kLingerTime);
      scratch_ = std::make_unique<char[]>(kLingerChunk);
    }
    stream_.async_read_some(asio::buffer(scratch_.get(), kLingerChunk),
                            [self = this->shared_from_this()](const ErrorCode& error, size_t bytes) {
                              self->lingered_ += bytes;
                              if (error || self->lingered_ > kLingerBytes) {
                                self->tcp().close();
                                return;
                              }
                              self->linger();
                            });
  }

  // Ends a connection that asked for `Connection: close`: TLS close_notify, then the socket.
  void finish() {
    if constexpr (kTls) {
      tcp().expires_after(std::chrono::seconds(1));
      stream_.async_shutdown([self = this->shared_from_this()](const ErrorCode&) { self->tcp().close(); });
    } else {
      ErrorCode ignored;
      tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      tcp().close();
    }
  }

  ConnectionHost& host_;
  const ServerOptions& options_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool busy_ = false;     // from a complete header until its response is written
  std::optional<asio::steady_timer> stopGrace_;  // set by close() on an idle connection
  std::atomic<bool> closing_{false};  // the server is stopping: no further request on this connection
  size_t lingered_ = 0;
  std::unique_ptr<char[]> scratch_;  // allocated when lingering starts: idle connections stay small
};

}  // namespace

std::shared_ptr<Connection> startConnection(LoopSocket socket, asio::ssl::context* tls, ConnectionHost& host) {
  ErrorCode ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  if (tls != nullptr) {
    auto session = std::make_shared<Session<beast::ssl_stream<LoopStream>>>(host, std::move(socket), *tls);
    session->start();
    return session;
  }
  auto session = std::make_shared<Session<LoopStream>>(host, std::move(socket));
  session->start();
  return session;
}

}  // namespace agentguard::http::detail

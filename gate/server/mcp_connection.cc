#include "gate/server/mcp_connection.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <limits>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "gate/server/sse_event_filter.h"

namespace agentguard::gate::server::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::string_view kPathPrefix = "/mcp/";
constexpr size_t kFirstReadBytes = 4096;
constexpr size_t kRelayChunkBytes = 16u * 1024u;
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 16u * 1024u * 1024u;

// The upstream's answer headers that reach the agent; the rest (cookies, the upstream's own
// authentication challenges, hop-by-hop fields) stay behind.
constexpr std::array<std::string_view, 5> kReturnedHeaders = {"content-type", "mcp-session-id", "mcp-protocol-version",
                                                              "cache-control", "retry-after"};

std::string_view view(beast::string_view text) { return {text.data(), text.size()}; }

std::string lowerCase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

// A server name is a DNS label (tools.servers[].name).
bool isServerName(std::string_view name) {
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

bool isDisconnect(const ErrorCode& error) {
  return error == bhttp::error::end_of_stream || error == asio::error::eof || error == asio::error::connection_reset ||
         error == asio::error::operation_aborted || error == asio::error::bad_descriptor ||
         error == asio::error::broken_pipe || error == bhttp::error::partial_message;
}

bool isEventStream(std::string_view contentType) {
  return lowerCase(contentType).rfind("text/event-stream", 0) == 0;
}

}  // namespace

McpConnection::McpConnection(std::shared_ptr<asio::io_context> loop, LoopSocket socket, const McpServerOptions& options,
                             const CallPipeline& pipeline, log::Logger& logger)
    : loop_(std::move(loop)), options_(options), pipeline_(pipeline), logger_(logger), client_(std::move(socket)) {}

template <class Start>
ErrorCode McpConnection::await(Start&& start) {
  ErrorCode result = asio::error::operation_aborted;
  start([&result](const ErrorCode& error, auto&&...) { result = error; });
  loop_->restart();
  loop_->run();
  return result;
}

void McpConnection::close() {
  closing_ = true;
  asio::post(*loop_, [this] {
    ErrorCode ignored;
    client_.socket().close(ignored);
    if (upstream_) upstream_->socket().close(ignored);
  });
}

std::string McpConnection::sourceIp() {
  ErrorCode error;
  const auto endpoint = client_.socket().remote_endpoint(error);
  if (error) return "";
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

void McpConnection::run() {
  ErrorCode ignored;
  client_.socket().set_option(tcp::no_delay(true), ignored);
  while (!closing_) {
    RequestParser parser;
    if (!readRequest(parser)) break;
    if (!serve(parser)) break;
  }
  client_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  client_.socket().close(ignored);
  loop_->restart();
  loop_->run();  // the handlers the close left behind
}

bool McpConnection::readRequest(RequestParser& parser) {
  if (buffer_.size() == 0) {  // waits for the next request under the idle deadline
    client_.expires_after(options_.idleTimeout);
    size_t received = 0;
    const ErrorCode error = await([&](auto handler) {
      client_.async_read_some(buffer_.prepare(kFirstReadBytes),
                              [&received, handler](const ErrorCode& failure, size_t bytes) mutable {
                                received = bytes;
                                handler(failure);
                              });
    });
    buffer_.commit(received);
    if (error) return false;
  }
  parser.header_limit(static_cast<std::uint32_t>(options_.maxHeaderBytes));
  parser.body_limit(options_.maxRequestBytes);
  client_.expires_after(options_.requestTimeout);
  ErrorCode error = await([&](auto handler) { bhttp::async_read_header(client_, buffer_, parser, handler); });
  if (!error && !parser.is_done()) {
    const auto expect = parser.get().find(bhttp::field::expect);
    if (expect != parser.get().end() && beast::iequals(expect->value(), "100-continue")) {
      bhttp::response<bhttp::empty_body> interim(bhttp::status::continue_, 11);
      error = await([&](auto handler) { bhttp::async_write(client_, interim, handler); });
    }
    if (!error) error = await([&](auto handler) { bhttp::async_read(client_, buffer_, parser, handler); });
  }
  if (error) {
    refuseUnreadable(error, parser);
    return false;
  }
  return true;
}

void McpConnection::refuseUnreadable(const ErrorCode& error, RequestParser& parser) {
  if (error == beast::error::timeout || isDisconnect(error)) return;
  if (error == bhttp::error::body_limit) {
    logger_.warn("Refused an MCP request over the size limit", {{"limit", options_.maxRequestBytes}});
    const std::optional<IncomingRequest> request = incoming(parser.get());
    answer(request ? pipeline_.refuseTooLarge(*request, options_.maxRequestBytes)
                   : Answer{413, R"({"error":"request body too large"})"},
           false);
    linger();
    return;
  }
  bhttp::response<bhttp::string_body> refusal(
      error == bhttp::error::header_limit ? bhttp::status::request_header_fields_too_large : bhttp::status::bad_request,
      11);
  refusal.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  refusal.body() = "malformed HTTP request: " + error.message() + "\n";
  refusal.keep_alive(false);
  refusal.prepare_payload();
  client_.expires_after(options_.writeTimeout);
  (void)await([&](auto handler) { bhttp::async_write(client_, refusal, handler); });
  linger();
}

// Half-closes, then reads and drops what the client still sends for a moment: closing with unread
// bytes would reset the connection and could destroy the answer before the client reads it.
void McpConnection::linger() {
  ErrorCode ignored;
  client_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  client_.expires_after(kLingerTime);
  std::array<char, 16384> scratch{};
  size_t dropped = 0;
  while (dropped < kLingerBytes) {
    size_t received = 0;
    const ErrorCode error = await([&](auto handler) {
      client_.async_read_some(asio::buffer(scratch), [&received, handler](const ErrorCode& failure, size_t bytes) mutable {
        received = bytes;
        handler(failure);
      });
    });
    if (error) break;
    dropped += received;
  }
}

std::optional<IncomingRequest> McpConnection::incoming(const bhttp::request<bhttp::string_body>& message) {
  const std::string_view target(message.target().data(), message.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  IncomingRequest request;
  request.method = std::string(message.method_string());
  if (path.rfind(kPathPrefix, 0) != 0 || !isServerName(path.substr(kPathPrefix.size()))) return std::nullopt;
  request.server = std::string(path.substr(kPathPrefix.size()));
  for (const auto& field : message) {
    auto [entry, inserted] = request.headers.emplace(lowerCase(view(field.name_string())), std::string(field.value()));
    if (!inserted) entry->second += ", " + std::string(field.value());
  }
  request.sourceIp = sourceIp();
  return request;
}

bool McpConnection::serve(RequestParser& parser) {
  bhttp::request<bhttp::string_body> message = parser.release();
  const bool keepAlive = message.keep_alive();
  std::optional<IncomingRequest> parsed = incoming(message);
  if (!parsed) return answer({404, R"({"error":"not found: the gate serves /mcp/<server>"})"}, keepAlive);
  IncomingRequest& request = *parsed;
  if (request.method != "POST" && request.method != "GET" && request.method != "DELETE") {
    return answer({405, R"({"error":"method not allowed: POST, GET or DELETE"})"}, keepAlive);
  }
  request.body = std::move(message.body());
  const Admission admission = request.method == "POST" ? pipeline_.admitCall(request) : pipeline_.admitSession(request);
  if (admission.answer) return answer(*admission.answer, keepAlive);
  return forward(admission.forward, request, keepAlive);
}

bool McpConnection::answer(const Answer& answer, bool keepAlive) {
  bhttp::response<bhttp::string_body> response(static_cast<bhttp::status>(answer.status), 11);
  response.set(bhttp::field::content_type, "application/json");
  response.body() = answer.body;
  response.keep_alive(keepAlive && !closing_);
  response.prepare_payload();
  client_.expires_after(options_.writeTimeout);
  const ErrorCode error = await([&](auto handler) { bhttp::async_write(client_, response, handler); });
  return !error && response.keep_alive();
}

ErrorCode McpConnection::connectUpstream(const UpstreamUrl& url) {
  ErrorCode error;
  // An IP literal needs no resolver: asio resolves on a thread of its own, and the hop to it and back
  // cost several milliseconds per call on a busy node.
  const asio::ip::address literal = asio::ip::make_address(url.host, error);
  if (!error) {
    return connectTo(
        tcp::resolver::results_type::create(tcp::endpoint(literal, url.port), url.host, std::to_string(url.port)));
  }
  tcp::resolver resolver(*loop_);
  tcp::resolver::results_type endpoints;
  error = asio::error::timed_out;
  bool resolved = false;
  resolver.async_resolve(url.host, std::to_string(url.port),
                         [&](const ErrorCode& failure, tcp::resolver::results_type results) {
                           error = failure;
                           endpoints = std::move(results);
                           resolved = true;
                         });
  loop_->restart();
  loop_->run_for(options_.upstreamConnectTimeout);
  if (!resolved) {
    resolver.cancel();
    loop_->restart();
    loop_->run();
    return asio::error::timed_out;
  }
  if (error) return error;
  return connectTo(endpoints);
}

ErrorCode McpConnection::connectTo(const boost::asio::ip::tcp::resolver::results_type& endpoints) {
  upstream_.emplace(loop_->get_executor());
  upstream_->expires_after(options_.upstreamConnectTimeout);
  const ErrorCode error = await([&](auto handler) { upstream_->async_connect(endpoints, handler); });
  if (!error) {
    ErrorCode ignored;
    upstream_->socket().set_option(tcp::no_delay(true), ignored);
  }
  return error;
}

bool McpConnection::forward(const Forward& forward, const IncomingRequest& request, bool keepAlive) {
  if (forward.url.tls) {
    return answer(CallPipeline::upstreamUnavailable(forward, "https upstreams are not supported yet; use http"),
                  keepAlive);
  }
  const auto started = std::chrono::steady_clock::now();
  if (const ErrorCode error = connectUpstream(forward.url)) {
    upstream_.reset();
    return answer(CallPipeline::upstreamUnavailable(forward, "cannot connect to " + forward.url.hostHeader + ": " +
                                                                 error.message()),
                  keepAlive);
  }
  bhttp::request<bhttp::string_body> outgoing(bhttp::string_to_verb(request.method), forward.url.target, 11);
  outgoing.set(bhttp::field::host, forward.url.hostHeader);
  for (const auto& [name, value] : forward.headers) outgoing.set(name, value);
  outgoing.body() = request.body;
  outgoing.keep_alive(false);
  if (request.method == "POST" || !request.body.empty()) outgoing.prepare_payload();
  upstream_->expires_after(options_.upstreamTimeout);
  beast::flat_buffer upstreamBuffer;
  UpstreamParser parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // streamed, never held whole
  ErrorCode error = await([&](auto handler) { bhttp::async_write(*upstream_, outgoing, handler); });
  if (!error) {
    upstream_->expires_after(options_.upstreamTimeout);
    error = await([&](auto handler) { bhttp::async_read_header(*upstream_, upstreamBuffer, parser, handler); });
  }
  if (error) {
    upstream_.reset();
    return answer(CallPipeline::upstreamUnavailable(forward, "no answer from " + forward.url.hostHeader + ": " +
                                                                 error.message()),
                  keepAlive);
  }
  pipeline_.observer().upstreamAnswered(forward.server, std::chrono::steady_clock::now() - started);
  const bool filtered = forward.filterToolsList && parser.get().result() == bhttp::status::ok;
  bool kept = false;
  if (!filtered) {
    kept = relay(parser, upstreamBuffer, nullptr, keepAlive);
  } else if (isEventStream(view(parser.get()[bhttp::field::content_type]))) {
    SseEventFilter filter([&](const std::string& data) { return pipeline_.filterToolsList(forward, data); },
                          options_.maxFilteredBytes);
    kept = relay(parser, upstreamBuffer, &filter, keepAlive);
  } else {
    kept = relayWhole(forward, parser, upstreamBuffer, keepAlive);
  }
  ErrorCode ignored;
  upstream_->socket().shutdown(tcp::socket::shutdown_both, ignored);
  upstream_.reset();
  return kept;
}

void McpConnection::copyAnswerHeaders(const UpstreamParser& parser, bhttp::fields& fields) {
  for (const std::string_view name : kReturnedHeaders) {
    const auto found = parser.get().find(beast::string_view(name.data(), name.size()));
    if (found != parser.get().end()) fields.set(found->name_string(), found->value());
  }
}

ErrorCode McpConnection::readUpstreamSome(UpstreamParser& parser, beast::flat_buffer& buffer, char* into, size_t size,
                                          size_t& received) {
  parser.get().body().data = into;
  parser.get().body().size = size;
  upstream_->expires_after(options_.upstreamTimeout);
  ErrorCode error = await([&](auto handler) { bhttp::async_read_some(*upstream_, buffer, parser, handler); });
  if (error == bhttp::error::need_buffer) error = {};
  received = size - parser.get().body().size;
  return error;
}

bool McpConnection::writeChunk(std::string_view bytes) {
  if (bytes.empty()) return true;  // an empty chunk would end the body
  client_.expires_after(options_.writeTimeout);
  const ErrorCode error = await([&](auto handler) {
    asio::async_write(client_, bhttp::make_chunk(asio::buffer(bytes.data(), bytes.size())), handler);
  });
  return !error;
}

bool McpConnection::relay(UpstreamParser& parser, beast::flat_buffer& buffer, SseEventFilter* filter, bool keepAlive) {
  bhttp::response<bhttp::empty_body> response(parser.get().result(), 11);
  copyAnswerHeaders(parser, response.base());
  response.keep_alive(keepAlive && !closing_);
  if (parser.is_done()) {
    const unsigned status = parser.get().result_int();
    if (status >= 200 && status != 204 && status != 304) response.content_length(0);
    client_.expires_after(options_.writeTimeout);
    const ErrorCode error = await([&](auto handler) { bhttp::async_write(client_, response, handler); });
    return !error && response.keep_alive();
  }
  response.chunked(true);
  bhttp::response_serializer<bhttp::empty_body> serializer(response);
  client_.expires_after(options_.writeTimeout);
  if (await([&](auto handler) { bhttp::async_write_header(client_, serializer, handler); })) return false;
  std::array<char, kRelayChunkBytes> chunk{};
  std::string rewritten;
  while (!parser.is_done()) {
    size_t received = 0;
    const ErrorCode error = readUpstreamSome(parser, buffer, chunk.data(), chunk.size(), received);
    const std::string_view piece(chunk.data(), received);
    rewritten.clear();
    if (filter != nullptr && !filter->feed(piece, rewritten)) {
      logger_.warn("Closed an MCP answer whose event is larger than the filter holds",
                   {{"limit", options_.maxFilteredBytes}});
      return false;
    }
    if (!writeChunk(filter != nullptr ? std::string_view(rewritten) : piece)) return false;
    if (error) {
      // Headers are out: the client learns of the failure from the unterminated chunked body.
      if (!isDisconnect(error)) logger_.warn("Upstream answer broke off", {{"error", error.message()}});
      return false;
    }
  }
  if (filter != nullptr) {
    rewritten.clear();
    filter->finish(rewritten);
    if (!writeChunk(rewritten)) return false;
  }
  client_.expires_after(options_.writeTimeout);
  if (await([&](auto handler) { asio::async_write(client_, bhttp::make_chunk_last(), handler); })) return false;
  return response.keep_alive();
}

bool McpConnection::relayWhole(const Forward& forward, UpstreamParser& parser, beast::flat_buffer& buffer,
                               bool keepAlive) {
  std::string body;
  std::array<char, kRelayChunkBytes> chunk{};
  while (!parser.is_done()) {
    size_t received = 0;
    const ErrorCode error = readUpstreamSome(parser, buffer, chunk.data(), chunk.size(), received);
    body.append(chunk.data(), received);
    if (body.size() > options_.maxFilteredBytes) {
      return answer(CallPipeline::upstreamUnavailable(forward, "the tools/list answer is larger than " +
                                                                   std::to_string(options_.maxFilteredBytes) + " bytes"),
                    keepAlive);
    }
    if (error) {
      return answer(CallPipeline::upstreamUnavailable(forward, "the tools/list answer broke off: " + error.message()),
                    keepAlive);
    }
  }
  std::optional<std::string> filtered = pipeline_.filterToolsList(forward, body);
  if (!filtered) return answer(CallPipeline::upstreamUnavailable(forward, "the tools/list answer is not JSON"), keepAlive);
  bhttp::response<bhttp::string_body> response(parser.get().result(), 11);
  copyAnswerHeaders(parser, response.base());
  response.body() = std::move(*filtered);
  response.keep_alive(keepAlive && !closing_);
  response.prepare_payload();
  client_.expires_after(options_.writeTimeout);
  const ErrorCode error = await([&](auto handler) { bhttp::async_write(client_, response, handler); });
  return !error && response.keep_alive();
}

}  // namespace agentguard::gate::server::detail

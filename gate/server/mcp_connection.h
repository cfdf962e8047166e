#pragma once

// One client connection of the MCP server, served on a thread of its own. Internal to McpServer.

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gate/server/call_pipeline.h"
#include "gate/server/mcp_server.h"

namespace agentguard::gate::server {
class SseEventFilter;
}

namespace agentguard::gate::server::detail {

using LoopSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;
using LoopStream = boost::beast::basic_stream<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;
using ErrorCode = boost::system::error_code;

class McpConnection {
 public:
  McpConnection(std::shared_ptr<boost::asio::io_context> loop, LoopSocket socket, const McpServerOptions& options,
                const CallPipeline& pipeline, log::Logger& logger);

  // Serves requests until the peer closes, a deadline passes, or close() is called.
  void run();
  // From any thread: the connection ends at its next step.
  void close();

 private:
  using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;
  using UpstreamParser = boost::beast::http::response_parser<boost::beast::http::buffer_body>;

  // Runs one asynchronous operation started by `start` to its end on this connection's loop.
  template <class Start>
  ErrorCode await(Start&& start);

  bool readRequest(RequestParser& parser);
  // Answers one request; false when the connection must close after it.
  bool serve(RequestParser& parser);
  bool answer(const Answer& answer, bool keepAlive);
  bool forward(const Forward& forward, const IncomingRequest& request, bool keepAlive);
  ErrorCode connectUpstream(const UpstreamUrl& url);
  ErrorCode connectTo(const boost::asio::ip::tcp::resolver::results_type& endpoints);
  // Streams the upstream's answer to the client as it arrives, through `filter` when given.
  bool relay(UpstreamParser& parser, boost::beast::flat_buffer& buffer, SseEventFilter* filter, bool keepAlive);
  // Reads a JSON tools/list answer whole (up to maxFilteredBytes), filters it and sends it.
  bool relayWhole(const Forward& forward, UpstreamParser& parser, boost::beast::flat_buffer& buffer, bool keepAlive);
  ErrorCode readUpstreamSome(UpstreamParser& parser, boost::beast::flat_buffer& buffer, char* into, size_t size,
                             size_t& received);
  bool writeChunk(std::string_view bytes);
  static void copyAnswerHeaders(const UpstreamParser& parser, boost::beast::http::fields& fields);
  void refuseUnreadable(const ErrorCode& error, RequestParser& parser);
  // The request line and headers as the pipeline takes them (no body); nullopt when the path is not
  // /mcp/<server>.
  std::optional<IncomingRequest> incoming(const boost::beast::http::request<boost::beast::http::string_body>& message);
  void linger();
  std::string sourceIp();

  std::shared_ptr<boost::asio::io_context> loop_;
  const McpServerOptions& options_;
  const CallPipeline& pipeline_;
  log::Logger& logger_;
  LoopStream client_;
  boost::beast::flat_buffer buffer_;
  std::optional<LoopStream> upstream_;
  std::atomic<bool> closing_{false};
};

}  // namespace agentguard::gate::server::detail

#pragma once

// A loopback MCP-like upstream (POST /json answers JSON, POST /sse an event stream; it remembers what
// it received) and a small HTTP client, for the MCP proxy's end-to-end tests.

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "common/http/server.h"

namespace agentguard::gate::server::testing {

namespace loopback {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
}  // namespace loopback
using namespace loopback;

inline constexpr std::string_view kToolsList =
    R"({"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"send_email"},{"name":"delete_all"}]}})";

// The upstream MCP server: remembers what it received; /json answers JSON, /sse answers an event stream.
class Upstream {
 public:
  Upstream() : logger_(sink_, log::Level::kError) {
    http::ServerOptions options;
    options.listen = "127.0.0.1:0";
    server_ = std::make_unique<http::Server>(options, logger_);
    server_->route("POST", "/json", [this](const http::Request& request) { return answer(request, false); });
    server_->route("POST", "/sse", [this](const http::Request& request) { return answer(request, true); });
    EXPECT_TRUE(server_->start().ok());
  }

  std::string url(const std::string& path) const { return server_->localUrl() + path; }
  size_t calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_.size();
  }
  http::Request last() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_.back();
  }

 private:
  http::Response answer(const http::Request& request, bool sse) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      received_.push_back(request);
    }
    const auto body = nlohmann::json::parse(request.body);
    std::string message = body["method"] == "tools/list"
                              ? std::string(kToolsList)
                              : R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"sent"}]}})";
    if (!sse) return http::Response::json(200, message);
    http::Response response;
    response.contentType = "text/event-stream";
    response.body = ": comment\n\nevent: message\nid: 7\ndata: " + message + "\n\n";
    return response;
  }

  std::ostringstream sink_;
  log::Logger logger_;
  std::unique_ptr<http::Server> server_;
  std::mutex mutex_;
  std::vector<http::Request> received_;
};

struct Reply {
  int status = 0;
  std::string contentType;
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

inline Reply post(uint16_t port, const std::string& target, const std::string& body,
           std::vector<std::pair<std::string, std::string>> headers = {{"authorization", "Bearer agent-token"}}) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  bhttp::request<bhttp::string_body> request(bhttp::verb::post, target, 11);
  request.set(bhttp::field::host, "gate");
  request.set(bhttp::field::content_type, "application/json");
  request.set(bhttp::field::accept, "application/json, text/event-stream");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  bhttp::write(socket, request);
  boost::beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64u * 1024u * 1024u);
  boost::system::error_code error;
  bhttp::read(socket, buffer, parser, error);
  Reply reply;
  if (error) return reply;
  reply.status = parser.get().result_int();
  reply.contentType = std::string(parser.get()[bhttp::field::content_type]);
  reply.body = parser.get().body();
  return reply;
}

}  // namespace agentguard::gate::server::testing

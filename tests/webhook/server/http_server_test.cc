#include "common/http/server.h"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>

#include <cpprest/http_client.h>

namespace agentguard::http {
namespace {

using web::http::client::http_client;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.maxRequestBytes = 1024;
    server_ = std::make_unique<Server>(options, logger_);
    server_->route("POST", "/echo", [](const Request& request) {
      return Response::text(200, request.method + " " + request.path + " " + request.body);
    });
    server_->route("GET", "/header", [](const Request& request) {
      return Response::text(200, request.header("x-probe", "none") + "|" + request.query);
    });
    server_->route("GET", "/throws", [](const Request&) -> Response { throw std::runtime_error("boom"); });
    ASSERT_TRUE(server_->start().ok());
    ASSERT_NE(server_->port(), 0);
  }

  web::http::http_response call(const std::string& method, const std::string& path, const std::string& body = "",
                                bool chunked = false) {
    http_client client(server_->localUrl());
    web::http::http_request request(method);
    request.set_request_uri(path);
    if (chunked) {
      // No Content-Length: the client sends the stream with Transfer-Encoding: chunked.
      request.set_body(concurrency::streams::bytestream::open_istream(body));
    } else if (!body.empty()) {
      request.set_body(body, "application/json");
    }
    return client.request(request).get();
  }

  std::ostringstream logs_;
  log::Logger logger_{logs_};
  std::unique_ptr<Server> server_;
};

TEST_F(HttpServerTest, RoutesByPathAndMethod) {
  auto response = call("POST", "/echo", "{\"a\":1}");
  EXPECT_EQ(response.status_code(), 200);
  EXPECT_EQ(response.extract_string().get(), "POST /echo {\"a\":1}");
  EXPECT_EQ(call("GET", "/missing").status_code(), 404);
  auto wrongMethod = call("GET", "/echo");
  EXPECT_EQ(wrongMethod.status_code(), 405);
  EXPECT_EQ(wrongMethod.headers()["Allow"], "POST");
}

TEST_F(HttpServerTest, PassesHeadersLowerCasedAndQuery) {
  http_client client(server_->localUrl());
  web::http::http_request request("GET");
  request.set_request_uri("/header?timeout=10s");
  request.headers().add("X-Probe", "yes");
  auto response = client.request(request).get();
  EXPECT_EQ(response.extract_string().get(), "yes|timeout=10s");
}

TEST_F(HttpServerTest, RejectsBodiesOverTheLimitAndKeepsServing) {
  EXPECT_EQ(call("POST", "/echo", std::string(1025, 'x')).status_code(), 413);
  EXPECT_EQ(call("POST", "/echo", std::string(4096, 'x'), /*chunked=*/true).status_code(), 413);
  EXPECT_EQ(call("POST", "/echo", std::string(1024, 'x')).status_code(), 200);
  EXPECT_EQ(server_->stats().rejectedTooLarge, 2u);
}

TEST_F(HttpServerTest, ReadsChunkedBodiesWithinTheLimit) {
  auto response = call("POST", "/echo", "small", /*chunked=*/true);
  EXPECT_EQ(response.status_code(), 200);
  EXPECT_EQ(response.extract_string().get(), "POST /echo small");
}

TEST_F(HttpServerTest, AnswersHandlerExceptionsWith500AndLogsThem) {
  EXPECT_EQ(call("GET", "/throws").status_code(), 500);
  EXPECT_EQ(server_->stats().handlerErrors, 1u);
  EXPECT_NE(logs_.str().find("\"msg\":\"Handler failed\""), std::string::npos);
  EXPECT_EQ(call("POST", "/echo", "after").status_code(), 200);
}

TEST_F(HttpServerTest, StopIsIdempotentAndFreesThePort) {
  const uint16_t port = server_->port();
  server_->stop();
  server_->stop();
  EXPECT_FALSE(server_->running());
  ServerOptions options;
  options.listen = "127.0.0.1:" + std::to_string(port);
  Server again(options, logger_);
  EXPECT_TRUE(again.start().ok());
}

TEST(ListenAddressTest, ParsesTheUsualForms) {
  auto any = parseListenAddress(":8443");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->host, "0.0.0.0");
  EXPECT_EQ(any->port, 8443);
  auto loopback = parseListenAddress("127.0.0.1:0");
  ASSERT_TRUE(loopback.ok());
  EXPECT_EQ(loopback->host, "127.0.0.1");
  EXPECT_FALSE(parseListenAddress("8443").ok());
  EXPECT_FALSE(parseListenAddress("host:99999").ok());
  EXPECT_FALSE(parseListenAddress("host:").ok());
}

}  // namespace
}  // namespace agentguard::http

namespace agentguard::http {
namespace {

TEST(WorkerThreadsTest, RefusesFewerThanTwoAndAPoolThatAlreadyExists) {
  // One thread would deadlock a closing client (it blocks a pool thread until another has finished).
  EXPECT_EQ(configureWorkerThreads(1).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(configureWorkerThreads(0).error().code, ErrorCode::kInvalidArgument);

  // A client that has made a request has created the pool, so it can no longer be sized.
  std::ostringstream discard;
  log::Logger logger(discard);
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  Server server(options, logger);
  server.route("GET", "/ping", [](const Request&) { return Response::text(200, "pong"); });
  ASSERT_TRUE(server.start().ok());
  http_client client(server.localUrl());
  ASSERT_EQ(client.request("GET", "/ping").get().status_code(), 200);
  const Status late = configureWorkerThreads(4);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kInternal);
  EXPECT_NE(late.error().message.find("before any client is used"), std::string::npos) << late.error().message;
}

}  // namespace
}  // namespace agentguard::http

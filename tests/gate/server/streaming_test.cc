// Answers stream through the gate as they arrive: the agent reads an upstream's first SSE event while
// the upstream still holds back its second.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <sstream>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "gate/server/mcp_server.h"
#include "tests/gate/server/fake_ports.h"

namespace agentguard::gate::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string chunk(const std::string& data) {
  std::ostringstream out;
  out << std::hex << data.size() << "\r\n" << data << "\r\n";
  return out.str();
}

// Serves one request: the answer's headers and first event at once, the second event only after
// release().
class HeldBackUpstream {
 public:
  HeldBackUpstream() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { serve(); });
  }
  ~HeldBackUpstream() {
    release();
    {  // a test whose request never came: unblock the accept
      asio::io_context io;
      tcp::socket wake(io);
      boost::system::error_code ignored;
      if (!accepted_) wake.connect({asio::ip::make_address("127.0.0.1"), port()}, ignored);
    }
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void release() {
    std::lock_guard<std::mutex> lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  std::string request() {
    std::lock_guard<std::mutex> lock(mutex_);
    return request_;
  }

 private:
  void serve() {
    tcp::socket socket(io_);
    boost::system::error_code error;
    acceptor_.accept(socket, error);
    accepted_ = true;
    if (error) return;
    asio::streambuf head;
    asio::read_until(socket, head, "\r\n\r\n", error);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      request_.assign(asio::buffers_begin(head.data()), asio::buffers_end(head.data()));
    }
    asio::write(socket,
                asio::buffer("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
                             chunk("data: first\n\n")),
                error);
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return released_; });
    lock.unlock();
    asio::write(socket, asio::buffer(chunk("data: second\n\n") + "0\r\n\r\n"), error);
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool released_ = false;
  std::atomic<bool> accepted_{false};
  std::string request_;
};

// Reads from `socket` until `text` has arrived; false after 5 s.
bool readUntil(tcp::socket& socket, std::string& received, const std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  socket.non_blocking(true);
  char buffer[4096];
  while (received.find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    boost::system::error_code error;
    const size_t bytes = socket.read_some(asio::buffer(buffer), error);
    if (error == asio::error::would_block) {
      socket.wait(tcp::socket::wait_read, error);
      continue;
    }
    if (error) return false;
    received.append(buffer, bytes);
  }
  return true;
}

class StreamingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = std::make_unique<testing::SendEmailPolicy>("http://127.0.0.1:" + std::to_string(upstream_.port()) + "/mcp");
    pipeline_ = std::make_unique<CallPipeline>(authenticator_, *policy_, credentials_, recorder_, observer_, logger_);
    McpServerOptions options;
    options.listen = "127.0.0.1:0";
    server_ = std::make_unique<McpServer>(options, *pipeline_, logger_);
    ASSERT_TRUE(server_->start().ok());
    socket_.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  }
  void TearDown() override {
    upstream_.release();
    server_->stop();
  }

  std::ostringstream logs_;
  log::Logger logger_{logs_, log::Level::kDebug};
  HeldBackUpstream upstream_;
  testing::TokenTable authenticator_;
  testing::FixedCredential credentials_;
  testing::CountingRecorder recorder_;
  testing::NullObserver observer_;
  std::unique_ptr<testing::SendEmailPolicy> policy_;
  std::unique_ptr<CallPipeline> pipeline_;
  std::unique_ptr<McpServer> server_;
  asio::io_context io_;
  tcp::socket socket_{io_};
};

TEST_F(StreamingTest, FirstEventReachesTheAgentBeforeTheUpstreamSendsTheSecond) {
  const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send_email"}})";
  asio::write(socket_, asio::buffer("POST /mcp/mail HTTP/1.1\r\nHost: gate\r\nAuthorization: Bearer agent-token\r\n"
                                    "Content-Type: application/json\r\nContent-Length: " +
                                    std::to_string(body.size()) + "\r\n\r\n" + body));
  std::string received;
  ASSERT_TRUE(readUntil(socket_, received, "data: first")) << received;
  EXPECT_EQ(received.find("data: second"), std::string::npos);
  EXPECT_NE(received.find("text/event-stream"), std::string::npos);
  upstream_.release();
  ASSERT_TRUE(readUntil(socket_, received, "data: second")) << received;
  ASSERT_TRUE(readUntil(socket_, received, "0\r\n\r\n")) << received;
}

// A 2025-11-25 session stream: GET passes through after caller authentication, with the session header
// and the upstream credential, never the agent's token.
TEST_F(StreamingTest, SessionStreamGetPassesThroughAuthenticated) {
  asio::write(socket_, asio::buffer(std::string("GET /mcp/mail HTTP/1.1\r\nHost: gate\r\nAuthorization: Bearer agent-token\r\n"
                                                "Accept: text/event-stream\r\nMcp-Session-Id: s-42\r\n\r\n")));
  std::string received;
  ASSERT_TRUE(readUntil(socket_, received, "data: first")) << received;
  const std::string request = upstream_.request();
  EXPECT_EQ(request.rfind("GET /mcp HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("mcp-session-id: s-42"), std::string::npos) << request;
  EXPECT_NE(request.find("authorization: Bearer upstream-secret"), std::string::npos) << request;
  EXPECT_EQ(request.find("agent-token"), std::string::npos) << request;
  EXPECT_TRUE(recorder_.actions.empty());
}

TEST_F(StreamingTest, SessionStreamWithoutTokenIsRefused) {
  asio::write(socket_, asio::buffer(std::string("DELETE /mcp/mail HTTP/1.1\r\nHost: gate\r\nMcp-Session-Id: s-42\r\n\r\n")));
  std::string received;
  ASSERT_TRUE(readUntil(socket_, received, "}")) << received;
  EXPECT_EQ(received.rfind("HTTP/1.1 401", 0), 0u) << received;
  EXPECT_NE(received.find("-32014"), std::string::npos) << received;
  EXPECT_TRUE(upstream_.request().empty());
}

}  // namespace
}  // namespace agentguard::gate::server

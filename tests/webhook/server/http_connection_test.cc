// The HTTP server's connection handling, driven over raw sockets: deadlines, size limits, malformed
// framing, pipelining, `Expect: 100-continue` and the connection limit.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/http/server.h"

namespace agentguard::http {
namespace {

using namespace std::chrono_literals;

// A blocking TCP client with a receive timeout, so a test never hangs on a server that keeps quiet.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
    const timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  bool send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }

  // Reads until `marker` has arrived, the peer closes, or 5 s pass.
  std::string readUntil(const std::string& marker) {
    while (received_.find(marker) == std::string::npos) {
      if (!readSome()) break;
    }
    return received_;
  }

  // True when the server closed the connection (EOF or reset) within 5 s.
  bool closedByPeer() {
    while (readSome()) {
    }
    return peerClosed_;
  }

  const std::string& received() const { return received_; }

 private:
  bool readSome() {
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n > 0) {
      received_.append(buffer, static_cast<size_t>(n));
      return true;
    }
    if (n == 0 || errno == ECONNRESET) peerClosed_ = true;
    return false;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool peerClosed_ = false;
  std::string received_;
};

// The server counts a closed connection just after closing it: wait for the count briefly.
template <class Predicate>
bool eventually(Predicate predicate) {
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::string post(const std::string& body, const std::string& extraHeaders = "") {
  return "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         extraHeaders + "\r\n" + body;
}

class HttpConnectionTest : public ::testing::Test {
 protected:
  void start(ServerOptions options) {
    options.listen = "127.0.0.1:0";
    server_ = std::make_unique<Server>(options, logger_);
    server_->route("POST", "/echo",
                   [](const Request& request) { return Response::text(200, "<" + request.body + ">"); });
    ASSERT_TRUE(server_->start().ok());
  }

  ServerOptions defaults() const {
    ServerOptions options;
    options.maxRequestBytes = 1024;
    options.maxHeaderBytes = 2048;
    return options;
  }

  std::ostringstream logs_;
  log::Logger logger_{logs_};
  std::unique_ptr<Server> server_;
};

TEST_F(HttpConnectionTest, ServesSeveralRequestsOnOneConnectionAndPipelined) {
  start(defaults());
  RawClient client(server_->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send(post("one")));
  EXPECT_NE(client.readUntil("<one>").find("HTTP/1.1 200 OK"), std::string::npos);
  // Two requests in one write: both answered, in order.
  ASSERT_TRUE(client.send(post("two") + post("three")));
  const std::string answers = client.readUntil("<three>");
  ASSERT_NE(answers.find("<two>"), std::string::npos) << answers;
  EXPECT_LT(answers.find("<two>"), answers.find("<three>"));
  EXPECT_EQ(server_->stats().requests, 3u);
}

TEST_F(HttpConnectionTest, AStalledRequestIsClosedAtItsDeadline) {
  ServerOptions options = defaults();
  options.requestTimeout = 300ms;
  start(options);
  RawClient client(server_->port());
  // Headers that never end (a slowloris client).
  ASSERT_TRUE(client.send("POST /echo HTTP/1.1\r\nHost: test\r\n"));
  const auto begun = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closedByPeer());
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 4s);
  EXPECT_TRUE(eventually([&] { return server_->stats().timedOut == 1; }));

  // A body shorter than its Content-Length is cut off the same way.
  RawClient truncated(server_->port());
  ASSERT_TRUE(truncated.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\nshort"));
  EXPECT_TRUE(truncated.closedByPeer());
  EXPECT_TRUE(eventually([&] { return server_->stats().timedOut == 2; }));
  EXPECT_EQ(server_->stats().requests, 0u);
}

TEST_F(HttpConnectionTest, AnIdleConnectionIsClosedAfterTheIdleTimeout) {
  ServerOptions options = defaults();
  options.idleTimeout = 300ms;
  start(options);
  RawClient client(server_->port());
  ASSERT_TRUE(client.send(post("x")));
  client.readUntil("<x>");
  EXPECT_TRUE(client.closedByPeer());
  // Idle closes are normal keep-alive housekeeping, not timeouts of a request.
  EXPECT_EQ(server_->stats().timedOut, 0u);
}

TEST_F(HttpConnectionTest, ASilentTlsClientIsClosedAtTheHandshakeDeadline) {
  class AnyCertificate : public TlsContextProvider {
   public:
    bool configure(ssl_ctx_st*) override { return true; }  // no certificate: the handshake never gets far
  };
  ServerOptions options = defaults();
  options.tls = std::make_shared<AnyCertificate>();
  options.handshakeTimeout = 300ms;
  start(options);
  RawClient client(server_->port());
  EXPECT_TRUE(client.closedByPeer());
  EXPECT_TRUE(eventually([&] { return server_->stats().timedOut == 1; }));
}

TEST_F(HttpConnectionTest, HeadersOverTheLimitAre431) {
  start(defaults());
  RawClient client(server_->port());
  ASSERT_TRUE(client.send("POST /echo HTTP/1.1\r\nHost: test\r\nX-Padding: " + std::string(4096, 'a') +
                          "\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_NE(client.readUntil("bytes\n").find("HTTP/1.1 431"), std::string::npos) << client.received();
  EXPECT_TRUE(client.closedByPeer());
  EXPECT_EQ(server_->stats().rejectedMalformed, 1u);
}

TEST_F(HttpConnectionTest, MalformedFramingIs400AndNeverReachesAHandler) {
  start(defaults());
  const std::vector<std::string> garbage = {
      "NOT HTTP AT ALL\r\n\r\n",
      "POST /echo HTTP/1.1\r\nContent-Length: 12x\r\n\r\n",
      "POST /echo HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "POST /%zz HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
  };
  for (const std::string& request : garbage) {
    RawClient client(server_->port());
    ASSERT_TRUE(client.send(request));
    EXPECT_NE(client.readUntil("\r\n").find("HTTP/1.1 400"), std::string::npos) << request << client.received();
    EXPECT_TRUE(client.closedByPeer()) << request;
  }
  EXPECT_EQ(server_->stats().rejectedMalformed, 4u);
  EXPECT_EQ(server_->stats().requests, 0u);
}

TEST_F(HttpConnectionTest, OversizedBodyIs413EvenBeforeItIsSent) {
  start(defaults());
  RawClient client(server_->port());
  // Only the headers: the declared length alone is refused, and the client is told before it sends.
  ASSERT_TRUE(client.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 1000000\r\n\r\n"));
  EXPECT_NE(client.readUntil("bytes\n").find("HTTP/1.1 413"), std::string::npos) << client.received();
  // The client may go on sending what it announced: the server drops it, then closes.
  EXPECT_TRUE(client.send(std::string(64 * 1024, 'x')));
  EXPECT_TRUE(client.closedByPeer());
  EXPECT_EQ(server_->stats().rejectedTooLarge, 1u);
}

TEST_F(HttpConnectionTest, ExpectContinueGetsAnInterimAnswer) {
  start(defaults());
  RawClient client(server_->port());
  ASSERT_TRUE(client.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_NE(client.readUntil("\r\n\r\n").find("HTTP/1.1 100 Continue"), std::string::npos) << client.received();
  ASSERT_TRUE(client.send("ok"));
  EXPECT_NE(client.readUntil("<ok>").find("200 OK"), std::string::npos);
}

TEST_F(HttpConnectionTest, ConnectionCloseIsHonoured) {
  start(defaults());
  RawClient client(server_->port());
  ASSERT_TRUE(client.send(post("bye", "Connection: close\r\n")));
  EXPECT_NE(client.readUntil("<bye>").find("Connection: close"), std::string::npos) << client.received();
  EXPECT_TRUE(client.closedByPeer());
}

TEST_F(HttpConnectionTest, ConnectionsOverTheLimitAreClosedOnAccept) {
  ServerOptions options = defaults();
  options.maxConnections = 1;
  start(options);
  RawClient first(server_->port());
  ASSERT_TRUE(first.send(post("first")));
  first.readUntil("<first>");
  RawClient second(server_->port());
  EXPECT_TRUE(second.closedByPeer());
  EXPECT_EQ(server_->stats().rejectedConnections, 1u);
  // The first keeps being served.
  ASSERT_TRUE(first.send(post("again")));
  EXPECT_NE(first.readUntil("<again>").find("<again>"), std::string::npos);
}

TEST_F(HttpConnectionTest, StopFinishesTheRequestInFlight) {
  ServerOptions options = defaults();
  options.listen = "127.0.0.1:0";
  server_ = std::make_unique<Server>(options, logger_);
  server_->route("POST", "/slow", [](const Request&) {
    std::this_thread::sleep_for(300ms);
    return Response::text(200, "finished");
  });
  ASSERT_TRUE(server_->start().ok());
  RawClient client(server_->port());
  ASSERT_TRUE(client.send("POST /slow HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n"));
  std::this_thread::sleep_for(100ms);  // the handler is running
  server_->stop();
  EXPECT_NE(client.readUntil("finished").find("HTTP/1.1 200 OK"), std::string::npos) << client.received();
  EXPECT_NE(client.received().find("Connection: close"), std::string::npos) << client.received();
  EXPECT_TRUE(client.closedByPeer());
}

// Each thread runs its own loop and connections are handed to the loops in turn: a handler that takes
// long holds up the connections of its own loop only, and new connections are still accepted.
TEST_F(HttpConnectionTest, ASlowHandlerHoldsUpOnlyItsOwnLoop) {
  ServerOptions options = defaults();
  options.listen = "127.0.0.1:0";
  options.threads = 2;
  server_ = std::make_unique<Server>(options, logger_);
  std::atomic<bool> release{false};
  std::atomic<bool> entered{false};
  server_->route("POST", "/slow", [&release, &entered](const Request&) {
    entered = true;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!release && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    return Response::text(200, "slow done");
  });
  server_->route("POST", "/echo", [](const Request& request) { return Response::text(200, "<" + request.body + ">"); });
  ASSERT_TRUE(server_->start().ok());
  RawClient slow(server_->port());
  ASSERT_TRUE(slow.send("POST /slow HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_TRUE(eventually([&entered] { return entered.load(); }));  // its loop is busy from here on
  RawClient fast(server_->port());
  const auto begun = std::chrono::steady_clock::now();
  ASSERT_TRUE(fast.send(post("quick")));
  EXPECT_NE(fast.readUntil("<quick>").find("<quick>"), std::string::npos) << fast.received();
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 2s);
  EXPECT_TRUE(slow.received().empty());  // still held
  release = true;
  EXPECT_NE(slow.readUntil("slow done").find("slow done"), std::string::npos);
}

// One thread: one loop serves every connection, one request at a time, each answered in turn.
TEST_F(HttpConnectionTest, OneThreadServesManyConnections) {
  ServerOptions options = defaults();
  options.threads = 1;
  start(options);
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 8; ++i) {
    clients.push_back(std::make_unique<RawClient>(server_->port()));
    ASSERT_TRUE(clients.back()->send(post("c" + std::to_string(i))));
  }
  for (int i = 0; i < 8; ++i) {
    const std::string expected = "<c" + std::to_string(i) + ">";
    EXPECT_NE(clients[static_cast<size_t>(i)]->readUntil(expected).find(expected), std::string::npos);
  }
  EXPECT_EQ(server_->stats().requests, 8u);
}

// A client that sends on its idle keep-alive connection just after the server began to stop (before it
// could see a close) gets its answer, marked Connection: close, rather than a reset connection.
TEST_F(HttpConnectionTest, StopAnswersARequestSentOnAnIdleConnectionMeanwhile) {
  start(defaults());
  RawClient client(server_->port());
  ASSERT_TRUE(client.send(post("first")));
  client.readUntil("<first>");
  std::thread stopping([this] { server_->stop(); });
  std::this_thread::sleep_for(100ms);  // stop() has begun; the connection is idle
  ASSERT_TRUE(client.send(post("second")));
  const std::string received = client.readUntil("<second>");
  stopping.join();
  EXPECT_NE(received.find("<second>"), std::string::npos) << received;
  EXPECT_NE(received.rfind("Connection: close"), std::string::npos) << received;
  EXPECT_GT(received.rfind("Connection: close"), received.find("<first>")) << received;
  EXPECT_TRUE(client.closedByPeer());
}

TEST_F(HttpConnectionTest, StopClosesOpenConnections) {
  start(defaults());
  RawClient client(server_->port());
  ASSERT_TRUE(client.send(post("x")));
  client.readUntil("<x>");
  const auto begun = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 2s);
  EXPECT_TRUE(client.closedByPeer());
}

}  // namespace
}  // namespace agentguard::http

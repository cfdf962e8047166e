#include "gate/egress/connect_proxy.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/gate/egress/loopback_tls.h"
#include "tests/gate/egress/tls_client_hello.h"

namespace agentguard::gate::egress {
namespace {

using namespace std::chrono_literals;
using testing::EchoTlsServer;
using testing::LocalhostCertificate;
using testing::ProxyClient;

// Accepts the token "good" as the sandbox Pod at 127.0.0.1; refuses anything else.
class FakeAuthenticator final : public CallerAuthenticator {
 public:
  Result<Caller> authenticate(std::string_view bearerToken, std::string_view sourceIp) override {
    if (bearerToken == "down") return makeError(ErrorCode::kUnavailable, "TokenReview failed: Unavailable: connection refused");
    if (bearerToken != "good") return makeError(ErrorCode::kForbidden, "token audience is not agentguard-gate");
    return Caller{"agents", "analyst", "sb-uid", "analyst-0", "pod-uid", "agent", std::string(sourceIp)};
  }
  Result<Caller> identifyBySourceIp(std::string_view sourceIp) override {
    return makeError(ErrorCode::kForbidden, "no Running AgentSandbox pod has IP " + std::string(sourceIp));
  }
};

class ConnectProxyTest : public ::testing::Test {
 protected:
  // The proxy reports the outcomes of connections still open when it stops into the members below.
  void TearDown() override { proxy_.reset(); }

  // Starts the proxy; `allowLoopback` injects an address filter that permits 127.0.0.1 (the upstream).
  void startProxy(bool allowLoopback = true, ConnectProxyOptions options = {}, SourceIpIdentifier identify = {}) {
    options.listenAddress = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    options.workerThreads = 1;
    ConnectProxyHooks hooks;
    hooks.authenticator = &authenticator_;
    hooks.identifyBySourceIp = std::move(identify);
    hooks.authorize = [this](const Caller* caller, std::string_view, std::string_view host, uint16_t port) {
      std::lock_guard<std::mutex> lock(mutex_);
      authorizedCallers_.push_back(caller != nullptr ? caller->pod : "");
      if (host == "throws.example") throw std::runtime_error("policy not loaded");
      if (host == "localhost" && port == upstream_.port()) return EgressDecision{true, "localhost is listed"};
      return EgressDecision{false, std::string(host) + ":" + std::to_string(port) + " is not in network.egressHosts"};
    };
    if (allowLoopback) {
      hooks.addressAllowed = [](std::string_view address, AddressClass addressClass) {
        return address == "127.0.0.1" || addressClass == AddressClass::kPublic;
      };
    }
    hooks.onOutcome = [this](const EgressOutcome& outcome) {
      std::lock_guard<std::mutex> lock(mutex_);
      outcomes_.push_back(outcome);
      outcomeArrived_.notify_all();
    };
    proxy_ = std::make_unique<ConnectProxy>(options, std::move(hooks));
    const Status started = proxy_->start();
    ASSERT_TRUE(started.ok()) << started.error().describe();
  }

  // The next connection's outcome (waits up to 10 s).
  EgressOutcome nextOutcome() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!outcomeArrived_.wait_for(lock, 10s, [this] { return outcomes_.size() > taken_; })) {
      ADD_FAILURE() << "no outcome reported";
      return {};
    }
    return outcomes_[taken_++];
  }

  std::string connectLine(const std::string& target, const std::string& headers = "") const {
    return "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n" + headers + "\r\n";
  }
  std::string upstreamTarget() const { return "localhost:" + std::to_string(upstream_.port()); }

  LocalhostCertificate certificate_;
  EchoTlsServer upstream_{certificate_};
  FakeAuthenticator authenticator_;
  std::unique_ptr<ConnectProxy> proxy_;
  std::mutex mutex_;
  std::condition_variable outcomeArrived_;
  std::vector<EgressOutcome> outcomes_;
  std::vector<std::string> authorizedCallers_;
  size_t taken_ = 0;
};

TEST_F(ConnectProxyTest, AllowedHostIsTunnelledEndToEnd) {
  startProxy();
  {
    ProxyClient client(proxy_->port());
    client.send(connectLine(upstreamTarget()));
    EXPECT_EQ(client.readHead(), "HTTP/1.1 200 Connection Established\r\n\r\n");
    EXPECT_EQ(client.tlsRoundTrip("localhost", certificate_.certFile(), "ping"), "pong:ping");
  }  // the client closes; the tunnel ends
  const EgressOutcome outcome = nextOutcome();
  EXPECT_EQ(outcome.result, EgressResult::kSpliced) << outcome.reason;
  EXPECT_EQ(outcome.host, "localhost");
  EXPECT_EQ(outcome.upstreamAddress, "127.0.0.1");
  EXPECT_EQ(outcome.sourceIp, "127.0.0.1");
  EXPECT_GT(outcome.bytesToUpstream, 0u);
  EXPECT_GT(outcome.bytesToClient, 0u);
  EXPECT_FALSE(outcome.caller.has_value());
}

TEST_F(ConnectProxyTest, BearerTokenIdentifiesTheCaller) {
  startProxy();
  {
    ProxyClient client(proxy_->port());
    client.send(connectLine(upstreamTarget(), "Proxy-Authorization: Bearer good\r\n"));
    EXPECT_EQ(client.readHead(), "HTTP/1.1 200 Connection Established\r\n\r\n");
    EXPECT_EQ(client.tlsRoundTrip("LocalHost.", certificate_.certFile(), "hi"), "pong:hi");
  }
  const EgressOutcome outcome = nextOutcome();
  EXPECT_EQ(outcome.result, EgressResult::kSpliced) << outcome.reason;
  ASSERT_TRUE(outcome.caller.has_value());
  EXPECT_EQ(outcome.caller->pod, "analyst-0");
  std::lock_guard<std::mutex> lock(mutex_);
  EXPECT_EQ(authorizedCallers_, std::vector<std::string>{"analyst-0"});
}

TEST_F(ConnectProxyTest, BadBearerTokenIsRefusedWithTheReason) {
  startProxy();
  ProxyClient client(proxy_->port());
  client.send(connectLine(upstreamTarget(), "Proxy-Authorization: Bearer forged\r\n"));
  const std::string response = client.readToEnd();
  EXPECT_EQ(response.rfind("HTTP/1.1 403 Forbidden\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("\r\n\r\ntoken audience is not agentguard-gate\n"), std::string::npos) << response;
  EXPECT_EQ(nextOutcome().result, EgressResult::kUnauthenticated);
  std::lock_guard<std::mutex> lock(mutex_);
  EXPECT_TRUE(authorizedCallers_.empty());  // refused before the policy is asked
}

TEST_F(ConnectProxyTest, UnreachableApiServerIs503) {
  startProxy();
  ProxyClient client(proxy_->port());
  client.send(connectLine(upstreamTarget(), "Proxy-Authorization: Bearer down\r\n"));
  const std::string response = client.readToEnd();
  EXPECT_EQ(response.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << response;
  EXPECT_EQ(nextOutcome().result, EgressResult::kUnauthenticated);
}

TEST_F(ConnectProxyTest, HostNotAllowedIs403) {
  startProxy();
  ProxyClient client(proxy_->port());
  client.send(connectLine("evil.example:443"));
  const std::string response = client.readToEnd();
  EXPECT_EQ(response.rfind("HTTP/1.1 403 Forbidden\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("evil.example:443 is not in network.egressHosts"), std::string::npos) << response;
  const EgressOutcome outcome = nextOutcome();
  EXPECT_EQ(outcome.result, EgressResult::kDenied);
  EXPECT_EQ(outcome.reason, "evil.example:443 is not in network.egressHosts");
}

TEST_F(ConnectProxyTest, IpLiteralIs403) {
  startProxy();
  ProxyClient client(proxy_->port());
  client.send(connectLine("127.0.0.1:" + std::to_string(upstream_.port())));
  const std::string response = client.readToEnd();
  EXPECT_EQ(response.rfind("HTTP/1.1 403 Forbidden\r\n", 0), 0u) << response;
  EXPECT_EQ(nextOutcome().result, EgressResult::kIpLiteral);
}

TEST_F(ConnectProxyTest, LoopbackIsRefusedByDefault) {
  startProxy(/*allowLoopback=*/false);
  ProxyClient client(proxy_->port());
  client.send(connectLine(upstreamTarget()));
  const std::string response = client.readToEnd();
  EXPECT_EQ(response.rfind("HTTP/1.1 403 Forbidden\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("localhost resolves only to refused addresses: "), std::string::npos) << response;
  EXPECT_NE(response.find("127.0.0.1 (loopback)"), std::string::npos) << response;
  const EgressOutcome outcome = nextOutcome();
  EXPECT_EQ(outcome.result, EgressResult::kAddressRefused);
  EXPECT_TRUE(outcome.upstreamAddress.empty());
}

TEST_F(ConnectProxyTest, SniMismatchIsClosed) {
  startProxy();
  ProxyClient client(proxy_->port());
  client.send(connectLine(upstreamTarget()));
  ASSERT_EQ(client.readHead(), "HTTP/1.1 200 Connection Established\r\n\r\n");
  EXPECT_EQ(client.tlsRoundTrip("api.github.com", certificate_.certFile(), "ping"), "");
  const EgressOutcome outcome = nextOutcome();
  EXPECT_EQ(outcome.result, EgressResult::kSniMismatch);
  EXPECT_EQ(outcome.reason, "the TLS ClientHello names api.github.com, the CONNECT was for localhost");
  EXPECT_EQ(outcome.bytesToUpstream, 0u);
}

TEST_F(ConnectProxyTest, NoSniIsClosed) {
  startProxy();
  ProxyClient client(proxy_->port());
  client.send(connectLine(upstreamTarget()));
  ASSERT_EQ(client.readHead(), "HTTP/1.1 200 Connection Established\r\n\r\n");
  EXPECT_EQ(client.tlsRoundTrip("", certificate_.certFile(), "ping"), "");
  EXPECT_EQ(nextOutcome().result, EgressResult::kNoSni);
}

TEST_F(ConnectProxyTest, PlainTextTunnelIsClosed) {
  startProxy();
  ProxyClient client(proxy_->port());
  client.send(connectLine(upstreamTarget()));
  ASSERT_EQ(client.readHead(), "HTTP/1.1 200 Connection Established\r\n\r\n");
  client.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_TRUE(client.closedByPeer());
  const EgressOutcome outcome = nextOutcome();
  EXPECT_EQ(outcome.result, EgressResult::kNotTls);
  EXPECT_EQ(outcome.bytesToUpstream, 0u);
}

TEST_F(ConnectProxyTest, MalformedRequestIs400) {
  startProxy();
  ProxyClient client(proxy_->port());
  client.send("CONNECT localhost HTTP/1.1\r\n\r\n");
  const std::string response = client.readToEnd();
  EXPECT_EQ(response.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("CONNECT target must be host:port"), std::string::npos);
  EXPECT_EQ(nextOutcome().result, EgressResult::kMalformed);
}

TEST_F(ConnectProxyTest, OtherMethodIs405) {
  startProxy();
  ProxyClient client(proxy_->port());
  client.send("GET http://localhost/ HTTP/1.1\r\nHost: localhost\r\n\r\n");
  const std::string response = client.readToEnd();
  EXPECT_EQ(response.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("Allow: CONNECT\r\n"), std::string::npos);
}

TEST_F(ConnectProxyTest, OversizedRequestHeadIsRefused) {
  startProxy();
  ProxyClient client(proxy_->port());
  client.send(connectLine(upstreamTarget(), "X-Pad: " + std::string(16 * 1024, 'a') + "\r\n"));
  const std::string response = client.readToEnd();
  EXPECT_EQ(response.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0), 0u) << response;
  EXPECT_EQ(nextOutcome().result, EgressResult::kMalformed);
}

TEST_F(ConnectProxyTest, SlowRequestHeadTimesOut) {
  ConnectProxyOptions options;
  options.headTimeout = 300ms;
  startProxy(true, options);
  ProxyClient client(proxy_->port());
  client.send("CONNECT localhost:443 HTTP/1.1\r\nHost: local");  // and never the rest
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closedByPeer());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
  const EgressOutcome outcome = nextOutcome();
  EXPECT_EQ(outcome.result, EgressResult::kTimedOut);
  EXPECT_EQ(outcome.reason, "no complete CONNECT request head within the time limit");
}

TEST_F(ConnectProxyTest, SilentTunnelTimesOutWaitingForClientHello) {
  ConnectProxyOptions options;
  options.clientHelloTimeout = 300ms;
  startProxy(true, options);
  ProxyClient client(proxy_->port());
  client.send(connectLine(upstreamTarget()));
  ASSERT_EQ(client.readHead(), "HTTP/1.1 200 Connection Established\r\n\r\n");
  client.send(std::string("\x16\x03\x01", 3));  // a record header begun, never finished
  EXPECT_TRUE(client.closedByPeer());
  EXPECT_EQ(nextOutcome().result, EgressResult::kTimedOut);
}

TEST_F(ConnectProxyTest, ConnectionLimitIsEnforced) {
  ConnectProxyOptions options;
  options.maxConnections = 1;
  startProxy(true, options);
  ProxyClient first(proxy_->port());
  first.send("CONNECT localhost:443 HTTP/1.1\r\n");  // holds the only slot
  ProxyClient second(proxy_->port());
  EXPECT_TRUE(second.closedByPeer());
  EXPECT_EQ(nextOutcome().result, EgressResult::kLimitExceeded);
}

TEST_F(ConnectProxyTest, SourceIpIdentifiesCallerWithoutToken) {
  startProxy(true, {}, [](std::string_view ip) -> Result<Caller> {
    return Caller{"agents", "analyst", "sb-uid", "by-ip-0", "pod-uid", "agent", std::string(ip)};
  });
  {
    ProxyClient client(proxy_->port());
    client.send(connectLine(upstreamTarget()));
    ASSERT_EQ(client.readHead(), "HTTP/1.1 200 Connection Established\r\n\r\n");
    EXPECT_EQ(client.tlsRoundTrip("localhost", certificate_.certFile(), "x"), "pong:x");
  }
  const EgressOutcome outcome = nextOutcome();
  ASSERT_TRUE(outcome.caller.has_value());
  EXPECT_EQ(outcome.caller->pod, "by-ip-0");
}

TEST_F(ConnectProxyTest, UnknownSourceIpIsRefusedWithTheReason) {
  startProxy(true, {}, [](std::string_view ip) -> Result<Caller> {
    return makeError(ErrorCode::kForbidden, "no Running AgentSandbox pod in namespace agents has IP " + std::string(ip));
  });
  ProxyClient client(proxy_->port());
  client.send(connectLine(upstreamTarget()));
  const std::string response = client.readToEnd();
  EXPECT_EQ(response.rfind("HTTP/1.1 403 Forbidden\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("no Running AgentSandbox pod in namespace agents has IP 127.0.0.1"), std::string::npos);
  EXPECT_EQ(nextOutcome().result, EgressResult::kUnauthenticated);
}

TEST_F(ConnectProxyTest, FailingPolicyFailsClosed) {
  startProxy();
  ProxyClient client(proxy_->port());
  client.send(connectLine("throws.example:443"));
  const std::string response = client.readToEnd();
  EXPECT_EQ(response.rfind("HTTP/1.1 403 Forbidden\r\n", 0), 0u) << response;
  EXPECT_EQ(nextOutcome().reason, "egress decision failed: policy not loaded");
}

TEST_F(ConnectProxyTest, ClientHelloSentWithTheRequestIsForwarded) {
  startProxy();
  {
    ProxyClient client(proxy_->port());
    client.send(connectLine(upstreamTarget()) + testing::opensslClientHello({"localhost"}));
    ASSERT_EQ(client.readHead(), "HTTP/1.1 200 Connection Established\r\n\r\n");
    const std::string serverHello = client.readSome();
    ASSERT_FALSE(serverHello.empty());
    EXPECT_EQ(serverHello[0], '\x16');  // the upstream answered the ClientHello with a handshake record
  }
  EXPECT_EQ(nextOutcome().result, EgressResult::kSpliced);
}

TEST_F(ConnectProxyTest, IdleTunnelIsClosed) {
  ConnectProxyOptions options;
  options.idleTimeout = 300ms;
  startProxy(true, options);
  ProxyClient client(proxy_->port());
  client.send(connectLine(upstreamTarget()));
  ASSERT_EQ(client.readHead(), "HTTP/1.1 200 Connection Established\r\n\r\n");
  client.send(testing::opensslClientHello({"localhost"}));  // and then nothing
  EXPECT_TRUE(client.closedByPeer());
  const EgressOutcome outcome = nextOutcome();
  EXPECT_EQ(outcome.result, EgressResult::kSpliced);
  EXPECT_EQ(outcome.reason, "tunnel idle for 300 ms");
}

TEST_F(ConnectProxyTest, ByteLimitClosesTheTunnel) {
  ConnectProxyOptions options;
  options.maxBytesPerDirection = 600;  // the ClientHello fits, the server's certificate flight does not
  startProxy(true, options);
  {
    ProxyClient client(proxy_->port());
    client.send(connectLine(upstreamTarget()));
    ASSERT_EQ(client.readHead(), "HTTP/1.1 200 Connection Established\r\n\r\n");
    EXPECT_EQ(client.tlsRoundTrip("localhost", certificate_.certFile(), "x"), "");
  }
  const EgressOutcome outcome = nextOutcome();
  EXPECT_EQ(outcome.result, EgressResult::kLimitExceeded);
  EXPECT_EQ(outcome.reason, "tunnel passed the limit of 600 bytes per direction");
}

}  // namespace
}  // namespace agentguard::gate::egress

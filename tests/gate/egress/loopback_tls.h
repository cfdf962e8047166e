#pragma once

// Loopback peers for the CONNECT proxy's tests: a self-signed certificate for "localhost" (made with the
// openssl command), a TLS server on 127.0.0.1 that answers "pong:<line>" once per connection, and a
// blocking client that speaks CONNECT and then TLS through the proxy.

#include <string>
#include <thread>

struct ssl_ctx_st;
struct ssl_st;

namespace agentguard::gate::egress::testing {

// A throw-away certificate and key for DNS:localhost in a temporary directory.
class LocalhostCertificate {
 public:
  LocalhostCertificate();
  ~LocalhostCertificate();
  std::string certFile() const { return dir_ + "/tls.crt"; }
  std::string keyFile() const { return dir_ + "/tls.key"; }

 private:
  std::string dir_;
};

// TLS on 127.0.0.1:<port>: reads one line per connection and answers "pong:<line>\n".
class EchoTlsServer {
 public:
  explicit EchoTlsServer(const LocalhostCertificate& certificate);
  ~EchoTlsServer();
  int port() const { return port_; }

 private:
  void serve();
  ssl_ctx_st* context_ = nullptr;
  int listenFd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

// One TCP connection to the proxy on 127.0.0.1. Reads time out after 5 s so a test never hangs.
class ProxyClient {
 public:
  explicit ProxyClient(int proxyPort);
  ~ProxyClient();
  ProxyClient(const ProxyClient&) = delete;
  ProxyClient& operator=(const ProxyClient&) = delete;

  void send(const std::string& bytes);
  // The response head, read byte by byte up to the blank line (so no tunnel byte is consumed).
  std::string readHead();
  // The bytes one read returns ("" on EOF, error or timeout).
  std::string readSome();
  // Everything until the proxy closes (or the read times out).
  std::string readToEnd();
  // True when the proxy closed the connection (reads EOF or reset within 5 s).
  bool closedByPeer();
  // A TLS handshake over the tunnel (server_name `sni` when not empty), verifying localhost's certificate
  // from `caFile`; then writes `line` and returns the answer line, or "" when anything failed.
  std::string tlsRoundTrip(const std::string& sni, const std::string& caFile, const std::string& line);

 private:
  int fd_ = -1;
};

}  // namespace agentguard::gate::egress::testing

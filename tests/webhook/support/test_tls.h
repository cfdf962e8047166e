#pragma once

// Certificates made for a test (with the openssl command) and a minimal TLS client that keeps one
// connection open, so tests can tell a live keep-alive connection from a new one.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "tests/support/scratch_dir.h"

struct ssl_st;
struct ssl_ctx_st;

namespace agentguard::webhook::testing {

// Polls `condition` until it holds or `deadline` passes; returns its last answer.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds deadline = std::chrono::seconds(10));

// A throw-away CA in a temporary directory, removed with the object.
class TestPki {
 public:
  TestPki();

  std::string dir() const { return scratch_.path().string(); }
  std::string caFile() const { return dir() + "/ca.crt"; }
  // Writes a certificate for 127.0.0.1/localhost with `serialHex` (e.g. "1001") signed by the CA, then
  // its key, over the given paths (in place, certificate first, as a slow rotation would).
  void issue(const std::string& certPath, const std::string& keyPath, const std::string& serialHex) const;
  // The CA's PEM, for a webhook configuration's caBundle.
  std::string caPem() const;

 private:
  agentguard::testing::ScratchDir scratch_{"pki"};
};

// One TLS connection to 127.0.0.1:port, verified against `caFile`, speaking HTTP/1.1 keep-alive.
class KeepAliveClient {
 public:
  KeepAliveClient(int port, const std::string& caFile);
  ~KeepAliveClient();
  KeepAliveClient(const KeepAliveClient&) = delete;
  KeepAliveClient& operator=(const KeepAliveClient&) = delete;

  bool connected() const { return ssl_ != nullptr; }
  // The server certificate's serial (upper-case hex) of this connection.
  std::string peerSerial() const;
  // Sends one request on the open connection; returns the status code (-1 when the connection failed)
  // and fills `body`.
  int post(const std::string& path, const std::string& payload, std::string* body = nullptr);

 private:
  ssl_ctx_st* context_ = nullptr;
  ssl_st* ssl_ = nullptr;
  int fd_ = -1;
};

}  // namespace agentguard::webhook::testing

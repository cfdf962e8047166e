#pragma once

// Genuine ClientHello bytes from OpenSSL: a client handshake started into a memory BIO writes its first
// flight, which is the ClientHello, and then waits for the server.

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace agentguard::gate::egress::testing {

struct ClientHelloOptions {
  const char* serverName = nullptr;  // no server_name extension when null
  int maxVersion = TLS1_3_VERSION;
  bool manyKeyShares = false;  // offer more groups (a longer supported_groups list)
};

inline std::string opensslClientHello(const ClientHelloOptions& options = {}) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  // The OpenSSL convenience macros cast old-style; their ctrl calls are spelled out.
  SSL_CTX_ctrl(context.get(), SSL_CTRL_SET_MAX_PROTO_VERSION, options.maxVersion, nullptr);
  if (options.manyKeyShares) {
    static char groups[] = "X25519:P-256:P-384:P-521:ffdhe2048:ffdhe3072";
    SSL_CTX_ctrl(context.get(), SSL_CTRL_SET_GROUPS_LIST, 0, groups);
  }
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(context.get()), SSL_free);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl.get(), in, out);  // ssl owns both
  if (options.serverName != nullptr) {
    SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(options.serverName));
  }
  SSL_set_connect_state(ssl.get());
  SSL_do_handshake(ssl.get());  // wants to read the ServerHello; the ClientHello is in `out`
  char* data = nullptr;
  const long size = BIO_ctrl(out, BIO_CTRL_INFO, 0, static_cast<void*>(&data));
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace agentguard::gate::egress::testing

#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace agentguard::gate::egress {

// A parsed `CONNECT host:port HTTP/1.1` request head.
struct ConnectRequest {
  std::string host;         // lower-case, trailing dot removed; IPv6 literals without brackets
  uint16_t port = 0;
  bool hostIsIpLiteral = false;
  std::optional<std::string> proxyBearerToken;  // from Proxy-Authorization: Bearer <token>
};

// Why a request head was refused, with the HTTP status to answer.
struct ConnectRequestError {
  int status = 400;  // 400 malformed, 405 not CONNECT, 431 header too large
  std::string reason;
};

inline constexpr size_t kMaxConnectHeadBytes = 8 * 1024;

// Parses a complete request head (through the blank line). Pure; strict: one request line of CONNECT
// with an authority-form target and HTTP/1.0 or 1.1, header lines "name: value", no obs-fold, no body
// headers; at most one Proxy-Authorization.
std::variant<ConnectRequest, ConnectRequestError> parseConnectRequest(std::string_view head);

}  // namespace agentguard::gate::egress

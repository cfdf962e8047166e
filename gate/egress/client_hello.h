#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace agentguard::gate::egress {

// What the first bytes of a connection say about the TLS ClientHello they should start with.
enum class ClientHelloStatus {
  kServerName,  // a complete ClientHello with a host_name in server_name: `serverName` holds it
  kNeedMore,    // a ClientHello so far, cut short: read more and ask again
  kNotTls,      // not a TLS handshake record carrying a ClientHello, or malformed
  kNoServerName,  // a complete ClientHello without a server_name host_name
};

struct ClientHelloResult {
  ClientHelloStatus status = ClientHelloStatus::kNotTls;
  std::string serverName;  // kServerName only; as sent (not lower-cased)
  std::string detail;      // kNotTls / kNoServerName: what was wrong, for logs and the outcome's reason
};

// A ClientHello may span several records; this many bytes of handshake message are read at most, and a
// record's payload may not exceed TLS's 2^14.
inline constexpr size_t kMaxClientHelloBytes = 16 * 1024;
inline constexpr size_t kMaxTlsRecordPayload = 16 * 1024;

// Parses the TLS records at the start of `bytes` (the client's first bytes after CONNECT). Pure, never
// reads past `bytes`, bounded by the limits above.
ClientHelloResult parseClientHello(std::string_view bytes);

}  // namespace agentguard::gate::egress

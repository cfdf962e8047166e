#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result/result.h"
#include "gate/auth/caller.h"
#include "gate/auth/caller_authenticator.h"
#include "gate/egress/address_class.h"

namespace agentguard::gate::egress {

// The answer of the egress policy for one CONNECT.
struct EgressDecision {
  bool allowed = false;
  std::string reason;  // why not (sent to the agent in the 403 body), or why so (for the record)
};

// Decides host:port for the caller. `caller` is null when the connection could not be attributed to a
// sandbox (no Proxy-Authorization and no identifyBySourceIp). Runs on a worker thread; may block.
using EgressAuthorizer = std::function<EgressDecision(const Caller* caller, std::string_view sourceIp,
                                                      std::string_view host, uint16_t port)>;
// Identifies a caller without Proxy-Authorization by its source IP; an Error refuses the connection.
using SourceIpIdentifier = std::function<Result<Caller>(std::string_view sourceIp)>;
// Whether a resolved address may be connected to; the default refuses every class but kPublic. Tests
// allow 127.0.0.1 explicitly.
using AddressFilter = std::function<bool(std::string_view address, AddressClass addressClass)>;

// How a CONNECT ended; label values of agentguard_gate_egress_connections_total{result}.
enum class EgressResult {
  kSpliced,        // allowed, SNI checked, bytes relayed until one side closed
  kDenied,         // the authorizer refused host:port (403)
  kUnauthenticated,  // Proxy-Authorization did not authenticate, or the source IP is no sandbox (403)
  kIpLiteral,      // CONNECT to an IP literal (403)
  kAddressRefused,  // every resolved address is in a refused class (403)
  kMalformed,      // not a valid CONNECT request head (400 / 405 / 431)
  kResolveFailed,  // the name did not resolve (502)
  kUpstreamFailed,  // no resolved address accepted the connection (502)
  kNotTls,         // the client's first bytes are not a TLS ClientHello (closed)
  kNoSni,          // a ClientHello without server_name (closed)
  kSniMismatch,    // server_name differs from the CONNECT host (closed)
  kTimedOut,       // a deadline passed before the splice (request head, resolve, connect, ClientHello)
  kLimitExceeded,  // a byte limit or the connection limit was hit
};
std::string_view egressResultName(EgressResult result);

struct EgressOutcome {
  std::string host;  // as requested (lower-case), empty when the request head did not parse
  uint16_t port = 0;
  std::string sourceIp;
  std::optional<Caller> caller;
  EgressResult result = EgressResult::kMalformed;
  std::string reason;
  std::string upstreamAddress;  // the address connected to, when one was
  uint64_t bytesToUpstream = 0;
  uint64_t bytesToClient = 0;
};

struct ConnectProxyOptions {
  std::string listenAddress = "0.0.0.0";
  uint16_t port = 3128;  // 0: any free port (tests)
  int threads = 2;       // io threads
  int workerThreads = 4;  // threads for authentication and the authorizer (they may block)
  size_t maxConnections = 1024;
  size_t maxHeadBytes = 8 * 1024;
  bool allowIpLiterals = false;  // CONNECT to an IP literal (still subject to the address filter)
  std::chrono::milliseconds headTimeout{10'000};         // from accept to the end of the request head
  std::chrono::milliseconds connectTimeout{10'000};      // resolve + connect upstream
  std::chrono::milliseconds clientHelloTimeout{10'000};  // from the 200 to a complete ClientHello
  std::chrono::milliseconds idleTimeout{300'000};        // splice: no byte either way this long
  uint64_t maxBytesPerDirection = 4ull << 30;            // splice: per direction
};

struct ConnectProxyHooks {
  CallerAuthenticator* authenticator = nullptr;  // for Proxy-Authorization: Bearer; outlives the proxy
  SourceIpIdentifier identifyBySourceIp;         // optional
  EgressAuthorizer authorize;                    // required
  AddressFilter addressAllowed;                  // optional; default refuses all but kPublic
  std::function<void(const EgressOutcome&)> onOutcome;  // optional; once per connection, any thread
};

// An HTTP CONNECT proxy for HTTPS egress: authenticates the caller, asks the authorizer, resolves the
// name itself, connects only to permitted addresses, answers 200, requires a TLS ClientHello whose SNI is
// the CONNECT host, then relays bytes both ways.
//
// What it cannot see: everything after the ClientHello is encrypted, so a client that names an allowed
// host in the SNI and another one in the HTTP Host header inside TLS (domain fronting through a CDN that
// serves both) is not stopped; neither is data the allowed host itself passes on. Encrypted ClientHello
// (ECH) hides the real name behind the outer SNI; the outer name is what is checked. A CONNECT to an IP
// literal that allowIpLiterals admits is checked for TLS but not for SNI (clients send none for IPs).
class ConnectProxy {
 public:
  ConnectProxy(ConnectProxyOptions options, ConnectProxyHooks hooks);
  ~ConnectProxy();  // stops
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  // Binds and starts serving on background threads.
  Status start();
  // The bound port (after start).
  uint16_t port() const;
  // Closes the listener and every connection, joins the threads. Idempotent.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// The default AddressFilter: only kPublic.
bool publicAddressesOnly(std::string_view address, AddressClass addressClass);

}  // namespace agentguard::gate::egress

#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/result/result.h"
#include "common/time/clock.h"
#include "gate/auth/caller.h"
#include "gate/auth/caller_lookup.h"

namespace agentguard::gate {

struct AuthenticatorOptions {
  std::string namespaceName;                 // the gate's namespace; callers must be in it
  std::string audience = "agentguard-gate";  // TokenReview spec.audiences, required in status.audiences
  std::chrono::seconds cacheTtl{60};         // TokenReview answers are kept this long (at most 60 s)
  size_t cacheEntries = 4096;                // bound on cached tokens (oldest evicted first)
  const time::Clock* clock = &time::systemClock();  // its wallNow(): cache expiry and the tokens' exp
};

// Maps a request to the sandbox Pod that sent it. Every refusal is an Error whose message says exactly
// why, for the agent to read in the denial's reason:
//   Forbidden    the token or the Pod does not check out (wrong audience, IP mismatch, not a sandbox...)
//   Unavailable  the API server could not answer; the caller must fail closed
// Thread-safe.
class CallerAuthenticator {
 public:
  virtual ~CallerAuthenticator() = default;
  // `bearerToken` is the credential after "Bearer "; `sourceIp` the connection's peer address.
  virtual Result<Caller> authenticate(std::string_view bearerToken, std::string_view sourceIp) = 0;
  // The weaker identification of a CONNECT without Proxy-Authorization: the one Running Pod of the
  // namespace with this IP, owned by an AgentSandbox.
  virtual Result<Caller> identifyBySourceIp(std::string_view sourceIp) = 0;
};

// TokenReview + Pod checks through `lookup` (which outlives the authenticator), with a bounded cache of
// TokenReview answers keyed by the token's SHA-256.
std::unique_ptr<CallerAuthenticator> makeCallerAuthenticator(CallerLookup& lookup, AuthenticatorOptions options);

}  // namespace agentguard::gate

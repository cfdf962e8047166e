#include "gate/auth/caller_authenticator.h"

#include <algorithm>
#include <string>
#include <utility>

#include "gate/auth/pod_identity.h"
#include "gate/auth/token_review.h"
#include "gate/auth/token_review_cache.h"

namespace agentguard::gate {
namespace {

constexpr std::chrono::seconds kMaxCacheTtl{60};
// Tokens longer than this are refused before any call: a projected token is about 1 KiB.
constexpr size_t kMaxTokenBytes = 16 * 1024;

Error forbidden(std::string message) { return makeError(ErrorCode::kForbidden, std::move(message)); }

// The gate's own call failed: not the caller's fault, but no answer either way, so the caller fails closed.
Error unavailable(std::string_view what, const Error& error) {
  return makeError(ErrorCode::kUnavailable, std::string(what) + " failed: " + error.describe());
}

class TokenReviewAuthenticator final : public CallerAuthenticator {
 public:
  TokenReviewAuthenticator(CallerLookup& lookup, AuthenticatorOptions options)
      : lookup_(lookup),
        options_(std::move(options)),
        ttl_(std::min(options_.cacheTtl, kMaxCacheTtl)),
        cache_(options_.cacheEntries) {}

  Result<Caller> authenticate(std::string_view bearerToken, std::string_view sourceIp) override {
    if (bearerToken.empty()) {
      return forbidden("no bearer token; send Authorization: Bearer <contents of $AGENTGUARD_GATE_TOKEN_FILE>");
    }
    if (bearerToken.size() > kMaxTokenBytes) return forbidden("bearer token is over 16 KiB; it is no ServiceAccount token");
    auto reviewed = review(bearerToken);
    if (!reviewed.ok()) return std::move(reviewed).error();
    const ReviewedToken& token = *reviewed;
    auto pod = lookup_.getPod(token.namespaceName, token.podName);
    if (!pod.ok()) {
      if (pod.error().code == ErrorCode::kNotFound) {
        return forbidden("pod " + token.namespaceName + "/" + token.podName + " named by the token does not exist");
      }
      return unavailable("reading pod " + token.namespaceName + "/" + token.podName, pod.error());
    }
    auto caller = callerFromPod(**pod, sourceIp, token.podUid);
    if (!caller.ok()) return caller;
    if (caller->serviceAccount != token.serviceAccount) {
      return forbidden("pod " + caller->namespaceName + "/" + caller->pod + " runs as ServiceAccount " +
                       caller->serviceAccount + ", the token is of ServiceAccount " + token.serviceAccount);
    }
    return caller;
  }

  Result<Caller> identifyBySourceIp(std::string_view sourceIp) override {
    auto pods = lookup_.podsWithIp(options_.namespaceName, sourceIp);
    if (!pods.ok()) return unavailable("listing pods with IP " + std::string(sourceIp), pods.error());
    std::optional<Caller> found;
    std::string lastRefusal;
    for (const auto& pod : *pods) {
      auto caller = callerFromPod(*pod, sourceIp, "");
      if (!caller.ok()) {
        lastRefusal = caller.error().message;
        continue;
      }
      if (found) {
        return forbidden("pods " + found->pod + " and " + caller->pod + " of namespace " + options_.namespaceName +
                         " both have IP " + std::string(sourceIp) + "; send Proxy-Authorization: Bearer <token>");
      }
      found = std::move(caller).value();
    }
    if (found) return *found;
    return forbidden("no Running AgentSandbox pod in namespace " + options_.namespaceName + " has IP " +
                     std::string(sourceIp) + (lastRefusal.empty() ? std::string() : " (" + lastRefusal + ")"));
  }

 private:
  // The TokenReview's answer, from the cache or the API server. Answers about the token are cached
  // until the TTL or the token's exp, whichever is first; failures of the call itself are not.
  Result<ReviewedToken> review(std::string_view token) {
    const auto now = options_.clock->wallNow();
    if (auto cached = cache_.find(token, now)) return *std::move(cached);
    auto created = lookup_.reviewToken(tokenReviewRequest(token, options_.audience));
    if (!created.ok()) return unavailable("TokenReview", created.error());
    Result<ReviewedToken> answer = readTokenReview(*created, options_.audience, options_.namespaceName);
    auto expiresAt = now + ttl_;
    if (const auto exp = jwtExpiry(token); exp && *exp < expiresAt) expiresAt = *exp;
    cache_.store(token, answer, now, expiresAt);
    return answer;
  }

  CallerLookup& lookup_;
  const AuthenticatorOptions options_;
  const std::chrono::seconds ttl_;
  TokenReviewCache cache_;
};

}  // namespace

std::unique_ptr<CallerAuthenticator> makeCallerAuthenticator(CallerLookup& lookup, AuthenticatorOptions options) {
  return std::make_unique<TokenReviewAuthenticator>(lookup, std::move(options));
}

}  // namespace agentguard::gate

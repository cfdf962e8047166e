#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result/result.h"

namespace agentguard::gate {

// What a successful TokenReview says about a Pod-bound ServiceAccount token.
struct ReviewedToken {
  std::string namespaceName;
  std::string serviceAccount;
  std::string podName;
  std::string podUid;
};

// The authentication.k8s.io/v1 TokenReview to create for `token` with spec.audiences [audience].
nlohmann::json tokenReviewRequest(std::string_view token, std::string_view audience);

// Reads the created TokenReview's status: authenticated, `audience` among status.audiences, a
// ServiceAccount user of `gateNamespace`, bound to a Pod (pod-name and pod-uid extras). Forbidden with
// the precise reason otherwise. Pure.
Result<ReviewedToken> readTokenReview(const nlohmann::json& review, std::string_view audience,
                                      std::string_view gateNamespace);

// The `exp` claim of a JWT's payload, decoded without verifying anything (the TokenReview does that);
// only to bound how long an answer about the token is cached. nullopt when absent or unreadable.
std::optional<std::chrono::system_clock::time_point> jwtExpiry(std::string_view token);

}  // namespace agentguard::gate

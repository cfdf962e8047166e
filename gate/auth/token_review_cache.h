#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result/result.h"
#include "gate/auth/token_review.h"

namespace agentguard::gate {

// TokenReview answers, positive and negative, keyed by the token's SHA-256 (the token itself is never
// kept). Bounded: when full, expired entries go first, then the oldest. Without it every MCP request and
// CONNECT would cost a round trip to the API server (the 2 ms p99 budget). Thread-safe.
class TokenReviewCache {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  explicit TokenReviewCache(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // The answer for `token` if one was stored and has not expired at `now`.
  std::optional<Result<ReviewedToken>> find(std::string_view token, TimePoint now);
  // Stores `answer` for `token` until `expiresAt` (ignored when that is not after `now`).
  void store(std::string_view token, Result<ReviewedToken> answer, TimePoint now, TimePoint expiresAt);
  size_t size() const;

 private:
  struct Entry {
    Result<ReviewedToken> answer;
    TimePoint expiresAt;
    std::list<std::string>::iterator age;  // position in order_
  };
  void evictOne(TimePoint now);

  const size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // key: raw SHA-256 of the token
  std::list<std::string> order_;                    // oldest first
};

}  // namespace agentguard::gate

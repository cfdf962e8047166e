#include "gate/auth/token_review_cache.h"

#include <utility>

#include "common/decision/digest.h"

namespace agentguard::gate {

std::optional<Result<ReviewedToken>> TokenReviewCache::find(std::string_view token, TimePoint now) {
  const std::string key = decision::sha256(token);
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expiresAt <= now) {
    order_.erase(it->second.age);
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.answer;
}

void TokenReviewCache::store(std::string_view token, Result<ReviewedToken> answer, TimePoint now,
                             TimePoint expiresAt) {
  if (expiresAt <= now) return;
  std::string key = decision::sha256(token);
  std::lock_guard<std::mutex> lock(mutex_);
  if (const auto it = entries_.find(key); it != entries_.end()) {
    order_.erase(it->second.age);
    entries_.erase(it);
  }
  while (entries_.size() >= capacity_) evictOne(now);
  order_.push_back(key);
  entries_.emplace(std::move(key), Entry{std::move(answer), expiresAt, std::prev(order_.end())});
}

size_t TokenReviewCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

void TokenReviewCache::evictOne(TimePoint now) {
  for (auto age = order_.begin(); age != order_.end(); ++age) {
    const auto it = entries_.find(*age);
    if (it->second.expiresAt <= now) {
      entries_.erase(it);
      order_.erase(age);
      return;
    }
  }
  entries_.erase(order_.front());
  order_.pop_front();
}

}  // namespace agentguard::gate

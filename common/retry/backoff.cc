#include "common/retry/backoff.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <utility>

namespace agentguard::retry {
namespace {

BackoffPolicy normalized(BackoffPolicy policy) {
  policy.jitter = std::clamp(policy.jitter, 0.0, 1.0);
  policy.factor = std::max(policy.factor, 1.0);
  policy.base = std::max(policy.base, std::chrono::milliseconds(1));
  policy.cap = std::max(policy.cap, policy.base);
  return policy;
}

}  // namespace

RandomSource defaultRandomSource() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

std::chrono::milliseconds backoffDelay(const BackoffPolicy& requested, int failures, double unit) {
  const BackoffPolicy policy = normalized(requested);
  const double cap = static_cast<double>(policy.cap.count());
  // Grow in floating point (an overflow to infinity still ends at the cap).
  const double grown =
      static_cast<double>(policy.base.count()) * std::pow(policy.factor, std::clamp(failures, 0, 1000));
  const double ceiling = std::min(grown, cap);
  const double delay = ceiling * (1.0 - policy.jitter) + ceiling * policy.jitter * std::clamp(unit, 0.0, 1.0);
  return std::chrono::milliseconds(std::max<long long>(1, std::llround(delay)));
}

Backoff::Backoff(BackoffPolicy policy, RandomSource random)
    : policy_(normalized(policy)), random_(random ? std::move(random) : defaultRandomSource()) {}

std::chrono::milliseconds Backoff::next() {
  const std::chrono::milliseconds delay = backoffDelay(policy_, attempts_, random_());
  if (attempts_ < std::numeric_limits<int>::max()) ++attempts_;
  return delay;
}

std::chrono::milliseconds Backoff::next(std::chrono::milliseconds atLeast) {
  return std::min(std::max(next(), atLeast), policy_.cap);
}

}  // namespace agentguard::retry

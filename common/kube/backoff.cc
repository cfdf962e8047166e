#include "common/kube/backoff.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <utility>

namespace agentguard::kube {
namespace {

Backoff::RandomSource defaultRandom() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

}  // namespace

Backoff::Backoff(BackoffPolicy policy, RandomSource random)
    : policy_(policy), random_(random ? std::move(random) : defaultRandom()) {
  policy_.jitter = std::clamp(policy_.jitter, 0.0, 1.0);
  policy_.factor = std::max(policy_.factor, 1.0);
  policy_.base = std::max(policy_.base, std::chrono::milliseconds(1));
  policy_.cap = std::max(policy_.cap, policy_.base);
}

std::chrono::milliseconds Backoff::next() {
  const double cap = static_cast<double>(policy_.cap.count());
  // Grow in floating point (an overflow to infinity still ends at the cap).
  const double grown = static_cast<double>(policy_.base.count()) * std::pow(policy_.factor, std::min(attempts_, 1000));
  const double ceiling = std::min(grown, cap);
  if (attempts_ < std::numeric_limits<int>::max()) ++attempts_;
  const double unit = std::clamp(random_(), 0.0, 1.0);
  const double delay = ceiling * (1.0 - policy_.jitter) + ceiling * policy_.jitter * unit;
  return std::chrono::milliseconds(std::max<long long>(1, std::llround(delay)));
}

std::chrono::milliseconds Backoff::next(std::chrono::milliseconds atLeast) {
  return std::min(std::max(next(), atLeast), policy_.cap);
}

}  // namespace agentguard::kube

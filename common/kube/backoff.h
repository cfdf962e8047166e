#pragma once

#include <chrono>
#include <functional>

namespace agentguard::kube {

struct BackoffPolicy {
  std::chrono::milliseconds base{250};  // the first delay
  std::chrono::milliseconds cap{30000};  // no delay is longer
  double factor = 2.0;                   // growth per attempt
  // Share of each delay that is random: a delay d becomes uniform in [d * (1 - jitter), d]. 0 = none, 1 = full.
  double jitter = 0.5;
};

// Exponential backoff with jitter, capped. Not thread-safe; one per retry loop.
//
//   Backoff backoff(policy);
//   while (!attempt()) stop.waitFor(backoff.next());
//   backoff.reset();
class Backoff {
 public:
  // Returns a number in [0, 1); the default draws from a per-object Mersenne Twister.
  using RandomSource = std::function<double()>;

  explicit Backoff(BackoffPolicy policy = {}, RandomSource random = {});

  // The delay before the next attempt; each call counts one failed attempt.
  std::chrono::milliseconds next();
  // The same, but never shorter than what the server asked for (Retry-After), still capped.
  std::chrono::milliseconds next(std::chrono::milliseconds atLeast);
  // After a success: the next failure starts again from `base`.
  void reset() { attempts_ = 0; }
  int attempts() const { return attempts_; }

 private:
  BackoffPolicy policy_;
  RandomSource random_;
  int attempts_ = 0;
};

}  // namespace agentguard::kube

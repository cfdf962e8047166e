#pragma once

#include <chrono>
#include <functional>

// Exponential backoff with jitter, the one used for every retry: the Kubernetes informer's lists and
// watches, and the operator's per-sandbox requeues.
namespace agentguard::retry {

struct BackoffPolicy {
  std::chrono::milliseconds base{250};  // the first delay
  std::chrono::milliseconds cap{30000};  // no delay is longer
  double factor = 2.0;                   // growth per attempt
  // Share of each delay that is random: a delay d becomes uniform in [d * (1 - jitter), d]. 0 = none, 1 = full.
  // Jitter keeps clients that failed together (an API server restart) from retrying in lockstep.
  double jitter = 0.5;
};

// Returns a number in [0, 1). Tests that need exact delays inject one that returns a constant (1.0 gives
// the full delay d, 0.0 gives d * (1 - jitter)).
using RandomSource = std::function<double()>;

// A Mersenne Twister seeded from std::random_device. Not thread-safe: one per user, or call it under a lock.
RandomSource defaultRandomSource();

// The delay after `failures` failed attempts (0 for the first retry): base * factor^failures, capped, then
// the jitter share scaled by `unit` (clamped to [0, 1]). At least 1 ms. Values out of range in `policy` are
// clamped: jitter to [0, 1], factor to at least 1, base to at least 1 ms, cap to at least base.
std::chrono::milliseconds backoffDelay(const BackoffPolicy& policy, int failures, double unit);

// The delay before the next attempt of one retry loop, counting its failures. Not thread-safe; one per loop.
//
//   Backoff backoff(policy);
//   while (!attempt()) stop.waitFor(backoff.next());
//   backoff.reset();
class Backoff {
 public:
  // The default random source is defaultRandomSource().
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

}  // namespace agentguard::retry

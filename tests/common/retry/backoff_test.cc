#include "common/retry/backoff.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace agentguard::retry {
namespace {

using std::chrono::milliseconds;

RandomSource constant(double value) {
  return [value] { return value; };
}

TEST(BackoffDelayTest, IsAPureFunctionOfPolicyFailuresAndTheRandomUnit) {
  const BackoffPolicy policy{milliseconds(10), milliseconds(1000), 2.0, 0.5};
  EXPECT_EQ(backoffDelay(policy, 0, 1.0), milliseconds(10));
  EXPECT_EQ(backoffDelay(policy, 3, 1.0), milliseconds(80));
  EXPECT_EQ(backoffDelay(policy, 3, 0.0), milliseconds(40));   // d * (1 - jitter)
  EXPECT_EQ(backoffDelay(policy, 3, 0.5), milliseconds(60));
  EXPECT_EQ(backoffDelay(policy, 30, 1.0), milliseconds(1000));  // capped
  EXPECT_EQ(backoffDelay(policy, 1 << 30, 1.0), milliseconds(1000));
  EXPECT_EQ(backoffDelay(policy, -1, 1.0), milliseconds(10));    // no failures yet
  EXPECT_EQ(backoffDelay({milliseconds(0), milliseconds(0), 0.5, 3.0}, 5, 0.0), milliseconds(1));  // clamped
}

TEST(BackoffTest, DoublesFromBaseUpToCapWithoutJitter) {
  Backoff backoff({milliseconds(100), milliseconds(1000), 2.0, 0.0}, constant(0.7));
  std::vector<long long> delays;
  for (int i = 0; i < 7; ++i) delays.push_back(backoff.next().count());
  EXPECT_EQ(delays, (std::vector<long long>{100, 200, 400, 800, 1000, 1000, 1000}));
  EXPECT_EQ(backoff.attempts(), 7);
}

TEST(BackoffTest, JitterTakesTheRandomShareOfEachDelay) {
  const BackoffPolicy policy{milliseconds(1000), milliseconds(30000), 2.0, 0.5};
  Backoff low(policy, constant(0.0));
  Backoff high(policy, constant(1.0));
  Backoff middle(policy, constant(0.5));
  EXPECT_EQ(low.next(), milliseconds(500));      // d * (1 - jitter)
  EXPECT_EQ(high.next(), milliseconds(1000));    // d
  EXPECT_EQ(middle.next(), milliseconds(750));
  EXPECT_EQ(low.next(), milliseconds(1000));     // second attempt: d = 2000
  EXPECT_EQ(high.next(), milliseconds(2000));
}

TEST(BackoffTest, NeverExceedsTheCapWhateverTheRandomSourceReturns) {
  Backoff backoff({milliseconds(250), milliseconds(30000), 2.0, 1.0}, constant(7.0));  // out of [0, 1)
  for (int i = 0; i < 100; ++i) {
    const auto delay = backoff.next();
    EXPECT_GE(delay, milliseconds(1));
    EXPECT_LE(delay, milliseconds(30000));
  }
  EXPECT_EQ(backoff.next(), milliseconds(30000));  // long outages sit at the cap, no overflow
}

TEST(BackoffTest, ResetStartsAgainFromBase) {
  Backoff backoff({milliseconds(100), milliseconds(1000), 2.0, 0.0});
  backoff.next();
  backoff.next();
  backoff.reset();
  EXPECT_EQ(backoff.attempts(), 0);
  EXPECT_EQ(backoff.next(), milliseconds(100));
}

TEST(BackoffTest, RetryAfterLengthensTheDelayButTheCapHolds) {
  Backoff backoff({milliseconds(100), milliseconds(5000), 2.0, 0.0});
  EXPECT_EQ(backoff.next(milliseconds(2000)), milliseconds(2000));
  EXPECT_EQ(backoff.next(milliseconds(10)), milliseconds(200));
  EXPECT_EQ(backoff.next(milliseconds(60000)), milliseconds(5000));
}

TEST(BackoffTest, DefaultRandomSourceStaysWithinTheJitterBand) {
  Backoff backoff({milliseconds(1000), milliseconds(1000), 2.0, 0.5});
  for (int i = 0; i < 200; ++i) {
    const auto delay = backoff.next();
    EXPECT_GE(delay, milliseconds(500));
    EXPECT_LE(delay, milliseconds(1000));
  }
}

TEST(BackoffTest, DefaultPolicyIsCappedNearThirtySeconds) {
  Backoff backoff;
  milliseconds longest{0};
  for (int i = 0; i < 50; ++i) longest = std::max(longest, backoff.next());
  EXPECT_LE(longest, milliseconds(30000));
  EXPECT_GE(longest, milliseconds(15000));
}

}  // namespace
}  // namespace agentguard::retry

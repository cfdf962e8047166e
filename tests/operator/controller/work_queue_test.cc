#include "operator/controller/work_queue.h"

#include <gtest/gtest.h>

namespace agentguard::op {
namespace {

using namespace std::chrono_literals;

class WorkQueueTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  // The random source 1.0 takes the whole of each delay, so the backoff tests see exact figures.
  WorkQueue queue_{clock_, WorkQueueOptions{{10ms, 1000ms, 2.0, 0.5}, [] { return 1.0; }}};
};

TEST_F(WorkQueueTest, DeduplicatesWaitingKeys) {
  queue_.add("ns/a");
  queue_.add("ns/b");
  queue_.add("ns/a");
  EXPECT_EQ(queue_.depth(), 2u);
  EXPECT_EQ(queue_.tryGet(), "ns/a");
  EXPECT_EQ(queue_.tryGet(), "ns/b");
  EXPECT_EQ(queue_.tryGet(), std::nullopt);
}

TEST_F(WorkQueueTest, KeyAddedWhileProcessingComesBackAfterDone) {
  queue_.add("ns/a");
  ASSERT_EQ(queue_.tryGet(), "ns/a");
  queue_.add("ns/a");
  queue_.add("ns/a");
  EXPECT_EQ(queue_.tryGet(), std::nullopt) << "never handed to two workers at once";
  queue_.done("ns/a");
  EXPECT_EQ(queue_.tryGet(), "ns/a");
  queue_.done("ns/a");
  EXPECT_EQ(queue_.tryGet(), std::nullopt) << "the two adds were one";
}

TEST_F(WorkQueueTest, DelayedKeyWaitsForItsTime) {
  queue_.addAfter("ns/a", 5s);
  EXPECT_EQ(queue_.tryGet(), std::nullopt);
  EXPECT_EQ(queue_.delayedCount(), 1u);
  clock_.advance(4999ms);
  EXPECT_EQ(queue_.tryGet(), std::nullopt);
  clock_.advance(1ms);
  EXPECT_EQ(queue_.tryGet(), "ns/a");
  EXPECT_EQ(queue_.delayedCount(), 0u);
}

TEST_F(WorkQueueTest, EarliestDelayWinsAndDueKeysComeInTimeOrder) {
  queue_.addAfter("ns/a", 10s);
  queue_.addAfter("ns/a", 2s);
  queue_.addAfter("ns/a", 20s);
  queue_.addAfter("ns/b", 1s);
  clock_.advance(2s);
  EXPECT_EQ(queue_.tryGet(), "ns/b");
  EXPECT_EQ(queue_.tryGet(), "ns/a");
  EXPECT_EQ(queue_.delayedCount(), 0u);
}

TEST_F(WorkQueueTest, ZeroDelayIsImmediate) {
  queue_.addAfter("ns/a", 0ms);
  EXPECT_EQ(queue_.tryGet(), "ns/a");
}

TEST_F(WorkQueueTest, BackoffDoublesUpToTheCapAndForgetResets) {
  const std::vector<std::chrono::milliseconds> expected = {10ms, 20ms, 40ms, 80ms, 160ms, 320ms, 640ms, 1000ms, 1000ms};
  for (const auto delay : expected) {
    EXPECT_EQ(queue_.nextBackoff("ns/a"), delay);
    queue_.addRateLimited("ns/a");
    clock_.advance(delay - 1ms);
    EXPECT_EQ(queue_.tryGet(), std::nullopt) << delay.count();
    clock_.advance(1ms);
    ASSERT_EQ(queue_.tryGet(), "ns/a") << delay.count();
    queue_.done("ns/a");
  }
  EXPECT_EQ(queue_.numRequeues("ns/a"), 9);
  EXPECT_EQ(queue_.nextBackoff("ns/b"), 10ms) << "backoff is per key";
  queue_.forget("ns/a");
  EXPECT_EQ(queue_.numRequeues("ns/a"), 0);
  EXPECT_EQ(queue_.nextBackoff("ns/a"), 10ms);
}

TEST(WorkQueueJitterTest, JitterShortensEachDelayByUpToItsShare) {
  ManualClock clock;
  WorkQueue queue(clock, WorkQueueOptions{{10ms, 1000ms, 2.0, 0.5}, [] { return 0.0; }});
  for (const auto delay : {5ms, 10ms, 20ms, 40ms}) {  // half of 10, 20, 40, 80 ms
    EXPECT_EQ(queue.addRateLimited("ns/a"), delay);
    clock.advance(delay - 1ms);
    EXPECT_EQ(queue.tryGet(), std::nullopt) << delay.count();
    clock.advance(1ms);
    ASSERT_EQ(queue.tryGet(), "ns/a") << delay.count();
    queue.done("ns/a");
  }
  EXPECT_EQ(queue.addRateLimited("ns/b", 300ms), 300ms) << "Retry-After wins when longer";
}

TEST(WorkQueueJitterTest, DefaultRandomSourceStaysWithinTheJitterBand) {
  ManualClock clock;
  WorkQueue queue(clock, WorkQueueOptions{{100ms, 100ms, 2.0, 0.5}, {}});
  for (int i = 0; i < 200; ++i) {
    const auto delay = queue.addRateLimited("ns/a");
    EXPECT_GE(delay, 50ms);
    EXPECT_LE(delay, 100ms);
  }
}

TEST_F(WorkQueueTest, DepthObserverSeesChanges) {
  std::vector<size_t> depths;
  queue_.setDepthObserver([&](size_t depth) { depths.push_back(depth); });
  queue_.add("ns/a");
  queue_.add("ns/b");
  (void)queue_.tryGet();
  EXPECT_EQ(depths, (std::vector<size_t>{1, 2, 1}));
}

TEST_F(WorkQueueTest, ShutDownReleasesBlockedGet) {
  queue_.shutDown();
  EXPECT_EQ(queue_.get(), std::nullopt);
  queue_.add("ns/a");
  EXPECT_EQ(queue_.tryGet(), std::nullopt);
}

}  // namespace
}  // namespace agentguard::op

#include "common/process/stop_signals.h"

#include <pthread.h>

#include <csignal>

#include <gtest/gtest.h>

namespace agentguard::process {
namespace {

// Restores the test thread's signal mask, so a failed test leaves the next one as it found it.
class StopSignalsTest : public ::testing::Test {
 protected:
  void SetUp() override { pthread_sigmask(SIG_SETMASK, nullptr, &saved_); }
  void TearDown() override { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }

 private:
  sigset_t saved_{};
};

TEST_F(StopSignalsTest, ABlockedSignalIsTakenByTheWait) {
  blockStopSignals();
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  EXPECT_EQ(sigismember(&mask, SIGTERM), 1);
  EXPECT_EQ(sigismember(&mask, SIGINT), 1);
  // Pending on this thread until the wait takes it: nothing sleeps.
  pthread_kill(pthread_self(), SIGTERM);
  EXPECT_EQ(waitForStopSignal(), SIGTERM);
  pthread_kill(pthread_self(), SIGINT);
  EXPECT_EQ(waitForStopSignal(), SIGINT);
  EXPECT_STREQ(stopSignalName(SIGTERM), "SIGTERM");
  EXPECT_STREQ(stopSignalName(SIGINT), "SIGINT");
}

TEST_F(StopSignalsTest, TicksBeforeTheFirstWait) {
  blockStopSignals();
  pthread_kill(pthread_self(), SIGINT);
  int ticks = 0;
  EXPECT_EQ(waitForStopSignal([&ticks] { ++ticks; }, std::chrono::milliseconds(10)), SIGINT);
  EXPECT_EQ(ticks, 1);
}

}  // namespace
}  // namespace agentguard::process

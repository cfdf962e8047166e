#include "webhook/reload/periodic_check.h"

#include <atomic>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

namespace agentguard::webhook {
namespace {

using namespace std::chrono_literals;

// Polls `done` until it holds or five seconds pass.
bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::yield();
  }
  return done();
}

TEST(PeriodicCheckTest, RunsTheCheckRepeatedlyUntilStopped) {
  std::ostringstream logs;
  log::Logger logger(logs);
  PeriodicCheck periodic(logger, "Failed to check");
  std::atomic<int> runs{0};
  periodic.start(1ms, [&] { ++runs; });
  EXPECT_TRUE(eventually([&] { return runs.load() >= 3; }));
  periodic.stop();
  const int afterStop = runs.load();
  periodic.stop();  // idempotent
  EXPECT_EQ(runs.load(), afterStop);
}

TEST(PeriodicCheckTest, LogsAFailingCheckAndKeepsGoing) {
  std::ostringstream logs;
  log::Logger logger(logs);
  PeriodicCheck periodic(logger, "Failed to check the files");
  std::atomic<int> runs{0};
  periodic.start(1ms, [&] {
    ++runs;
    throw std::runtime_error("disk on fire");
  });
  EXPECT_TRUE(eventually([&] { return runs.load() >= 2; }));
  periodic.stop();
  EXPECT_NE(logs.str().find("\"msg\":\"Failed to check the files\""), std::string::npos) << logs.str();
  EXPECT_NE(logs.str().find("disk on fire"), std::string::npos);
}

TEST(PeriodicCheckTest, StopDoesNotWaitForTheInterval) {
  std::ostringstream logs;
  log::Logger logger(logs);
  PeriodicCheck periodic(logger, "Failed to check");
  std::atomic<int> runs{0};
  periodic.start(std::chrono::hours(1), [&] { ++runs; });
  const auto before = std::chrono::steady_clock::now();
  periodic.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
  EXPECT_EQ(runs.load(), 0);
}

TEST(PeriodicCheckTest, RestartReplacesTheCheck) {
  std::ostringstream logs;
  log::Logger logger(logs);
  PeriodicCheck periodic(logger, "Failed to check");
  std::atomic<int> first{0};
  std::atomic<int> second{0};
  periodic.start(1ms, [&] { ++first; });
  EXPECT_TRUE(eventually([&] { return first.load() >= 1; }));
  periodic.start(1ms, [&] { ++second; });
  const int firstAtRestart = first.load();
  EXPECT_TRUE(eventually([&] { return second.load() >= 2; }));
  EXPECT_EQ(first.load(), firstAtRestart);
}

}  // namespace
}  // namespace agentguard::webhook

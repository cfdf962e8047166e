#include "common/decision/decision_log_queue.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "common/decision/checkpoint.h"
#include "common/decision/decision_log_verifier.h"
#include "common/decision/digest.h"
#include "common/time/manual_clock.h"
#include "tests/common/decision/decision_log_fixture.h"

namespace agentguard::decision {
namespace {

using namespace std::chrono_literals;

using testing::podDecision;

// Polls `condition` until it holds or 10 s pass.
template <typename Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

class DecisionLogQueueTest : public testing::DecisionLogFixture {
 protected:
  // A FIFO whose read end the test holds, so the writer blocks once the pipe is full.
  std::string fifo() {
    const std::string file = path("decisions.fifo");
    EXPECT_EQ(::mkfifo(file.c_str(), 0600), 0);
    readEnd_ = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    EXPECT_GE(readEnd_, 0);
    return file;
  }
  // Reads the FIFO on a thread until every writer has closed it; call it once the writer has it open
  // (a FIFO without a writer reads as ended).
  void drainFifo() {
    ::fcntl(readEnd_, F_SETFL, ::fcntl(readEnd_, F_GETFL) & ~O_NONBLOCK);
    drained_ = std::thread([this] {
      char buffer[65536];
      for (ssize_t n; (n = ::read(readEnd_, buffer, sizeof(buffer))) > 0;) fifoText_.append(buffer, static_cast<size_t>(n));
      ::close(readEnd_);
    });
  }
  std::string fifoText() {
    drained_.join();
    return fifoText_;
  }

  int readEnd_ = -1;
  std::thread drained_;
  std::string fifoText_;
};

TEST_F(DecisionLogQueueTest, ConcurrentRecordsAreWrittenOnceEachInOneVerifiedChain) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::string> digests(kThreads * kPerThread);
  {
    std::unique_ptr<DecisionLogWriter> writer = open(path());
    DecisionLogQueue queue(*writer);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          Result<std::string> digest = queue.record(podDecision("pod-" + std::to_string(t * kPerThread + i)));
          digests[t * kPerThread + i] = digest ? *digest : "failed: " + digest.error().message;
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    const DecisionLogStats stats = queue.stats();
    EXPECT_EQ(stats.written, kThreads * kPerThread);
    EXPECT_EQ(stats.writeFailures + stats.droppedQueueFull + stats.droppedTimeout, 0u);
    EXPECT_EQ(stats.queueDepth, 0u);
  }
  std::ifstream log(path());
  std::set<std::string> lineDigests;
  for (std::string line; std::getline(log, line);) lineDigests.insert("sha256:" + sha256Hex(line));
  EXPECT_EQ(lineDigests, std::set<std::string>(digests.begin(), digests.end()));
  std::ifstream again(path());
  const LogVerification verified = verifyDecisionLog(again, trust());
  EXPECT_TRUE(verified.ok) << verified.problem;
  EXPECT_EQ(verified.records, static_cast<std::uint64_t>(kThreads * kPerThread));
}

// /dev/full accepts the open and fails every write, like a full volume.
TEST_F(DecisionLogQueueTest, AFailedWriteFailsTheRecordAndIsCounted) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  std::unique_ptr<DecisionLogWriter> writer = open("/dev/full");
  DecisionLogQueue queue(*writer);
  Result<std::string> recorded = queue.record(podDecision("web"));
  ASSERT_FALSE(recorded.ok());
  EXPECT_EQ(recorded.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(recorded.error().message.find("could not be written"), std::string::npos) << recorded.error().message;
  EXPECT_EQ(queue.stats().writeFailures, 1u);
  EXPECT_EQ(queue.stats().written, 0u);
  // The chain did not move: the next record would still be seq 0.
  EXPECT_EQ(writer->nextSeq(), 0u);
}

// The writer blocks on a full pipe: waiting requests give up after the bounded wait, the queue fills and
// refuses at once, and the records of requests that gave up are not written later.
TEST_F(DecisionLogQueueTest, ABlockedDiskCostsARequestTheBoundedWaitThenTheQueueRefuses) {
  const std::string file = fifo();
  std::unique_ptr<DecisionLogWriter> writer = open(file);
  {
    DecisionLogQueue queue(*writer, DecisionLogQueueOptions{.capacity = 2, .waitForRecord = 50ms});
    // Larger than the pipe (64 KiB): the writer thread blocks in write() with it.
    Result<std::string> big = queue.record(podDecision(std::string(100000, 'x')));
    ASSERT_FALSE(big.ok());
    EXPECT_NE(big.error().message.find("not written within 50ms"), std::string::npos) << big.error().message;
    ASSERT_TRUE(eventually([&] { return queue.stats().queueDepth == 0; }));  // the writer holds it
    EXPECT_FALSE(queue.record(podDecision("second")).ok());
    EXPECT_FALSE(queue.record(podDecision("third")).ok());
    EXPECT_EQ(queue.stats().queueDepth, 2u);
    const auto started = std::chrono::steady_clock::now();
    Result<std::string> refused = queue.record(podDecision("fourth"));
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("queue is full"), std::string::npos) << refused.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 50ms);  // refused without waiting
    const DecisionLogStats stats = queue.stats();
    EXPECT_EQ(stats.droppedTimeout, 3u);
    EXPECT_EQ(stats.droppedQueueFull, 1u);
    drainFifo();
    EXPECT_TRUE(eventually([&] { return queue.stats().written == 1; }));
  }
  writer.reset();
  // Only the record the writer had taken before its request gave up was written.
  std::istringstream text(fifoText());
  const LogVerification verified = verifyDecisionLog(text, trust());
  EXPECT_TRUE(verified.ok) << verified.problem;
  EXPECT_EQ(verified.records, 1u);
}

TEST_F(DecisionLogQueueTest, RecordsAreSyncedEveryNRecords) {
  const std::string file = fifo();
  std::unique_ptr<DecisionLogWriter> writer = open(file);
  drainFifo();
  {
    DecisionLogQueue queue(*writer, DecisionLogQueueOptions{.syncEveryRecords = 1, .syncEvery = 1h});
    ASSERT_TRUE(queue.record(podDecision("web")).ok());
    // fdatasync() on a pipe fails, which shows the sync was attempted after one record.
    EXPECT_TRUE(eventually([&] { return queue.stats().syncFailures >= 1; }));
  }
  writer.reset();
  fifoText();
}

TEST_F(DecisionLogQueueTest, AQuietLogIsCheckpointedOnceTheIntervalPasses) {
  time::ManualClock clock;
  CheckpointPolicy policy{.everyRecords = 1000, .every = 10s, .clock = &clock};
  std::unique_ptr<DecisionLogWriter> writer = open(path(), std::move(policy));
  DecisionLogQueue queue(*writer, DecisionLogQueueOptions{.idleWake = 5ms});
  ASSERT_TRUE(queue.record(podDecision("web")).ok());
  std::this_thread::sleep_for(50ms);  // several idle wakes: nothing is due yet
  EXPECT_FALSE(std::filesystem::exists(path() + ".checkpoint"));
  clock.advance(11s);
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(path() + ".checkpoint"); }));
  std::ifstream in(path() + ".checkpoint", std::ios::binary);
  std::ostringstream note;
  note << in.rdbuf();
  Result<Checkpoint> checkpoint = openCheckpoint(note.str(), trust());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().describe();
  EXPECT_EQ(checkpoint->size, 1u);
}

}  // namespace
}  // namespace agentguard::decision

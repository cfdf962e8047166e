#include "common/decision/checkpoint_sink.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "common/decision/decision_log_writer.h"
#include "tests/common/decision/test_keys.h"
#include "tests/support/scratch_dir.h"

namespace agentguard::decision {
namespace {

using namespace std::chrono_literals;

template <typename Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Keeps the sizes it was given; fails while `failing` is set.
class RecordingSink final : public CheckpointSink {
 public:
  std::string describe() const override { return "recording"; }
  Status publish(const Checkpoint& checkpoint, std::string_view) override {
    std::lock_guard lock(mutex);
    if (failing) return makeError(ErrorCode::kUnavailable, "sink down");
    sizes.push_back(checkpoint.size);
    return okStatus();
  }
  std::vector<std::uint64_t> seen() {
    std::lock_guard lock(mutex);
    return sizes;
  }
  std::mutex mutex;
  bool failing = false;
  std::vector<std::uint64_t> sizes;
};

Checkpoint at(std::uint64_t size) { return Checkpoint{"replica-a", size, std::string(32, 'r')}; }

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class CheckpointSinkTest : public ::testing::Test {
 protected:
  agentguard::testing::ScratchDir dir_{"checkpoint-sink"};  // its destructor unlocks what a test locked
};

TEST_F(CheckpointSinkTest, FileSinkAppendsEveryNoteAndAnEmptyLine) {
  const std::string path = (dir_ / "published.checkpoints").string();
  FileCheckpointSink sink(path);
  ASSERT_TRUE(sink.publish(at(1), "first\n").ok());
  ASSERT_TRUE(sink.publish(at(2), "second\n").ok());
  EXPECT_EQ(readFile(path), "first\n\nsecond\n\n");
}

TEST_F(CheckpointSinkTest, FileSinkReportsAFileItCannotWrite) {
  // Its directory is a regular file: no one, root included, can create the checkpoint file there.
  std::ofstream(dir_ / "not-a-directory") << "x";
  const std::string path = (dir_ / "not-a-directory" / "published.checkpoints").string();
  FileCheckpointSink sink(path);
  Status published = sink.publish(at(1), "note\n");
  ASSERT_FALSE(published.ok());
  EXPECT_EQ(published.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(published.error().message, "checkpoint file " + path + " could not be opened: Not a directory");
}

TEST_F(CheckpointSinkTest, PublisherSendsTheNewestCheckpointToEverySink) {
  auto first = std::make_unique<RecordingSink>();
  auto second = std::make_unique<RecordingSink>();
  RecordingSink& a = *first;
  RecordingSink& b = *second;
  std::vector<CheckpointSinkPtr> sinks;
  sinks.push_back(std::move(first));
  sinks.push_back(std::move(second));
  CheckpointPublisher publisher(std::move(sinks), {});
  publisher.offer(at(5), "note 5");
  ASSERT_TRUE(eventually([&] { return publisher.stats().published == 2; }));
  publisher.offer(at(3), "an older checkpoint");  // never replaces a newer one
  publisher.offer(at(9), "note 9");
  ASSERT_TRUE(eventually([&] { return publisher.stats().published == 4; }));
  EXPECT_EQ(a.seen(), (std::vector<std::uint64_t>{5, 9}));
  EXPECT_EQ(b.seen(), (std::vector<std::uint64_t>{5, 9}));
}

TEST_F(CheckpointSinkTest, AFailedSinkIsRetriedWithTheNewestCheckpointAndTheOthersAreNotHeldUp) {
  auto down = std::make_unique<RecordingSink>();
  auto up = std::make_unique<RecordingSink>();
  RecordingSink& failing = *down;
  RecordingSink& working = *up;
  failing.failing = true;
  std::vector<CheckpointSinkPtr> sinks;
  sinks.push_back(std::move(down));
  sinks.push_back(std::move(up));
  std::atomic<int> reported{0};
  CheckpointPublisher publisher(std::move(sinks), {.retryAfter = 20ms, .onFailure = [&](const CheckpointSink& sink, const Error& error) {
                                                     EXPECT_EQ(sink.describe(), "recording");
                                                     EXPECT_EQ(error.message, "sink down");
                                                     ++reported;
                                                   }});
  publisher.offer(at(1), "note 1");
  ASSERT_TRUE(eventually([&] { return working.seen().size() == 1 && reported >= 1; }));
  publisher.offer(at(2), "note 2");
  {
    std::lock_guard lock(failing.mutex);
    failing.failing = false;
  }
  ASSERT_TRUE(eventually([&] { return failing.seen() == std::vector<std::uint64_t>{2}; }));
  EXPECT_GE(publisher.stats().failures, 1u);
}

TEST_F(CheckpointSinkTest, TheWriterPublishesEachCheckpointItWritesIncludingTheLastOnClose) {
  const std::string log = (dir_ / "decisions.dsse.jsonl").string();
  const std::string published = (dir_ / "elsewhere.checkpoints").string();
  {
    std::vector<CheckpointSinkPtr> sinks;
    sinks.push_back(std::make_unique<FileCheckpointSink>(published));
    CheckpointPublisher publisher(std::move(sinks), {});
    {
      CheckpointPolicy policy{.everyRecords = 2};
      policy.published = [&publisher](const Checkpoint& checkpoint, const std::string& note) { publisher.offer(checkpoint, note); };
      auto writer = DecisionLogWriter::open(log, testing::newSigningKey(), "replica-a", std::move(policy));
      ASSERT_TRUE(writer.ok()) << writer.error().describe();
      for (int i = 0; i < 3; ++i) {
        Decision decision;
        decision.version = "v1";
        decision.kind = "Pod";
        decision.name = "pod-" + std::to_string(i);
        ASSERT_TRUE((*writer)->append(decision).ok());
      }
      ASSERT_TRUE(eventually([&] { return publisher.stats().published == 1; }));
    }  // closing the writer checkpoints record 3
  }    // the publisher sends it before it stops
  const std::string text = readFile(published);
  const std::string last = readFile(log + ".checkpoint");
  EXPECT_EQ(text.substr(text.size() - last.size() - 1), last + "\n");
  Result<Checkpoint> first = parseCheckpointNote(text.substr(0, text.find("\n\n", text.find("\n\n") + 2) + 1));
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_EQ(first->size, 2u);
  EXPECT_EQ(parseCheckpointNote(last)->size, 3u);
}

}  // namespace
}  // namespace agentguard::decision

#include "common/decision/decision_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <vector>

#include "tests/common/decision/decision_log_fixture.h"
#include "tests/common/decision/test_keys.h"
#include "tests/support/scratch_dir.h"

namespace agentguard::decision {
namespace {

// What a sink saw, kept by the test after the log (and the sink with it) is gone.
struct SinkState {
  std::mutex mutex;
  bool failing = false;
  std::vector<std::uint64_t> sizes;
};

class StateSink final : public CheckpointSink {
 public:
  explicit StateSink(std::shared_ptr<SinkState> state) : state_(std::move(state)) {}
  std::string describe() const override { return "state sink"; }
  Status publish(const Checkpoint& checkpoint, std::string_view) override {
    std::lock_guard lock(state_->mutex);
    if (state_->failing) return makeError(ErrorCode::kUnavailable, "sink down");
    state_->sizes.push_back(checkpoint.size);
    return okStatus();
  }

 private:
  std::shared_ptr<SinkState> state_;
};

using testing::podDecision;

class DecisionLogTest : public ::testing::Test {
 protected:

  DecisionLogOptions options(std::shared_ptr<SinkState> state = nullptr) {
    DecisionLogOptions out;
    out.file = (dir_ / "decisions.dsse.jsonl").string();
    out.origin = "replica-a";
    if (state) out.checkpointSinks.push_back(std::make_unique<StateSink>(std::move(state)));
    return out;
  }
  size_t lines() {
    std::ifstream in(dir_ / "decisions.dsse.jsonl");
    size_t count = 0;
    for (std::string line; std::getline(in, line);) ++count;
    return count;
  }

  agentguard::testing::ScratchDir dir_{"decision-log"};
  std::ostringstream logs_;
  log::Logger logger_{logs_, log::Level::kInfo, "test"};
};

TEST_F(DecisionLogTest, RecordsThroughItsQueueAndPublishesTheLastCheckpointOnClose) {
  auto state = std::make_shared<SinkState>();
  {
    auto log = DecisionLog::open(testing::newSigningKey(), options(state), logger_);
    ASSERT_TRUE(log.ok()) << log.error().describe();
    ASSERT_NE((*log)->publisher(), nullptr);
    for (const char* name : {"a", "b", "c"}) ASSERT_TRUE((*log)->queue().record(podDecision(name)).ok());
    EXPECT_EQ((*log)->nextSeq(), 3u);
  }
  EXPECT_EQ(lines(), 3u);
  std::lock_guard lock(state->mutex);
  ASSERT_FALSE(state->sizes.empty()) << "the checkpoint written on close reached the sink";
  EXPECT_EQ(state->sizes.back(), 3u);
}

TEST_F(DecisionLogTest, ACheckpointASinkRefusesIsLoggedAsAWarning) {
  auto state = std::make_shared<SinkState>();
  state->failing = true;
  {
    auto log = DecisionLog::open(testing::newSigningKey(), options(state), logger_);
    ASSERT_TRUE(log.ok()) << log.error().describe();
    ASSERT_TRUE((*log)->queue().record(podDecision("a")).ok());
  }
  EXPECT_NE(logs_.str().find("Failed to publish a decision log checkpoint"), std::string::npos) << logs_.str();
  EXPECT_NE(logs_.str().find("sink down"), std::string::npos) << logs_.str();
  EXPECT_NE(logs_.str().find("state sink"), std::string::npos) << logs_.str();
}

TEST_F(DecisionLogTest, WithoutSinksTheCheckpointsStayBesideTheFile) {
  {
    auto log = DecisionLog::open(testing::newSigningKey(), options(), logger_);
    ASSERT_TRUE(log.ok()) << log.error().describe();
    EXPECT_EQ((*log)->publisher(), nullptr);
    ASSERT_TRUE((*log)->queue().record(podDecision("a")).ok());
  }
  EXPECT_TRUE(std::filesystem::exists(dir_ / "decisions.dsse.jsonl.checkpoint"));
}

TEST_F(DecisionLogTest, AFileThatCannotBeOpenedIsAnErrorNamingIt) {
  DecisionLogOptions unopenable = options();
  unopenable.file = (dir_ / "missing-dir" / "decisions.dsse.jsonl").string();
  auto log = DecisionLog::open(testing::newSigningKey(), std::move(unopenable), logger_);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().describe().find("missing-dir"), std::string::npos) << log.error().describe();
}

}  // namespace
}  // namespace agentguard::decision

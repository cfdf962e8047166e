#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "common/decision/checkpoint.h"
#include "common/decision/decision_log_verifier.h"
#include "common/decision/decision_log_writer.h"
#include "common/decision/merkle_tree.h"
#include "common/time/manual_clock.h"
#include "tests/common/decision/decision_log_fixture.h"

namespace agentguard::decision {
namespace {

using testing::podDecision;

class DecisionLogCheckpointTest : public testing::DecisionLogFixture {
 protected:
  void write(const std::string& file, int first, int count) const {
    std::unique_ptr<DecisionLogWriter> writer = open(file);
    for (int i = first; i < first + count; ++i) ASSERT_TRUE(writer->append(podDecision("pod-" + std::to_string(i))).ok());
  }
  // The checkpoint beside `file`, its signature checked with the trust key.
  Result<Checkpoint> checkpointOf(const std::string& file) const {
    std::ifstream in(file + ".checkpoint", std::ios::binary);
    std::ostringstream note;
    note << in.rdbuf();
    return openCheckpoint(note.str(), trust());
  }
  static std::vector<std::string> lines(const std::string& file) {
    std::ifstream in(file);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  static std::string joined(const std::vector<std::string>& records) {
    std::string text;
    for (const std::string& record : records) text += record + "\n";
    return text;
  }
};

TEST_F(DecisionLogCheckpointTest, WriterCheckpointsEveryNRecordsAndOnClose) {
  std::unique_ptr<DecisionLogWriter> writer = open(path(), CheckpointPolicy{.everyRecords = 2});
  ASSERT_TRUE(writer->append(podDecision("pod-0")).ok());
  EXPECT_FALSE(std::filesystem::exists(path() + ".checkpoint"));
  ASSERT_TRUE(writer->append(podDecision("pod-1")).ok());
  ASSERT_TRUE(writer->append(podDecision("pod-2")).ok());
  Result<Checkpoint> afterTwo = checkpointOf(path());
  ASSERT_TRUE(afterTwo.ok()) << afterTwo.error().describe();
  EXPECT_EQ(afterTwo->size, 2u);
  EXPECT_EQ(afterTwo->origin, "replica-a");
  writer.reset();
  Result<Checkpoint> onClose = checkpointOf(path());
  ASSERT_TRUE(onClose.ok()) << onClose.error().describe();
  EXPECT_EQ(onClose->size, 3u);
  std::vector<std::string> leaves;
  for (const std::string& line : lines(path())) leaves.push_back(merkleLeafHash(line));
  EXPECT_EQ(onClose->rootHash, merkleRoot(leaves));
  EXPECT_FALSE(std::filesystem::exists(path() + ".checkpoint.tmp"));
}

TEST_F(DecisionLogCheckpointTest, WriterCheckpointsAtTheFirstRecordAfterTheInterval) {
  time::ManualClock clock;
  CheckpointPolicy policy{.everyRecords = 1000, .every = std::chrono::seconds(10), .clock = &clock};
  std::unique_ptr<DecisionLogWriter> writer = open(path(), policy);
  ASSERT_TRUE(writer->append(podDecision("pod-0")).ok());
  clock.advance(std::chrono::seconds(9));
  ASSERT_TRUE(writer->append(podDecision("pod-1")).ok());
  EXPECT_FALSE(std::filesystem::exists(path() + ".checkpoint"));
  clock.advance(std::chrono::seconds(1));
  ASSERT_TRUE(writer->append(podDecision("pod-2")).ok());
  Result<Checkpoint> checkpoint = checkpointOf(path());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().describe();
  EXPECT_EQ(checkpoint->size, 3u);
}

TEST_F(DecisionLogCheckpointTest, AFailedCheckpointIsRetriedAtTheNextRecordAndTheRecordStands) {
  std::unique_ptr<DecisionLogWriter> writer = open(path(), CheckpointPolicy{.everyRecords = 2});
  std::filesystem::create_directories(path() + ".checkpoint.tmp");  // the checkpoint cannot be written
  ASSERT_TRUE(writer->append(podDecision("pod-0")).ok());
  ASSERT_TRUE(writer->append(podDecision("pod-1")).ok());
  EXPECT_FALSE(std::filesystem::exists(path() + ".checkpoint"));
  EXPECT_FALSE(writer->writeCheckpoint().ok());
  std::filesystem::remove(path() + ".checkpoint.tmp");
  ASSERT_TRUE(writer->append(podDecision("pod-2")).ok());  // one record later, not two
  Result<Checkpoint> checkpoint = checkpointOf(path());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().describe();
  EXPECT_EQ(checkpoint->size, 3u);
}

// Appends from several threads: every checkpoint written matches the file, the last one covers it all.
TEST_F(DecisionLogCheckpointTest, ConcurrentAppendsKeepTheTreeAndTheFileInStep) {
  {
    std::unique_ptr<DecisionLogWriter> writer = open(path(), CheckpointPolicy{.everyRecords = 3});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&writer, t] {
        for (int i = 0; i < 25; ++i) EXPECT_TRUE(writer->append(podDecision("pod-" + std::to_string(t * 100 + i))).ok());
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  Result<Checkpoint> checkpoint = checkpointOf(path());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().describe();
  EXPECT_EQ(checkpoint->size, 100u);
  std::ifstream log(path(), std::ios::binary);
  EXPECT_EQ(checkLogAgainstCheckpoint(log, *checkpoint), "");
  std::ifstream again(path(), std::ios::binary);
  EXPECT_TRUE(verifyDecisionLog(again, trust()).ok);
}

TEST_F(DecisionLogCheckpointTest, ReopenedWriterExtendsTheTree) {
  write(path(), 0, 3);
  write(path(), 3, 2);
  Result<Checkpoint> checkpoint = checkpointOf(path());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().describe();
  EXPECT_EQ(checkpoint->size, 5u);
  std::ifstream log(path(), std::ios::binary);
  EXPECT_EQ(checkLogAgainstCheckpoint(log, *checkpoint), "");
}

// Each way of tampering with a checkpointed log is detected by the root comparison, even the ones the
// hash chain alone misses (a tail cut at a line boundary, a rewrite by the key holder).
TEST_F(DecisionLogCheckpointTest, TamperingBelowTheCheckpointIsDetected) {
  write(path(), 0, 4);
  write(path("rewritten.dsse.jsonl"), 100, 4);
  const std::vector<std::string> records = lines(path());
  const std::vector<std::string> rewrite = lines(path("rewritten.dsse.jsonl"));
  Result<Checkpoint> checkpoint = checkpointOf(path());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().describe();
  ASSERT_EQ(checkpoint->size, 4u);

  std::vector<std::string> edited = records;
  edited[2][edited[2].find("\"payload\":\"") + 20] ^= 0x01;
  std::vector<std::string> dropped = records;
  dropped.erase(dropped.begin() + 1);
  std::vector<std::string> swapped = records;
  std::swap(swapped[1], swapped[2]);
  const std::vector<std::string> truncated(records.begin(), records.begin() + 2);
  std::string tornTail = joined(records);
  tornTail.resize(tornTail.size() - 10);

  const struct {
    const char* name;
    std::string text;
    const char* problem;
  } kCases[] = {
      {"edit a byte", joined(edited), "edited"},
      {"drop a line", joined(dropped), "records 3..3 are missing"},
      {"swap two lines", joined(swapped), "reordered"},
      {"truncate below the checkpoint", joined(truncated), "records 2..3 are missing"},
      {"truncate mid-record", tornTail, "records 3..3 are missing"},
      {"rewritten by the key holder", joined(rewrite), "do not hash to the checkpoint's root"},
  };
  for (const auto& c : kCases) {
    std::istringstream log(c.text);
    const std::string problem = checkLogAgainstCheckpoint(log, *checkpoint);
    EXPECT_NE(problem.find(c.problem), std::string::npos) << c.name << ": " << problem;
  }
  // The chain alone accepts the cut tail and the rewrite; only the checkpoint catches them.
  for (const std::vector<std::string>* accepted : {&truncated, &rewrite}) {
    std::istringstream log(joined(*accepted));
    EXPECT_TRUE(verifyDecisionLog(log, trust()).ok);
  }
  // Records appended after the checkpoint do not disturb it.
  std::istringstream grown(joined(records) + rewrite[0] + "\n");
  EXPECT_EQ(checkLogAgainstCheckpoint(grown, *checkpoint), "");
}

TEST_F(DecisionLogCheckpointTest, WriterRefusesALogItsCheckpointShowsWasCutOrRewritten) {
  write(path(), 0, 4);
  write(path("rewritten.dsse.jsonl"), 100, 4);
  const std::vector<std::string> records = lines(path());
  const std::string checkpointNote = [&] {
    std::ifstream in(path() + ".checkpoint");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }();

  std::ofstream(path(), std::ios::trunc) << joined({records[0], records[1]});
  Result<std::unique_ptr<DecisionLogWriter>> cut = DecisionLogWriter::open(path(), key(), "replica-a");
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.error().message.find("holds 2 records but its checkpoint covers 4"), std::string::npos)
      << cut.error().message;

  std::ofstream(path(), std::ios::trunc) << joined(lines(path("rewritten.dsse.jsonl")));
  std::ofstream(path() + ".checkpoint", std::ios::trunc) << checkpointNote;
  Result<std::unique_ptr<DecisionLogWriter>> rewritten = DecisionLogWriter::open(path(), key(), "replica-a");
  ASSERT_FALSE(rewritten.ok());
  EXPECT_NE(rewritten.error().message.find("no longer match its checkpoint's root"), std::string::npos)
      << rewritten.error().message;
}

TEST_F(DecisionLogCheckpointTest, WriterRefusesAnOriginThatCannotNameTheCheckpointKey) {
  Result<std::unique_ptr<DecisionLogWriter>> writer = DecisionLogWriter::open(path(), key(), "replica a");
  ASSERT_FALSE(writer.ok());
  EXPECT_NE(writer.error().message.find("without spaces or '+'"), std::string::npos);
}

}  // namespace
}  // namespace agentguard::decision

#include "cli/log_command.h"

#include <gtest/gtest.h>

#include "common/decision/decision_log_writer.h"
#include "tests/cli/cli_fixture.h"
#include "tests/common/decision/test_keys.h"

namespace agentguard::cli {
namespace {

using testing::runAgentguard;
using testing::ScratchDir;

void writeRecords(const std::string& path, const std::string& pem, int count) {
  auto writer = decision::DecisionLogWriter::open(path, std::move(decision::SigningKey::fromPem(pem)).value(), "replica-a");
  ASSERT_TRUE(writer.ok()) << writer.error().describe();
  for (int i = 0; i < count; ++i) {
    decision::Decision record;
    record.version = "v1";
    record.kind = "Pod";
    record.name = "pod-" + std::to_string(i);
    ASSERT_TRUE((*writer)->append(record).ok());
  }
}

std::string publicPem(const std::string& pem) { return decision::SigningKey::fromPem(pem)->publicKeyPem(); }

TEST(LogCommandTest, VerifiesAWholeLogWithRotatedKeys) {
  ScratchDir dir;
  const std::string oldPem = decision::testing::newEd25519Pem();
  const std::string newPem = decision::testing::newEd25519Pem();
  const std::string log = (dir.path() / "decisions.dsse.jsonl").string();
  writeRecords(log, oldPem, 2);
  writeRecords(log, newPem, 1);
  const auto trust = dir.write("trust.pem", publicPem(oldPem) + publicPem(newPem));
  const auto result = runAgentguard({"log", "verify", "--log", log, "--trust=" + trust.string()});
  EXPECT_EQ(result.exitCode, kExitLogVerified) << result.err;
  EXPECT_NE(result.out.find("3 records from origin \"replica-a\" verified"), std::string::npos) << result.out;
}

TEST(LogCommandTest, NamesTheFirstBadLine) {
  ScratchDir dir;
  const std::string pem = decision::testing::newEd25519Pem();
  const std::string log = (dir.path() / "decisions.dsse.jsonl").string();
  writeRecords(log, pem, 3);
  std::ifstream in(log);
  std::string first, second, third;
  std::getline(in, first);
  std::getline(in, second);
  std::getline(in, third);
  dir.write("decisions.dsse.jsonl", first + "\n" + third + "\n" + second + "\n");
  const auto trust = dir.write("trust.pem", publicPem(pem));
  const auto result = runAgentguard({"log", "verify", "--log", log, "--trust", trust.string()});
  EXPECT_EQ(result.exitCode, kExitLogBroken);
  EXPECT_NE(result.err.find(log + ":2: seq 2 where 1 was expected"), std::string::npos) << result.err;
}

TEST(LogCommandTest, UsageAndUnreadableInputAreExitTwo) {
  ScratchDir dir;
  const auto notAKey = dir.write("trust.pem", "not a key\n");
  const auto log = dir.write("log.dsse.jsonl", "");
  EXPECT_EQ(runAgentguard({"log"}).exitCode, kExitLogUsage);
  EXPECT_EQ(runAgentguard({"log", "verify", "--log", log.string()}).exitCode, kExitLogUsage);
  EXPECT_EQ(runAgentguard({"log", "verify", "--log", log.string(), "--trust", "/nonexistent"}).exitCode, kExitLogUsage);
  const auto badTrust = runAgentguard({"log", "verify", "--log", log.string(), "--trust", notAKey.string()});
  EXPECT_EQ(badTrust.exitCode, kExitLogUsage);
  EXPECT_NE(badTrust.err.find("no \"-----BEGIN PUBLIC KEY-----\" block"), std::string::npos) << badTrust.err;
}

}  // namespace
}  // namespace agentguard::cli

#include "cli/log_command.h"

#include <gtest/gtest.h>

#include "common/decision/checkpoint.h"
#include "common/decision/decision_log_writer.h"
#include "common/decision/digest.h"
#include "common/decision/merkle_tree.h"
#include "common/encoding/base64.h"
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
  const auto twice = runAgentguard({"log", "verify", "--log", log.string(), "--log", log.string(), "--trust", "t"});
  EXPECT_EQ(twice.exitCode, kExitLogUsage);
  EXPECT_NE(twice.err.find("--log given twice"), std::string::npos) << twice.err;
  const auto badTrust = runAgentguard({"log", "verify", "--log", log.string(), "--trust", notAKey.string()});
  EXPECT_EQ(badTrust.exitCode, kExitLogUsage);
  EXPECT_NE(badTrust.err.find("no \"-----BEGIN PUBLIC KEY-----\" block"), std::string::npos) << badTrust.err;
}

std::vector<std::string> linesOf(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(LogCommandTest, VerifiesTheLogAgainstItsCheckpoint) {
  ScratchDir dir;
  const std::string pem = decision::testing::newEd25519Pem();
  const std::string log = (dir.path() / "decisions.dsse.jsonl").string();
  writeRecords(log, pem, 3);
  const auto trust = dir.write("trust.pem", publicPem(pem));
  const auto result =
      runAgentguard({"log", "verify", "--log", log, "--trust", trust.string(), "--checkpoint", log + ".checkpoint"});
  EXPECT_EQ(result.exitCode, kExitLogVerified) << result.err;
  EXPECT_NE(result.out.find("Merkle root of the first 3 against the checkpoint"), std::string::npos) << result.out;
}

TEST(LogCommandTest, VerifiesAnEcdsaP256LogAndItsCheckpointAndNamesAnEdit) {
  ScratchDir dir;
  const std::string pem = decision::testing::newEcdsaP256Pem();
  const std::string log = (dir.path() / "decisions.dsse.jsonl").string();
  writeRecords(log, pem, 3);
  const auto trust = dir.write("trust.pem", publicPem(pem));
  const auto result =
      runAgentguard({"log", "verify", "--log", log, "--trust", trust.string(), "--checkpoint", log + ".checkpoint"});
  EXPECT_EQ(result.exitCode, kExitLogVerified) << result.err;
  EXPECT_NE(result.out.find("Merkle root of the first 3 against the checkpoint"), std::string::npos) << result.out;
  std::vector<std::string> records = linesOf(log);
  records[2][records[2].find("\"payload\":\"") + 20] ^= 0x01;
  dir.write("decisions.dsse.jsonl", records[0] + "\n" + records[1] + "\n" + records[2] + "\n");
  const auto edited = runAgentguard({"log", "verify", "--log", log, "--trust", trust.string()});
  EXPECT_EQ(edited.exitCode, kExitLogBroken);
  EXPECT_NE(edited.err.find(log + ":3:"), std::string::npos) << edited.err;
}

// A tail cut at a line boundary passes the chain; the checkpoint names it.
TEST(LogCommandTest, NamesATruncationBelowTheCheckpoint) {
  ScratchDir dir;
  const std::string pem = decision::testing::newEd25519Pem();
  const std::string log = (dir.path() / "decisions.dsse.jsonl").string();
  writeRecords(log, pem, 4);
  const std::vector<std::string> records = linesOf(log);
  dir.write("decisions.dsse.jsonl", records[0] + "\n" + records[1] + "\n");
  const auto trust = dir.write("trust.pem", publicPem(pem));
  EXPECT_EQ(runAgentguard({"log", "verify", "--log", log, "--trust", trust.string()}).exitCode, kExitLogVerified);
  const auto result =
      runAgentguard({"log", "verify", "--log", log, "--trust", trust.string(), "--checkpoint", log + ".checkpoint"});
  EXPECT_EQ(result.exitCode, kExitLogBroken);
  EXPECT_NE(result.err.find("checkpoint " + log + ".checkpoint: the log holds 2 complete records but the checkpoint "
                            "covers 4: records 2..3 are missing"),
            std::string::npos)
      << result.err;
}

TEST(LogCommandTest, RefusesACheckpointSignedByAnotherKey) {
  ScratchDir dir;
  const std::string pem = decision::testing::newEd25519Pem();
  const std::string log = (dir.path() / "decisions.dsse.jsonl").string();
  writeRecords(log, pem, 2);
  std::vector<std::string> leaves;
  for (const std::string& line : linesOf(log)) leaves.push_back(decision::merkleLeafHash(line));
  const decision::SigningKey other = decision::testing::newSigningKey();
  const auto forged = dir.write("forged.checkpoint",
                                *decision::signCheckpoint({"replica-a", 2, decision::merkleRoot(leaves)}, other));
  const auto trust = dir.write("trust.pem", publicPem(pem));
  const auto result =
      runAgentguard({"log", "verify", "--log", log, "--trust", trust.string(), "--checkpoint", forged.string()});
  EXPECT_EQ(result.exitCode, kExitLogBroken);
  EXPECT_NE(result.err.find("carries no signature by a key in the trust file"), std::string::npos) << result.err;
  const auto missing =
      runAgentguard({"log", "verify", "--log", log, "--trust", trust.string(), "--checkpoint", "/nonexistent"});
  EXPECT_EQ(missing.exitCode, kExitLogUsage);
}

// The printed c2sp.org/tlog-proof@v1 text is taken apart here and checked: the checkpoint's signature,
// then the audit path from the record's line to the checkpoint's root.
TEST(LogCommandTest, ProvePrintsAnInclusionProofThatVerifies) {
  ScratchDir dir;
  const std::string pem = decision::testing::newEd25519Pem();
  const std::string log = (dir.path() / "decisions.dsse.jsonl").string();
  writeRecords(log, pem, 5);
  const std::vector<std::string> records = linesOf(log);
  const auto keys = std::move(decision::TrustedKeys::fromPem(publicPem(pem))).value();
  for (std::uint64_t seq = 0; seq < records.size(); ++seq) {
    const auto result = runAgentguard({"log", "prove", "--log", log, "--seq", std::to_string(seq)});
    ASSERT_EQ(result.exitCode, kExitLogVerified) << result.err;
    std::istringstream proof(result.out);
    std::string line;
    std::getline(proof, line);
    EXPECT_EQ(line, "c2sp.org/tlog-proof@v1");
    std::getline(proof, line);
    EXPECT_EQ(line, "index " + std::to_string(seq));
    std::vector<std::string> path;
    while (std::getline(proof, line) && !line.empty()) path.push_back(*encoding::decodeBase64(line, encoding::kStrictBase64));
    const std::string note = result.out.substr(static_cast<size_t>(proof.tellg()));
    EXPECT_EQ(note, readText(log + ".checkpoint"));
    Result<decision::Checkpoint> checkpoint = decision::openCheckpoint(note, keys);
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().describe();
    EXPECT_TRUE(decision::verifyMerkleInclusion(seq, checkpoint->size, decision::merkleLeafHash(records[seq]), path,
                                                checkpoint->rootHash))
        << "seq " << seq;
    EXPECT_FALSE(decision::verifyMerkleInclusion(seq, checkpoint->size, decision::merkleLeafHash(records[(seq + 1) % 5]),
                                                 path, checkpoint->rootHash));
  }
  const auto beyond = runAgentguard({"log", "prove", "--log", log, "--seq", "5"});
  EXPECT_EQ(beyond.exitCode, kExitLogBroken);
  EXPECT_NE(beyond.err.find("record 5 is not covered"), std::string::npos) << beyond.err;
  dir.write("decisions.dsse.jsonl", records[0] + "\n");
  const auto cut = runAgentguard({"log", "prove", "--log", log, "--seq", "0"});
  EXPECT_EQ(cut.exitCode, kExitLogBroken);
  EXPECT_NE(cut.err.find("does not match"), std::string::npos) << cut.err;
  EXPECT_EQ(runAgentguard({"log", "prove", "--log", log, "--seq", "x"}).exitCode, kExitLogUsage);
  EXPECT_EQ(runAgentguard({"log", "prove", "--log", log}).exitCode, kExitLogUsage);
}

}  // namespace
}  // namespace agentguard::cli

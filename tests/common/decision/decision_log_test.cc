#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/decision/checkpoint.h"
#include "common/decision/decision_log_verifier.h"
#include "common/decision/decision_log_writer.h"
#include "common/decision/digest.h"
#include "tests/common/decision/test_keys.h"

namespace agentguard::decision {
namespace {

Decision podDecision(int index) {
  Decision decision;
  decision.verifierId = "https://agentguard.io/webhook";
  decision.timeVerified = "2026-12-07T03:00:00Z";
  decision.version = "v1";
  decision.kind = "Pod";
  decision.namespace_ = "agents";
  decision.name = "pod-" + std::to_string(index);
  decision.object = {{"kind", "Pod"}, {"metadata", {{"name", decision.name}}}};
  decision.uid = "uid-" + std::to_string(index);
  decision.operation = "CREATE";
  decision.action = "allow";
  decision.mode = "enforce";
  return decision;
}

class DecisionLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("decision-log-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const char* name = "decisions.dsse.jsonl") const { return (dir_ / name).string(); }

  // Writes `count` records with `pem`'s key as `origin`; returns the digests the writer answered.
  std::vector<std::string> write(const std::string& file, const std::string& pem, const std::string& origin, int count) {
    Result<std::unique_ptr<DecisionLogWriter>> writer =
        DecisionLogWriter::open(file, std::move(SigningKey::fromPem(pem)).value(), origin);
    EXPECT_TRUE(writer.ok()) << writer.error().describe();
    std::vector<std::string> digests;
    for (int i = 0; i < count; ++i) digests.push_back(*(*writer)->append(podDecision(i)));
    return digests;
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
  LogVerification verify(const std::string& text, const std::string& trustPem) const {
    std::istringstream in(text);
    return verifyDecisionLog(in, std::move(TrustedKeys::fromPem(trustPem)).value());
  }
  static std::string publicPem(const std::string& pem) { return SigningKey::fromPem(pem)->publicKeyPem(); }

  std::filesystem::path dir_;
};

TEST_F(DecisionLogTest, WrittenLogVerifiesAndDigestsNameTheLines) {
  const std::string pem = testing::newEd25519Pem();
  const std::vector<std::string> digests = write(path(), pem, "replica-a", 3);
  const std::vector<std::string> records = lines(path());
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(digests[1], "sha256:" + sha256Hex(records[1]));
  const LogVerification result = verify(joined(records), publicPem(pem));
  EXPECT_TRUE(result.ok) << result.badLine << ": " << result.problem;
  EXPECT_EQ(result.records, 3u);
  EXPECT_EQ(result.origin, "replica-a");
  EXPECT_EQ(std::filesystem::status(path()).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
}

// Tool-call records of agentguard-gate chain and verify like admission records, in the same file.
TEST_F(DecisionLogTest, ToolCallRecordsVerifyBesideAdmissionRecords) {
  const std::string pem = testing::newEd25519Pem();
  auto writer = DecisionLogWriter::open(path(), std::move(SigningKey::fromPem(pem)).value(), "gate-a");
  ASSERT_TRUE(writer.ok()) << writer.error().describe();
  Decision call;
  call.verifierId = "https://agentguard.io/gate";
  call.timeVerified = "2026-12-07T03:00:00Z";
  call.action = "allow";
  call.mode = "enforce";
  call.toolCall = ToolCall{"mail", "send_email", "tools/call", "agents", "analyst", "pod", "sa", "10.0.0.7", "", "",
                           sha256Hex("{}")};
  ASSERT_TRUE((*writer)->append(call).ok());
  ASSERT_TRUE((*writer)->append(podDecision(1)).ok());
  const LogVerification result = verify(joined(lines(path())), publicPem(pem));
  EXPECT_TRUE(result.ok) << result.badLine << ": " << result.problem;
  EXPECT_EQ(result.records, 2u);
}

TEST_F(DecisionLogTest, ReopenedWriterContinuesTheChain) {
  const std::string pem = testing::newEd25519Pem();
  write(path(), pem, "replica-a", 2);
  write(path(), pem, "replica-a", 2);
  const LogVerification result = verify(joined(lines(path())), publicPem(pem));
  EXPECT_TRUE(result.ok) << result.badLine << ": " << result.problem;
  EXPECT_EQ(result.records, 4u);
}

TEST_F(DecisionLogTest, WriterRefusesAnotherOriginsFileAndATornTail) {
  const std::string pem = testing::newEd25519Pem();
  write(path(), pem, "replica-a", 1);
  Result<std::unique_ptr<DecisionLogWriter>> other =
      DecisionLogWriter::open(path(), std::move(SigningKey::fromPem(pem)).value(), "replica-b");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("belongs to origin \"replica-a\""), std::string::npos);
  std::ofstream(path(), std::ios::app) << "{\"payload";
  Result<std::unique_ptr<DecisionLogWriter>> torn =
      DecisionLogWriter::open(path(), std::move(SigningKey::fromPem(pem)).value(), "replica-a");
  ASSERT_FALSE(torn.ok());
  EXPECT_NE(torn.error().message.find("ends mid-record"), std::string::npos);
}

TEST_F(DecisionLogTest, KeyRotationKeepsOldRecordsVerifiable) {
  const std::string oldPem = testing::newEd25519Pem();
  const std::string newPem = testing::newEd25519Pem();
  write(path(), oldPem, "replica-a", 2);
  write(path(), newPem, "replica-a", 2);
  const std::string text = joined(lines(path()));
  const LogVerification both = verify(text, publicPem(oldPem) + publicPem(newPem));
  EXPECT_TRUE(both.ok) << both.badLine << ": " << both.problem;
  const LogVerification onlyNew = verify(text, publicPem(newPem));
  EXPECT_FALSE(onlyNew.ok);
  EXPECT_EQ(onlyNew.badLine, 1u);
  EXPECT_NE(onlyNew.problem.find("does not list"), std::string::npos);
}

// Every way of tampering with a log is detected, and the first bad line is the one named.
TEST_F(DecisionLogTest, TamperingIsDetectedAtTheFirstBadLine) {
  const std::string pem = testing::newEd25519Pem();
  write(path(), pem, "replica-a", 4);
  write(path("other.dsse.jsonl"), pem, "replica-b", 4);
  const std::vector<std::string> records = lines(path());
  const std::vector<std::string> foreign = lines(path("other.dsse.jsonl"));
  const std::string trust = publicPem(pem);

  std::vector<std::string> edited = records;
  edited[2][edited[2].find("\"payload\":\"") + 20] ^= 0x01;  // one byte of the payload's base64
  std::vector<std::string> dropped = records;
  dropped.erase(dropped.begin() + 1);
  std::vector<std::string> swapped = records;
  std::swap(swapped[1], swapped[2]);
  std::vector<std::string> replayed = records;
  replayed.insert(replayed.begin() + 2, foreign[2]);
  std::vector<std::string> replayedHead = records;
  replayedHead[0] = foreign[0];
  std::vector<std::string> duplicated = records;
  duplicated.insert(duplicated.begin() + 2, records[1]);
  std::string truncated = joined(records);
  truncated.resize(truncated.size() - 10);
  std::vector<std::string> headCut(records.begin() + 1, records.end());

  const struct {
    const char* name;
    std::string text;
    std::uint64_t badLine;
  } kCases[] = {
      {"edit a byte", joined(edited), 3},  {"drop a line", joined(dropped), 2},
      {"swap two lines", joined(swapped), 2}, {"replay from another origin", joined(replayed), 3},
      {"another origin's head", joined(replayedHead), 2}, {"replay a line", joined(duplicated), 3},
      {"truncate mid-line", truncated, 4}, {"cut the head", joined(headCut), 1},
      {"empty", "", 1},
  };
  for (const auto& c : kCases) {
    const LogVerification result = verify(c.text, trust);
    EXPECT_FALSE(result.ok) << c.name;
    EXPECT_EQ(result.badLine, c.badLine) << c.name << ": " << result.problem;
    EXPECT_FALSE(result.problem.empty()) << c.name;
  }
}

// An ECDSA P-256 log verifies, its chain and tamper checks work the same, and its checkpoints verify.
TEST_F(DecisionLogTest, EcdsaP256LogVerifiesAndTamperingIsDetected) {
  const std::string pem = testing::newEcdsaP256Pem();
  const std::vector<std::string> digests = write(path(), pem, "replica-a", 3);
  std::vector<std::string> records = lines(path());
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(digests[1], "sha256:" + sha256Hex(records[1]));
  LogVerification verified = verify(joined(records), publicPem(pem));
  EXPECT_TRUE(verified.ok) << verified.problem;
  EXPECT_EQ(verified.records, 3u);
  std::swap(records[0], records[1]);
  EXPECT_FALSE(verify(joined(records), publicPem(pem)).ok);
  EXPECT_FALSE(verify(joined(lines(path())), publicPem(testing::newEcdsaP256Pem())).ok);

  std::ifstream in(path() + ".checkpoint", std::ios::binary);
  std::ostringstream note;
  note << in.rdbuf();
  Result<Checkpoint> checkpoint = openCheckpoint(note.str(), std::move(TrustedKeys::fromPem(publicPem(pem))).value());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().describe();
  EXPECT_EQ(checkpoint->size, 3u);
}

// Rotating from an Ed25519 key to an ECDSA one keeps one chain that verifies with both keys listed.
TEST_F(DecisionLogTest, RotationAcrossAlgorithmsKeepsTheChain) {
  const std::string ed25519 = testing::newEd25519Pem();
  const std::string ecdsa = testing::newEcdsaP256Pem();
  write(path(), ed25519, "replica-a", 2);
  write(path(), ecdsa, "replica-a", 2);
  LogVerification verified = verify(joined(lines(path())), publicPem(ed25519) + publicPem(ecdsa));
  EXPECT_TRUE(verified.ok) << verified.problem;
  EXPECT_EQ(verified.records, 4u);
}

// Interoperability: securesystemslib's DSSE verifier (PyPI) accepts the records and rejects an edit.
// The interpreter is $AGENTGUARD_INTEROP_PYTHON (scripts/test.sh makes one with securesystemslib from PyPI);
// when that names an interpreter, a missing package fails the test instead of skipping it.
class SecuresystemslibTest : public DecisionLogTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(SecuresystemslibTest, VerifiesTheRecords) {
  const char* fromEnv = std::getenv("AGENTGUARD_INTEROP_PYTHON");
  const std::string python = fromEnv != nullptr && *fromEnv != '\0' ? fromEnv : "python3";
  const std::string pem = GetParam() == "ed25519" ? testing::newEd25519Pem() : testing::newEcdsaP256Pem();
  write(path(), pem, "replica-a", 3);
  std::ofstream(path("trust.pem")) << publicPem(pem);
  const std::string script = std::string(AGENTGUARD_SOURCE_DIR) + "/tests/common/decision/sslib_verify.py";
  const auto run = [&](const std::string& log) {
    const int status = std::system((python + " " + script + " " + log + " " + path("trust.pem") + " >/dev/null 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  const int verified = run(path());
  if (verified == 77) {
    if (fromEnv != nullptr && *fromEnv != '\0') FAIL() << "securesystemslib is not installed for " << python;
    GTEST_SKIP() << "securesystemslib is not installed for " << python;
  }
  EXPECT_EQ(verified, 0);
  std::vector<std::string> records = lines(path());
  records[1][records[1].find("\"payload\":\"") + 20] ^= 0x01;
  std::ofstream(path("edited.dsse.jsonl")) << joined(records);
  EXPECT_EQ(run(path("edited.dsse.jsonl")), 1);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, SecuresystemslibTest, ::testing::Values("ed25519", "ecdsa_p256"));

}  // namespace
}  // namespace agentguard::decision

#include "common/decision/checkpoint.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/decision/digest.h"
#include "common/decision/merkle_tree.h"
#include "common/encoding/base64.h"
#include "tests/common/decision/test_keys.h"
#include "tests/support/scratch_dir.h"

namespace agentguard::decision {
namespace {

Checkpoint sampleCheckpoint() { return Checkpoint{"replica-a", 5, merkleLeafHash("root")}; }

TrustedKeys trustOnly(const SigningKey& key) { return std::move(TrustedKeys::fromPem(key.publicKeyPem())).value(); }

TEST(CheckpointTest, SignedNoteHasTheC2spLayoutAndOpensWithTheTrustKey) {
  const SigningKey key = testing::newSigningKey();
  const Checkpoint checkpoint = sampleCheckpoint();
  const std::string note = *signCheckpoint(checkpoint, key);
  const std::string body = "replica-a\n5\n" + encoding::encodeBase64(checkpoint.rootHash) + "\n";
  ASSERT_EQ(note.substr(0, body.size() + 1), body + "\n");
  const std::string signatureLine = note.substr(body.size() + 1);
  const std::string prefix = "\xE2\x80\x94 replica-a ";
  ASSERT_EQ(signatureLine.substr(0, prefix.size()), prefix);
  ASSERT_EQ(signatureLine.back(), '\n');
  const std::optional<std::string> signature =
      encoding::decodeBase64(signatureLine.substr(prefix.size(), signatureLine.size() - prefix.size() - 1), encoding::kStrictBase64);
  ASSERT_TRUE(signature.has_value());
  ASSERT_EQ(signature->size(), 4u + 64u);
  // Key hash per c2sp.org/signed-note, computed here from its definition.
  EXPECT_EQ(signature->substr(0, 4), sha256("replica-a\n\x01" + key.rawPublicKey()).substr(0, 4));
  EXPECT_TRUE(trustOnly(key).verify(key.keyId(), body, signature->substr(4)));

  Result<Checkpoint> opened = openCheckpoint(note, trustOnly(key));
  ASSERT_TRUE(opened.ok()) << opened.error().describe();
  EXPECT_EQ(opened->origin, "replica-a");
  EXPECT_EQ(opened->size, 5u);
  EXPECT_EQ(opened->rootHash, checkpoint.rootHash);
}

TEST(CheckpointTest, AnotherKeysCheckpointIsRefused) {
  const SigningKey key = testing::newSigningKey();
  const SigningKey other = testing::newSigningKey();
  Result<Checkpoint> opened = openCheckpoint(*signCheckpoint(sampleCheckpoint(), other), trustOnly(key));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kForbidden);
  EXPECT_NE(opened.error().message.find("no signature by a key in the trust file"), std::string::npos);
}

TEST(CheckpointTest, EditedCheckpointIsRefused) {
  const SigningKey key = testing::newSigningKey();
  std::string note = *signCheckpoint(sampleCheckpoint(), key);
  note.replace(note.find("\n5\n"), 3, "\n9\n");  // claim more records than were signed
  Result<Checkpoint> opened = openCheckpoint(note, trustOnly(key));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kForbidden);
  EXPECT_NE(opened.error().message.find("does not verify"), std::string::npos);
}

// A cosignature from another name (a witness) is left alone; the log's own signature decides.
TEST(CheckpointTest, OtherSignersLinesAreIgnored) {
  const SigningKey key = testing::newSigningKey();
  const SigningKey witness = testing::newSigningKey();
  const std::string note = *signCheckpoint(sampleCheckpoint(), key);
  const std::string witnessed = note + "\xE2\x80\x94 witness.example " + encoding::encodeBase64(std::string(68, 'w')) + "\n";
  EXPECT_TRUE(openCheckpoint(witnessed, trustOnly(key)).ok());
  const std::string onlyWitness = note.substr(0, note.find("\n\n") + 2) + "\xE2\x80\x94 witness.example " +
                                  encoding::encodeBase64(std::string(68, 'w')) + "\n";
  EXPECT_FALSE(openCheckpoint(onlyWitness, trustOnly(key)).ok());
}

TEST(CheckpointTest, MalformedNotesAreRefusedNamingThePart) {
  const SigningKey key = testing::newSigningKey();
  const std::string good = *signCheckpoint(sampleCheckpoint(), key);
  const std::string root = encoding::encodeBase64(sampleCheckpoint().rootHash);
  const std::string signature = good.substr(good.find("\n\n") + 1);
  const struct {
    const char* name;
    std::string note;
    const char* problem;
  } kCases[] = {
      {"no final newline", good.substr(0, good.size() - 1), "does not end with a newline"},
      {"no blank line", "replica-a\n5\n" + root + "\n", "no blank line"},
      {"extra body line", "replica-a\n5\n" + root + "\nextra\n" + signature, "body has 4 lines"},
      {"leading zero size", "replica-a\n05\n" + root + "\n" + signature, "without leading zeros"},
      {"negative size", "replica-a\n-5\n" + root + "\n" + signature, "not a decimal number"},
      {"short root", "replica-a\n5\n" + encoding::encodeBase64("short") + "\n" + signature, "root hash"},
      {"origin with a space", "replica a\n5\n" + root + "\n" + signature, "origin"},
      {"no signature", "replica-a\n5\n" + root + "\n\n", "no signature line"},
      {"hyphen for the em dash", "replica-a\n5\n" + root + "\n\n- replica-a AAAA\n", "does not start with"},
  };
  for (const auto& c : kCases) {
    Result<Checkpoint> opened = openCheckpoint(c.note, trustOnly(key));
    ASSERT_FALSE(opened.ok()) << c.name;
    EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument) << c.name;
    EXPECT_NE(opened.error().message.find(c.problem), std::string::npos) << c.name << ": " << opened.error().message;
  }
}

TEST(CheckpointTest, OriginsThatCannotNameAKeyAreRefusedWhenSigning) {
  const SigningKey key = testing::newSigningKey();
  for (const std::string origin : {"", "replica a", "replica+a", "replica\ta"}) {
    EXPECT_FALSE(isNoteKeyName(origin)) << origin;
    EXPECT_FALSE(signCheckpoint(Checkpoint{origin, 1, merkleLeafHash("x")}, key).ok()) << origin;
  }
  EXPECT_TRUE(isNoteKeyName("agentguard-webhook-7d9f-abcde"));
}

// The shell recipe of docs/decision-log.md ("Verify without agentguard") checks a checkpoint's signature
// with plain OpenSSL, and refuses an edited one.
TEST(CheckpointTest, OpensslVerifiesTheCheckpointSignatureAsDocumented) {
  if (std::system("openssl version >/dev/null 2>&1") != 0) GTEST_SKIP() << "openssl command not installed";
  const SigningKey key = testing::newSigningKey();
  const agentguard::testing::ScratchDir dir("checkpoint-openssl");
  std::ofstream(dir / "trust.pem") << key.publicKeyPem();
  const std::string note = *signCheckpoint(sampleCheckpoint(), key);
  const std::string recipe =
      "cd " + dir.path().string() +
      " && head -n 3 decisions.dsse.jsonl.checkpoint > body.txt"
      " && sed -n 5p decisions.dsse.jsonl.checkpoint | cut -d' ' -f3 | base64 -d | tail -c 64 > sig.bin"
      " && openssl pkeyutl -verify -pubin -inkey trust.pem -rawin -in body.txt -sigfile sig.bin >/dev/null 2>&1";
  std::ofstream(dir / "decisions.dsse.jsonl.checkpoint", std::ios::binary) << note;
  EXPECT_EQ(std::system(("bash -c \"" + recipe + "\"").c_str()), 0);
  std::string edited = note;
  edited.replace(edited.find("\n5\n"), 3, "\n4\n");
  std::ofstream(dir / "decisions.dsse.jsonl.checkpoint", std::ios::binary | std::ios::trunc) << edited;
  EXPECT_NE(std::system(("bash -c \"" + recipe + "\"").c_str()), 0);
}

}  // namespace
}  // namespace agentguard::decision

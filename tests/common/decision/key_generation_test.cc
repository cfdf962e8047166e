#include "common/decision/key_generation.h"
#include "tests/support/scratch_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace agentguard::decision {
namespace {

namespace fs = std::filesystem;

std::string contents(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class KeyGenerationTest : public ::testing::Test {
 protected:
  agentguard::testing::ScratchDir dir_{"keygen"};
};

TEST_F(KeyGenerationTest, NewKeysAreEd25519Pkcs8AndDiffer) {
  auto first = newEd25519PrivateKeyPem();
  auto second = newEd25519PrivateKeyPem();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->rfind("-----BEGIN PRIVATE KEY-----", 0), 0u) << *first;
  EXPECT_NE(*first, *second);
  auto key = SigningKey::fromPem(*first);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->algorithm(), KeyAlgorithm::kEd25519);
}

TEST_F(KeyGenerationTest, CreatesTheKeyOnceWithItsPublicHalfBesideItAndSignsVerifiably) {
  const std::string path = (dir_ / "gate.key.pem").string();
  auto created = signingKeyFromFileOrNew(path);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_TRUE(created->created);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u) << "the private key must be readable by its owner only";

  auto trusted = TrustedKeys::fromPemFile(path + ".pub");
  ASSERT_TRUE(trusted.ok()) << trusted.error().message;
  auto signature = created->key.sign("a decision");
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(trusted->verify(created->key.keyId(), "a decision", *signature));
  EXPECT_FALSE(trusted->verify(created->key.keyId(), "another decision", *signature));

  // A restart finds the same key and does not replace it.
  auto again = signingKeyFromFileOrNew(path);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->key.keyId(), created->key.keyId());
}

TEST_F(KeyGenerationTest, AnExistingKeyFileIsUsedAsItIsAndItsMissingPublicHalfWritten) {
  auto pem = newEd25519PrivateKeyPem();
  ASSERT_TRUE(pem.ok());
  const fs::path path = dir_ / "given.pem";
  std::ofstream(path) << *pem;
  auto loaded = signingKeyFromFileOrNew(path.string());
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->created);
  EXPECT_EQ(contents(path), *pem);
  EXPECT_EQ(contents(path.string() + ".pub"), loaded->key.publicKeyPem());
}

TEST_F(KeyGenerationTest, AFileThatIsNoKeyIsAnErrorNotReplaced) {
  const fs::path path = dir_ / "broken.pem";
  std::ofstream(path) << "not a key";
  auto loaded = signingKeyFromFileOrNew(path.string());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(contents(path), "not a key");
}

TEST_F(KeyGenerationTest, ADirectoryThatCannotBeWrittenIsAnError) {
  const std::string path = (dir_ / "missing-dir" / "key.pem").string();
  auto loaded = signingKeyFromFileOrNew(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(loaded.error().message.find("cannot be created"), std::string::npos) << loaded.error().message;
}

}  // namespace
}  // namespace agentguard::decision

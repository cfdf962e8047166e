#include "common/decision/dsse_envelope.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "common/decision/digest.h"
#include "common/encoding/base64.h"
#include "tests/common/decision/test_keys.h"
#include "tests/support/scratch_dir.h"

namespace agentguard::decision {
namespace {

// The example in the DSSE protocol specification.
TEST(DsseEnvelopeTest, PreAuthEncodingMatchesTheSpecification) {
  EXPECT_EQ(preAuthEncoding("http://example.com/HelloWorld", "hello world"),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  EXPECT_EQ(preAuthEncoding("", ""), "DSSEv1 0  0 ");
}

TEST(DsseEnvelopeTest, SignedEnvelopeVerifiesOnlyUnchangedAndWithItsKey) {
  std::string pem;
  const SigningKey key = testing::newSigningKey(&pem);
  Result<TrustedKeys> trusted = TrustedKeys::fromPem(key.publicKeyPem());
  ASSERT_TRUE(trusted.ok()) << trusted.error().describe();
  Result<Envelope> envelope = signEnvelope(key, kInTotoPayloadType, "{\"a\":1}");
  ASSERT_TRUE(envelope.ok());
  Result<Envelope> parsed = parseEnvelopeLine(envelopeLine(*envelope));
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_TRUE(verifyEnvelope(*trusted, *parsed));
  EXPECT_EQ(parsed->keyId.size(), 64u);

  Envelope otherType = *parsed;
  otherType.payloadType = "application/json";  // PAE binds the type
  EXPECT_FALSE(verifyEnvelope(*trusted, otherType));
  Envelope otherPayload = *parsed;
  otherPayload.payload = "{\"a\":2}";
  EXPECT_FALSE(verifyEnvelope(*trusted, otherPayload));
  Result<TrustedKeys> stranger = TrustedKeys::fromPem(testing::newSigningKey().publicKeyPem());
  ASSERT_TRUE(stranger.ok());
  EXPECT_FALSE(verifyEnvelope(*stranger, *parsed));
}

TEST(DsseEnvelopeTest, KeyIdIsTheSha256OfTheSubjectPublicKeyInfo) {
  const SigningKey key = testing::newSigningKey();
  // An Ed25519 SubjectPublicKeyInfo is a fixed 12-byte prefix and the 32-byte key, base64 in the PEM.
  std::string pem = key.publicKeyPem();
  const size_t begin = pem.find('\n') + 1;
  std::string base64 = pem.substr(begin, pem.find('\n', begin) - begin);
  const std::optional<std::string> der = encoding::decodeBase64(base64, encoding::kStrictBase64);
  ASSERT_TRUE(der.has_value());
  EXPECT_EQ(der->size(), 44u);
  EXPECT_EQ(key.keyId(), sha256Hex(*der));
}

TEST(DsseEnvelopeTest, MalformedKeysAndEmptyTrustFilesAreRefused) {
  EXPECT_FALSE(SigningKey::fromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").ok());
  EXPECT_FALSE(TrustedKeys::fromPem("").ok());
}

TEST(DsseEnvelopeTest, LineParserRefusesMalformedEnvelopes) {
  for (const char* line : {"", "[]", "{\"payloadType\":\"x\",\"payload\":\"e30=\"}",
                           "{\"payloadType\":\"x\",\"payload\":\"e30\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"AA==\"}]}",
                           "{\"payloadType\":\"x\",\"payload\":\"e30=\",\"signatures\":[]}"}) {
    EXPECT_FALSE(parseEnvelopeLine(line).ok()) << line;
  }
}

// Interoperability: plain OpenSSL verifies the signature over a PAE rebuilt outside agentguard.
TEST(DsseEnvelopeTest, OpensslPkeyutlVerifiesTheSignatureOverThePae) {
  if (std::system("openssl version >/dev/null 2>&1") != 0) GTEST_SKIP() << "openssl command not installed";
  const SigningKey key = testing::newSigningKey();
  Result<Envelope> envelope = signEnvelope(key, kInTotoPayloadType, "{\"_type\":\"https://in-toto.io/Statement/v1\"}");
  ASSERT_TRUE(envelope.ok());
  const agentguard::testing::ScratchDir dir("dsse-openssl");
  const auto write = [&](const char* name, const std::string& bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
  };
  write("pub.pem", key.publicKeyPem());
  write("sig.bin", envelope->signature);
  // The PAE as a shell would build it: "DSSEv1", lengths in decimal, single spaces.
  write("pae.bin", "DSSEv1 " + std::to_string(envelope->payloadType.size()) + " " + envelope->payloadType + " " +
                       std::to_string(envelope->payload.size()) + " " + envelope->payload);
  const std::string verify = "openssl pkeyutl -verify -pubin -inkey " + (dir / "pub.pem").string() + " -rawin -in " +
                             (dir / "pae.bin").string() + " -sigfile " + (dir / "sig.bin").string() + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(verify.c_str()), 0);
  write("pae.bin", "DSSEv1 0  0 ");
  EXPECT_NE(std::system(verify.c_str()), 0);
}

// ECDSA P-256: a DER signature over SHA-256 of the PAE, which `openssl dgst -sha256 -verify` checks; the
// keyid is the SHA-256 of the SubjectPublicKeyInfo as for Ed25519.
TEST(DsseEnvelopeTest, EcdsaP256EnvelopesVerifyWithOpensslAndAgentguard) {
  const std::string pem = testing::newEcdsaP256Pem();
  const SigningKey key = std::move(SigningKey::fromPem(pem)).value();
  EXPECT_EQ(key.algorithm(), KeyAlgorithm::kEcdsaP256);
  Result<Envelope> envelope = signEnvelope(key, kInTotoPayloadType, "{\"_type\":\"https://in-toto.io/Statement/v1\"}");
  ASSERT_TRUE(envelope.ok());
  EXPECT_EQ(static_cast<unsigned char>(envelope->signature[0]), 0x30);  // DER SEQUENCE
  EXPECT_LE(envelope->signature.size(), 72u);
  const TrustedKeys trust = std::move(TrustedKeys::fromPem(key.publicKeyPem())).value();
  EXPECT_EQ(trust.keyIds(), std::vector<std::string>{key.keyId()});
  EXPECT_TRUE(verifyEnvelope(trust, *envelope));
  Envelope edited = *envelope;
  edited.payload[3] ^= 0x01;
  EXPECT_FALSE(verifyEnvelope(trust, edited));

  if (std::system("openssl version >/dev/null 2>&1") != 0) GTEST_SKIP() << "openssl command not installed";
  const agentguard::testing::ScratchDir dir("dsse-ecdsa");
  const auto write = [&](const char* name, const std::string& bytes) { std::ofstream(dir / name, std::ios::binary) << bytes; };
  write("pub.pem", key.publicKeyPem());
  write("sig.bin", envelope->signature);
  write("pae.bin", "DSSEv1 " + std::to_string(envelope->payloadType.size()) + " " + envelope->payloadType + " " +
                       std::to_string(envelope->payload.size()) + " " + envelope->payload);
  const std::string verify = "openssl dgst -sha256 -verify " + (dir / "pub.pem").string() + " -signature " +
                             (dir / "sig.bin").string() + " " + (dir / "pae.bin").string() + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(verify.c_str()), 0);
  const std::string keyId = "openssl pkey -pubin -in " + (dir / "pub.pem").string() + " -outform DER | sha256sum > " +
                            (dir / "keyid.txt").string();
  ASSERT_EQ(std::system(keyId.c_str()), 0);
  std::ifstream keyIdText(dir / "keyid.txt");
  std::string hex;
  keyIdText >> hex;
  EXPECT_EQ(hex, key.keyId());
  write("pae.bin", "DSSEv1 0  0 ");
  EXPECT_NE(std::system(verify.c_str()), 0);
}

TEST(DsseEnvelopeTest, KeysOfOtherAlgorithmsAndCurvesAreRefusedByName) {
  EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, p384, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<size_t>(length));
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(pub, p384);
  const long publicLength = BIO_get_mem_data(pub, &data);
  const std::string publicPem(data, static_cast<size_t>(publicLength));
  BIO_free(bio);
  BIO_free(pub);
  EVP_PKEY_free(p384);
  Result<SigningKey> key = SigningKey::fromPem(pem);
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("Ed25519 or ECDSA P-256"), std::string::npos) << key.error().message;
  Result<TrustedKeys> trust = TrustedKeys::fromPem(publicPem);
  ASSERT_FALSE(trust.ok());
  EXPECT_NE(trust.error().message.find("neither Ed25519 nor ECDSA P-256"), std::string::npos) << trust.error().message;
}

}  // namespace
}  // namespace agentguard::decision

#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result/result.h"

struct evp_pkey_st;

namespace agentguard::decision {

struct KeyDeleter {
  void operator()(evp_pkey_st* key) const;
};
using KeyPtr = std::unique_ptr<evp_pkey_st, KeyDeleter>;

// The signature algorithms a decision log may use: Ed25519 (the default) and ECDSA over P-256 with
// SHA-256, for verifiers that need it (signatures DER-encoded, as DSSE and sigstore write them).
enum class KeyAlgorithm { kEd25519, kEcdsaP256 };

// The writer's private key, read from a PKCS#8 PEM file ("-----BEGIN PRIVATE KEY-----"): Ed25519, or
// ECDSA P-256 (`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`).
class SigningKey {
 public:
  static Result<SigningKey> fromPemFile(const std::string& path);
  static Result<SigningKey> fromPem(std::string_view pem);

  // The signature over `message` (one-shot EVP_DigestSign): raw 64 bytes for Ed25519 (no pre-hash),
  // DER ECDSA-Sig-Value over SHA-256(message) for ECDSA P-256.
  Result<std::string> sign(std::string_view message) const;
  KeyAlgorithm algorithm() const { return algorithm_; }
  // Hex SHA-256 of the public key's DER SubjectPublicKeyInfo.
  const std::string& keyId() const { return keyId_; }
  // The public key as a "-----BEGIN PUBLIC KEY-----" PEM block, for the trust file.
  std::string publicKeyPem() const;
  // The raw 32-byte Ed25519 public key (RFC 8032); empty for ECDSA.
  std::string rawPublicKey() const;
  // The key as a signed note's key hash covers it: the signature type byte and the key, 0x01 || raw
  // Ed25519 key, or 0x02 || DER SubjectPublicKeyInfo for ECDSA P-256.
  std::string noteKey() const;

 private:
  SigningKey(KeyPtr key, KeyAlgorithm algorithm, std::string keyId)
      : key_(std::move(key)), algorithm_(algorithm), keyId_(std::move(keyId)) {}
  KeyPtr key_;
  KeyAlgorithm algorithm_;
  std::string keyId_;
};

// The public keys a verifier trusts: every "PUBLIC KEY" PEM block of a trust file (old keys stay listed
// after a rotation so old records still verify). Ed25519 and ECDSA P-256 keys are accepted.
class TrustedKeys {
 public:
  static Result<TrustedKeys> fromPemFile(const std::string& path);
  static Result<TrustedKeys> fromPem(std::string_view pem);

  // True when a trusted key with this keyid made `signature` over `message`.
  bool verify(std::string_view keyId, std::string_view message, std::string_view signature) const;
  bool knows(std::string_view keyId) const;
  size_t size() const { return keys_.size(); }
  // The keyids of the trusted keys, in file order, and each one's note key (SigningKey::noteKey).
  std::vector<std::string> keyIds() const;
  std::string noteKey(std::string_view keyId) const;

 private:
  struct Entry {
    std::string keyId;
    KeyAlgorithm algorithm;
    std::shared_ptr<evp_pkey_st> key;
  };
  std::vector<Entry> keys_;
};

}  // namespace agentguard::decision

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

// The writer's Ed25519 private key, read from a PKCS#8 PEM file ("-----BEGIN PRIVATE KEY-----").
class SigningKey {
 public:
  static Result<SigningKey> fromPemFile(const std::string& path);
  static Result<SigningKey> fromPem(std::string_view pem);

  // The raw 64-byte Ed25519 signature over `message` (one-shot EVP_DigestSign, no pre-hash).
  Result<std::string> sign(std::string_view message) const;
  // Hex SHA-256 of the public key's DER SubjectPublicKeyInfo.
  const std::string& keyId() const { return keyId_; }
  // The public key as a "-----BEGIN PUBLIC KEY-----" PEM block, for the trust file.
  std::string publicKeyPem() const;
  // The raw 32-byte Ed25519 public key (RFC 8032), as signed notes identify keys.
  std::string rawPublicKey() const;

 private:
  SigningKey(KeyPtr key, std::string keyId) : key_(std::move(key)), keyId_(std::move(keyId)) {}
  KeyPtr key_;
  std::string keyId_;
};

// The public keys a verifier trusts: every "PUBLIC KEY" PEM block of a trust file (old keys stay listed
// after a rotation so old records still verify). Only Ed25519 keys are accepted.
class TrustedKeys {
 public:
  static Result<TrustedKeys> fromPemFile(const std::string& path);
  static Result<TrustedKeys> fromPem(std::string_view pem);

  // True when a trusted key with this keyid made `signature` over `message`.
  bool verify(std::string_view keyId, std::string_view message, std::string_view signature) const;
  bool knows(std::string_view keyId) const;
  size_t size() const { return keys_.size(); }
  // The keyids of the trusted keys, in file order, and each one's raw 32-byte Ed25519 public key.
  std::vector<std::string> keyIds() const;
  std::string rawPublicKey(std::string_view keyId) const;

 private:
  struct Entry {
    std::string keyId;
    std::shared_ptr<evp_pkey_st> key;
  };
  std::vector<Entry> keys_;
};

}  // namespace agentguard::decision

#include "common/decision/ed25519_keys.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <optional>

#include "common/decision/digest.h"
#include "common/file/file_contents.h"

namespace agentguard::decision {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

std::string subjectPublicKeyInfo(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key, &der);
  if (length <= 0) return "";
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

std::string keyIdOf(EVP_PKEY* key) { return sha256Hex(subjectPublicKeyInfo(key)); }

std::string rawPublicKeyOf(EVP_PKEY* key) {
  size_t length = 0;
  if (EVP_PKEY_get_raw_public_key(key, nullptr, &length) != 1) return "";
  std::string raw(length, '\0');
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &length) != 1) return "";
  raw.resize(length);
  return raw;
}

// Ed25519, or EC on P-256; nullopt for any other key.
std::optional<KeyAlgorithm> algorithmOf(EVP_PKEY* key) {
  if (EVP_PKEY_get_id(key) == EVP_PKEY_ED25519) return KeyAlgorithm::kEd25519;
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return std::nullopt;
  char group[64] = {};
  size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &length) != 1) {
    return std::nullopt;
  }
  if (std::string_view(group, length) != "prime256v1") return std::nullopt;
  return KeyAlgorithm::kEcdsaP256;
}

// The digest EVP_DigestSign/Verify take: none for Ed25519 (it hashes internally), SHA-256 for ECDSA.
const EVP_MD* digestFor(KeyAlgorithm algorithm) { return algorithm == KeyAlgorithm::kEd25519 ? nullptr : EVP_sha256(); }

std::string noteKeyOf(EVP_PKEY* key, KeyAlgorithm algorithm) {
  return algorithm == KeyAlgorithm::kEd25519 ? "\x01" + rawPublicKeyOf(key) : "\x02" + subjectPublicKeyInfo(key);
}

}  // namespace

void KeyDeleter::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

Result<SigningKey> SigningKey::fromPemFile(const std::string& path) {
  Result<std::string> pem = file::readFileContents(path, "decision signing key");
  if (!pem) return pem.error();
  Result<SigningKey> key = fromPem(*pem);
  if (!key) return makeError(ErrorCode::kInvalidArgument, path + ": " + key.error().message);
  return key;
}

Result<SigningKey> SigningKey::fromPem(std::string_view pem) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  const std::optional<KeyAlgorithm> algorithm = key ? algorithmOf(key.get()) : std::nullopt;
  if (!algorithm) {
    return makeError(ErrorCode::kInvalidArgument,
                     "not a PKCS#8 Ed25519 or ECDSA P-256 private key; create one with `openssl genpkey -algorithm "
                     "ed25519` (or `-algorithm EC -pkeyopt ec_paramgen_curve:P-256`)");
  }
  std::string keyId = keyIdOf(key.get());
  return SigningKey(std::move(key), *algorithm, std::move(keyId));
}

Result<std::string> SigningKey::sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, DigestContextDeleter> context(EVP_MD_CTX_new());
  size_t length = 0;
  if (!context || EVP_DigestSignInit(context.get(), nullptr, digestFor(algorithm_), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    return makeError(ErrorCode::kInternal, "signing could not start");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return makeError(ErrorCode::kInternal, "signing failed");
  }
  signature.resize(length);
  return signature;
}

std::string SigningKey::publicKeyPem() const {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), key_.get());
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

std::string SigningKey::rawPublicKey() const {
  return algorithm_ == KeyAlgorithm::kEd25519 ? rawPublicKeyOf(key_.get()) : "";
}

std::string SigningKey::noteKey() const { return noteKeyOf(key_.get(), algorithm_); }

Result<TrustedKeys> TrustedKeys::fromPemFile(const std::string& path) {
  Result<std::string> pem = file::readFileContents(path, "trust file");
  if (!pem) return pem.error();
  Result<TrustedKeys> keys = fromPem(*pem);
  if (!keys) return makeError(ErrorCode::kInvalidArgument, path + ": " + keys.error().message);
  return keys;
}

Result<TrustedKeys> TrustedKeys::fromPem(std::string_view pem) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  TrustedKeys trusted;
  while (true) {
    KeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    if (!key) break;
    const std::optional<KeyAlgorithm> algorithm = algorithmOf(key.get());
    if (!algorithm) {
      return makeError(ErrorCode::kInvalidArgument, "public key " + std::to_string(trusted.keys_.size() + 1) +
                                                        " is neither Ed25519 nor ECDSA P-256; list only the decision "
                                                        "log's keys");
    }
    std::string keyId = keyIdOf(key.get());
    trusted.keys_.push_back(
        Entry{std::move(keyId), *algorithm, std::shared_ptr<evp_pkey_st>(key.release(), KeyDeleter())});
  }
  if (trusted.keys_.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "holds no \"-----BEGIN PUBLIC KEY-----\" block; "
                                                  "export one with `openssl pkey -in key.pem -pubout`");
  }
  return trusted;
}

bool TrustedKeys::knows(std::string_view keyId) const {
  for (const Entry& entry : keys_) {
    if (entry.keyId == keyId) return true;
  }
  return false;
}

std::vector<std::string> TrustedKeys::keyIds() const {
  std::vector<std::string> ids;
  for (const Entry& entry : keys_) ids.push_back(entry.keyId);
  return ids;
}

std::string TrustedKeys::noteKey(std::string_view keyId) const {
  for (const Entry& entry : keys_) {
    if (entry.keyId == keyId) return noteKeyOf(entry.key.get(), entry.algorithm);
  }
  return "";
}

bool TrustedKeys::verify(std::string_view keyId, std::string_view message, std::string_view signature) const {
  for (const Entry& entry : keys_) {
    if (entry.keyId != keyId) continue;
    std::unique_ptr<EVP_MD_CTX, DigestContextDeleter> context(EVP_MD_CTX_new());
    if (context && EVP_DigestVerifyInit(context.get(), nullptr, digestFor(entry.algorithm), nullptr, entry.key.get()) == 1 &&
        EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                         reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1) {
      return true;
    }
  }
  return false;
}

}  // namespace agentguard::decision

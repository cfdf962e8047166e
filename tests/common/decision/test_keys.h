#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>

#include "common/decision/ed25519_keys.h"

namespace agentguard::decision::testing {

// A fresh Ed25519 private key as PKCS#8 PEM, as `openssl genpkey -algorithm ed25519` writes it.
inline std::string newEd25519Pem() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(length));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

// A fresh ECDSA P-256 key as PKCS#8 PEM.
inline std::string newEcdsaP256Pem() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(length));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

inline SigningKey newSigningKey(std::string* pem = nullptr) {
  std::string text = newEd25519Pem();
  if (pem != nullptr) *pem = text;
  return std::move(SigningKey::fromPem(text)).value();
}

}  // namespace agentguard::decision::testing

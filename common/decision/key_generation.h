#pragma once

#include <string>

#include "common/decision/ed25519_keys.h"
#include "common/result/result.h"

namespace agentguard::decision {

// A new Ed25519 private key as a PKCS#8 PEM block ("-----BEGIN PRIVATE KEY-----"), from OpenSSL's CSPRNG.
Result<std::string> newEd25519PrivateKeyPem();

// The signing key in `path`; when there is no file there, a new Ed25519 key written to it first (mode
// 0600, never replacing a file that appears meanwhile) with its public key beside it in `path`.pub
// (mode 0644), so a verifier can be given the trust file without the private key. For a writer that
// holds its own key, such as a gate Pod whose key never leaves its volume.
struct KeyFile {
  SigningKey key;
  bool created = false;
};
Result<KeyFile> signingKeyFromFileOrNew(const std::string& path);

}  // namespace agentguard::decision

#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// PEM blocks and base64 key blobs: which of them are private keys (credentials) and which are
// certificates or public keys (high-entropy text that is meant to be shared).
namespace agentguard::engine::credentials {

enum class KeyMaterial {
  kNone,        // not key material
  kPrivateKey,  // a private key: PRIVATE KEY, RSA/EC/DSA/OPENSSH/ENCRYPTED PRIVATE KEY, PGP PRIVATE KEY BLOCK
  kPublic,      // a certificate, public key, certificate request or SSH public key blob
};

// A PEM header "-----BEGIN <label>-----" starting at `pos`, or an empty label. `headerEnd` is set past
// the header.
std::string_view pemLabelAt(std::string_view text, size_t pos, size_t& headerEnd);

// What a PEM label names ("RSA PRIVATE KEY" -> kPrivateKey, "CERTIFICATE" -> kPublic).
KeyMaterial classifyPemLabel(std::string_view label);

// What a base64 token holds when it encodes a PEM block (LS0tLS1CRUdJTi... is "-----BEGIN") or an SSH
// public key blob (AAAAB3NzaC1yc2E... is the length-prefixed "ssh-rsa").
KeyMaterial classifyBase64KeyMaterial(std::string_view token);

}  // namespace agentguard::engine::credentials

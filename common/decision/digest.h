#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace agentguard::decision {

// The raw 32-byte SHA-256 of `bytes`.
std::string sha256(std::string_view bytes);
// Lower-case hex SHA-256 of `bytes`.
std::string sha256Hex(std::string_view bytes);

// Standard base64 with padding (RFC 4648 section 4), as DSSE envelopes carry payload and signatures.
std::string encodeBase64(std::string_view bytes);
// Strict inverse of encodeBase64: padded, no whitespace; nullopt otherwise.
std::optional<std::string> decodeBase64(std::string_view text);

}  // namespace agentguard::decision

#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

// Base64 (RFC 4648), the one implementation every module uses. Callers differ in what text they must
// accept, so the decoder takes its strictness as rules; each set of rules below names the callers it
// serves and whose behaviour it reproduces.
namespace agentguard::encoding {

struct Base64Rules {
  std::string_view ignored;  // characters skipped wherever they appear (line breaks, indentation)
  bool paddingRequired;      // the text without ignored characters is a multiple of four long
  bool canonical;            // the unused low bits of the last character are zero (one text per byte string)
};

// Exactly what encodeBase64 writes: padded, nothing ignored, canonical. DSSE envelopes and decision logs.
inline constexpr Base64Rules kStrictBase64{"", true, true};
// Go's base64.StdEncoding.DecodeString, which go-yaml applies to !!binary: CR and LF skipped, padding
// required, stray low bits accepted.
inline constexpr Base64Rules kGoStdBase64{"\r\n", true, false};
// Base64 as people paste it into kubeconfig *-data fields and Secret data: spaces, tabs and line breaks
// skipped, padding optional (when present it must complete the last group).
inline constexpr Base64Rules kLenientBase64{" \t\r\n", false, false};

// Standard alphabet with padding, no line breaks.
std::string encodeBase64(std::string_view bytes);

// The bytes `text` encodes in the standard alphabet under `rules`; nullopt when it is not base64 by them.
// At most two '=' end the text; one anywhere else, or a group of a single character, is refused.
std::optional<std::string> decodeBase64(std::string_view text, const Base64Rules& rules);

// The first `maxBytes` bytes the leading base64 characters of `text` decode to; never fails. Reads the
// standard and the URL-safe alphabet alike (key material comes in both) and stops at the first other
// character, padding included; bits of an incomplete last byte are dropped. For scanners that look into
// text which may or may not be base64.
std::string decodeBase64Prefix(std::string_view text, size_t maxBytes);

}  // namespace agentguard::encoding

#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace agentguard::manifest {

// UTF-8 as RFC 3629 defines it, the one decoder the YAML and JSON readers and the reports share.

// Decodes the UTF-8 sequence that starts at `at` (which must be inside `text`): its length in bytes,
// with `point` set to the character, or 0 when it is not well-formed UTF-8 by RFC 3629 (a stray
// continuation byte, a truncated sequence, an overlong form, a surrogate, beyond U+10FFFF).
size_t decodeUtf8(std::string_view text, size_t at, char32_t& point);

// Appends `point` (at most U+10FFFF, not a surrogate) encoded as UTF-8.
void appendUtf8(std::string& out, char32_t point);

// Whether all of `text` is well-formed UTF-8.
bool isWellFormedUtf8(std::string_view text);

}  // namespace agentguard::manifest

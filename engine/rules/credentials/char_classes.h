#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "common/text/ascii.h"

// Character classes of the credential scanners: the ASCII classes of common/text, and the token
// alphabets and table lookups built on them.
namespace agentguard::engine::credentials {

using text::isAlnum;
using text::isDigit;
using text::isHexDigit;
using text::isLetter;
using text::isLower;
using text::isUpper;
using text::toLower;

constexpr bool isBase64Char(char c) { return isAlnum(c) || c == '+' || c == '/'; }
constexpr bool isBase64UrlChar(char c) { return isAlnum(c) || c == '-' || c == '_'; }

// A 256-entry table of `pred` over all byte values, for hot loops that test one class per character:
// one load instead of a chain of comparisons.
using CharTable = std::array<bool, 256>;

template <typename Pred>
constexpr CharTable charTable(Pred pred) {
  CharTable table{};
  for (size_t c = 0; c < table.size(); ++c) table[c] = pred(static_cast<char>(c));
  return table;
}

constexpr bool inTable(const CharTable& table, char c) { return table[static_cast<unsigned char>(c)]; }

// Number of characters from `pos` on that satisfy `pred`, counting at most `limit`.
template <typename Pred>
size_t runLength(std::string_view text, size_t pos, Pred pred, size_t limit = std::string_view::npos) {
  size_t n = 0;
  while (pos + n < text.size() && n < limit && pred(text[pos + n])) ++n;
  return n;
}

// Whether `value` is `lower` (ASCII, written in lower case) but for the case of its letters.
constexpr bool equalsIgnoreCase(std::string_view value, std::string_view lower) {
  if (value.size() != lower.size()) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    if (toLower(value[i]) != lower[i]) return false;
  }
  return true;
}

// Case-insensitive search for an ASCII `needle` written in lower case.
inline size_t findIgnoreCase(std::string_view text, std::string_view needle, size_t from = 0) {
  if (needle.empty() || text.size() < needle.size()) return std::string_view::npos;
  for (size_t i = from; i + needle.size() <= text.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && toLower(text[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

}  // namespace agentguard::engine::credentials

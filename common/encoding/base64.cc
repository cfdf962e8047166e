#include "common/encoding/base64.h"

#include <cstdint>

#include "common/text/ascii.h"

namespace agentguard::encoding {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The 6-bit value of a standard-alphabet character, or -1.
int standardValue(char c) {
  if (text::isUpper(c)) return c - 'A';
  if (text::isLower(c)) return c - 'a' + 26;
  if (text::isDigit(c)) return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard or URL-safe ('-' for '+', '_' for '/').
int eitherAlphabetValue(char c) {
  if (c == '-') return 62;
  if (c == '_') return 63;
  return standardValue(c);
}

std::string withoutIgnored(std::string_view text, std::string_view ignored) {
  std::string kept;
  kept.reserve(text.size());
  for (const char c : text) {
    if (ignored.find(c) == std::string_view::npos) kept += c;
  }
  return kept;
}

// Whether `symbols` characters followed by `padding` '=' form whole groups as `rules` require.
bool validLength(size_t symbols, size_t padding, const Base64Rules& rules) {
  const size_t partial = symbols % 4;
  if (padding > 2 || partial == 1) return false;  // 6 bits cannot make a byte
  if (padding > 0) return partial + padding == 4;
  return partial == 0 || !rules.paddingRequired;
}

}  // namespace

std::string encodeBase64(std::string_view bytes) {
  std::string out;
  out.reserve(4 * ((bytes.size() + 2) / 3));
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = bytes.size() - i < 3 ? bytes.size() - i : 3;
    uint32_t group = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (n > 1) group |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (n > 2) group |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    out += kAlphabet[(group >> 18) & 0x3F];
    out += kAlphabet[(group >> 12) & 0x3F];
    out += n > 1 ? kAlphabet[(group >> 6) & 0x3F] : '=';
    out += n > 2 ? kAlphabet[group & 0x3F] : '=';
  }
  return out;
}

std::optional<std::string> decodeBase64(std::string_view text, const Base64Rules& rules) {
  const std::string kept = withoutIgnored(text, rules.ignored);
  size_t symbols = kept.size();
  while (symbols > 0 && kept[symbols - 1] == '=') --symbols;
  if (!validLength(symbols, kept.size() - symbols, rules)) return std::nullopt;
  std::string out;
  out.reserve(symbols / 4 * 3 + 2);
  uint32_t bits = 0;
  int pending = 0;  // bits in `bits` not yet written as a byte
  for (size_t i = 0; i < symbols; ++i) {
    const int value = standardValue(kept[i]);
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(value);
    pending += 6;
    if (pending >= 8) {
      pending -= 8;
      out += static_cast<char>((bits >> pending) & 0xFF);
    }
  }
  if (rules.canonical && (bits & ((1U << pending) - 1)) != 0) return std::nullopt;
  return out;
}

std::string decodeBase64Prefix(std::string_view text, size_t maxBytes) {
  std::string out;
  uint32_t bits = 0;
  int pending = 0;
  for (const char c : text) {
    const int value = eitherAlphabetValue(c);
    if (value < 0 || out.size() >= maxBytes) break;
    bits = (bits << 6) | static_cast<uint32_t>(value);
    pending += 6;
    if (pending >= 8) {
      pending -= 8;
      out += static_cast<char>((bits >> pending) & 0xFF);
    }
  }
  return out;
}

}  // namespace agentguard::encoding

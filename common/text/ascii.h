#pragma once

// ASCII character classes. Locale-free on purpose: everything they test (Kubernetes names, tokens,
// base64, numbers in flags and YAML) is ASCII, and the <cctype> functions depend on the locale and are
// undefined for negative chars.
namespace agentguard::text {

constexpr bool isDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool isLower(char c) { return c >= 'a' && c <= 'z'; }
constexpr bool isLetter(char c) { return isUpper(c) || isLower(c); }
constexpr bool isAlnum(char c) { return isLetter(c) || isDigit(c); }
// [a-z0-9]: the characters of a DNS label and of an image path component.
constexpr bool isLowerAlnum(char c) { return isLower(c) || isDigit(c); }
constexpr bool isHexDigit(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
constexpr char toLower(char c) { return isUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace agentguard::text

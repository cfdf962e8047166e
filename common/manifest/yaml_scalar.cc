#include "common/manifest/yaml_scalar.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>

#include "common/text/ascii.h"

namespace agentguard::manifest {
namespace {

constexpr std::array<std::string_view, 5> kNulls = {"", "~", "null", "Null", "NULL"};
constexpr std::array<std::string_view, 11> kTrues = {"y", "Y", "yes", "Yes", "YES", "true",
                                                     "True", "TRUE", "on", "On", "ON"};
constexpr std::array<std::string_view, 11> kFalses = {"n", "N", "no", "No", "NO", "false",
                                                      "False", "FALSE", "off", "Off", "OFF"};

template <size_t N>
bool isOneOf(std::string_view text, const std::array<std::string_view, N>& words) {
  for (const auto word : words) {
    if (text == word) return true;
  }
  return false;
}

int digitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// Go's strconv.ParseUint(s, base, 64) for an unsigned digit string; nullopt on any invalid digit or overflow.
std::optional<uint64_t> parseDigits(std::string_view digits, int base) {
  if (digits.empty()) return std::nullopt;
  uint64_t value = 0;
  for (const char c : digits) {
    const int digit = digitValue(c);
    if (digit >= base) return std::nullopt;
    if (value > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(digit)) / static_cast<uint64_t>(base)) {
      return std::nullopt;
    }
    value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(digit);
  }
  return value;
}

// strconv.ParseInt/ParseUint with base 0: optional sign, then 0x, 0o, 0b, leading-0 octal or decimal.
std::optional<nlohmann::json> parseGoInteger(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  } else if (text.size() > 2 && text[0] == '0' && (text[1] == 'o' || text[1] == 'O')) {
    base = 8;
    text.remove_prefix(2);
  } else if (text.size() > 2 && text[0] == '0' && (text[1] == 'b' || text[1] == 'B')) {
    base = 2;
    text.remove_prefix(2);
  } else if (text.size() > 1 && text[0] == '0') {
    base = 8;
    text.remove_prefix(1);
  }
  const auto magnitude = parseDigits(text, base);
  if (!magnitude) return std::nullopt;
  if (negative) {
    constexpr uint64_t kMinMagnitude = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1;
    if (*magnitude > kMinMagnitude) return std::nullopt;
    if (*magnitude == kMinMagnitude) return nlohmann::json(std::numeric_limits<int64_t>::min());
    return nlohmann::json(-static_cast<int64_t>(*magnitude));
  }
  if (*magnitude <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return nlohmann::json(static_cast<int64_t>(*magnitude));
  }
  return nlohmann::json(*magnitude);
}

// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool isYamlStyleFloat(std::string_view text) {
  size_t i = 0;
  auto digitsFrom = [&](size_t& pos) {
    const size_t start = pos;
    while (pos < text.size() && text::isDigit(text[pos])) ++pos;
    return pos - start;
  };
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (digitsFrom(i) == 0) return false;
  } else {
    if (digitsFrom(i) == 0) return false;
    if (i < text.size() && text[i] == '.') {
      ++i;
      digitsFrom(i);
    }
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digitsFrom(i) == 0) return false;
  }
  return i == text.size();
}

std::string withoutUnderscores(std::string_view text) {
  std::string plain;
  plain.reserve(text.size());
  for (const char c : text) {
    if (c != '_') plain += c;
  }
  return plain;
}

}  // namespace

nlohmann::json resolvePlainScalar(std::string_view text) {
  if (isOneOf(text, kNulls)) return nullptr;
  if (isOneOf(text, kTrues)) return true;
  if (isOneOf(text, kFalses)) return false;
  // Only text that starts like a number can be one (go-yaml's resolve hint).
  const char first = text.front();
  if (!(text::isDigit(first) || first == '+' || first == '-' || first == '.')) {
    return std::string(text);
  }
  if (text == ".inf" || text == ".Inf" || text == ".INF" || text == "+.inf" || text == "+.Inf" ||
      text == "+.INF" || text == "-.inf" || text == "-.Inf" || text == "-.INF" || text == ".nan" ||
      text == ".NaN" || text == ".NAN") {
    // Infinity and NaN have no JSON form; Kubernetes fields never take them, so keep the text.
    return std::string(text);
  }
  const std::string plain = withoutUnderscores(text);
  if (auto integer = parseGoInteger(plain)) return *integer;
  if (isYamlStyleFloat(plain)) {
    const double value = std::strtod(plain.c_str(), nullptr);
    if (std::isfinite(value)) return value;
    return std::string(text);
  }
  return std::string(text);
}

nlohmann::json asKubernetesNumber(nlohmann::json value) {
  if (!value.is_number_float()) return value;
  const double number = value.get<double>();
  // [-2^63, 2^63): the range of int64, both ends exact in a double.
  constexpr double kInt64Bound = 9223372036854775808.0;
  if (std::isfinite(number) && std::trunc(number) == number && number >= -kInt64Bound && number < kInt64Bound) {
    return nlohmann::json(static_cast<int64_t>(number));
  }
  return value;
}

std::optional<std::string> jsonKeyOf(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean() || value.is_number_integer()) return value.dump();
  if (value.is_number_float()) {
    // strconv.FormatFloat(f, 'g', -1, 32) prints an integral value below 10^6 as its digits (1.0 -> "1");
    // anything else takes an exponent or float32 rounding, and -0.0 is "-0".
    const double number = value.get<double>();
    if (std::trunc(number) == number && std::fabs(number) < 1e6 && !(number == 0 && std::signbit(number))) {
      return std::to_string(static_cast<int64_t>(number));
    }
  }
  return std::nullopt;
}

}  // namespace agentguard::manifest

#include "operator/api/quantity.h"

#include <array>
#include <cmath>
#include <utility>

namespace agentguard::op {
namespace {

constexpr long double kLimit = 4611686018427387904.0L;  // 2^62

// The multiplier of a suffix, or 0 when it is not one.
long double suffixMultiplier(std::string_view suffix) {
  static const std::array<std::pair<std::string_view, long double>, 13> kSuffixes{{
      {"", 1.0L}, {"m", 1e-3L}, {"k", 1e3L}, {"M", 1e6L}, {"G", 1e9L}, {"T", 1e12L}, {"P", 1e15L},
      {"Ki", 1024.0L}, {"Mi", 1048576.0L}, {"Gi", 1073741824.0L}, {"Ti", 1099511627776.0L},
      {"Pi", 1125899906842624.0L}, {"E", 1e18L}}};
  for (const auto& [name, multiplier] : kSuffixes) {
    if (name == suffix) return multiplier;
  }
  return 0;
}

}  // namespace

std::optional<int64_t> parseQuantityMillis(std::string_view text) {
  size_t i = 0;
  if (i < text.size() && text[i] == '+') ++i;
  const size_t digitsStart = i;
  long double value = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') value = value * 10 + (text[i++] - '0');
  bool anyDigit = i > digitsStart;
  if (i < text.size() && text[i] == '.') {
    ++i;
    long double scale = 0.1L;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      value += (text[i++] - '0') * scale;
      scale /= 10;
      anyDigit = true;
    }
  }
  if (!anyDigit) return std::nullopt;
  long double multiplier = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E') && i + 1 < text.size() &&
      (text[i + 1] == '-' || text[i + 1] == '+' || (text[i + 1] >= '0' && text[i + 1] <= '9'))) {
    ++i;
    const bool negative = text[i] == '-';
    if (text[i] == '-' || text[i] == '+') ++i;
    int exponent = 0;
    const size_t exponentStart = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && exponent < 100) exponent = exponent * 10 + (text[i++] - '0');
    if (i == exponentStart || i != text.size()) return std::nullopt;
    multiplier = std::pow(10.0L, negative ? -exponent : exponent);
  } else {
    multiplier = suffixMultiplier(text.substr(i));
  }
  if (multiplier == 0) return std::nullopt;
  const long double millis = std::ceil(value * multiplier * 1000.0L - 1e-9L);
  if (millis > kLimit) return std::nullopt;
  return static_cast<int64_t>(millis);
}

}  // namespace agentguard::op

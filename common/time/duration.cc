#include "common/time/duration.h"

#include <array>
#include <cstdint>

#include "common/text/ascii.h"

namespace agentguard::time {
namespace {

struct Unit {
  std::string_view name;
  int64_t milliseconds;
};
// "ms" before "m", so the longer name wins.
constexpr std::array<Unit, 4> kUnits = {{{"ms", 1}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}}};
constexpr size_t kMaxFractionDigits = 9;

Error notADuration(std::string_view text) {
  return makeError(ErrorCode::kInvalidArgument,
                   "\"" + std::string(text) + "\" is not a duration like 500ms, 10s, 5m, 1h or 1h30m");
}

Error tooLong(std::string_view text, std::chrono::milliseconds max) {
  return makeError(ErrorCode::kInvalidArgument,
                   "\"" + std::string(text) + "\" is too long: at most " + formatDuration(max));
}

}  // namespace

Result<std::chrono::milliseconds> parseDuration(std::string_view text, std::chrono::milliseconds max) {
  if (text.empty()) return notADuration(text);
  const int64_t limit = max.count();
  int64_t total = 0;  // always <= limit
  size_t pos = 0;
  while (pos < text.size()) {
    // The number: digits, then optionally a point and more digits.
    const size_t wholeStart = pos;
    while (pos < text.size() && text::isDigit(text[pos])) ++pos;
    const std::string_view whole = text.substr(wholeStart, pos - wholeStart);
    std::string_view fraction;
    if (pos < text.size() && text[pos] == '.') {
      const size_t fractionStart = ++pos;
      while (pos < text.size() && text::isDigit(text[pos])) ++pos;
      fraction = text.substr(fractionStart, pos - fractionStart);
      if (fraction.empty()) return notADuration(text);
    }
    if (whole.empty()) return notADuration(text);
    if (fraction.size() > kMaxFractionDigits) {
      return makeError(ErrorCode::kInvalidArgument, "\"" + std::string(text) + "\" has more than " +
                                                        std::to_string(kMaxFractionDigits) + " decimals");
    }
    // The unit.
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (text.substr(pos, candidate.name.size()) == candidate.name) {
        unit = &candidate;
        break;
      }
    }
    if (unit == nullptr) return notADuration(text);
    pos += unit->name.size();

    // whole * unit, refused as soon as the running total would pass the limit: each step compares
    // against what is left before it multiplies or adds, so nothing overflows.
    const int64_t left = limit - total;
    const int64_t most = left / unit->milliseconds;  // the largest count of this unit that still fits
    int64_t wholeValue = 0;
    for (const char digit : whole) {
      if (wholeValue > most / 10 || wholeValue * 10 > most - (digit - '0')) {
        return tooLong(text, max);
      }
      wholeValue = wholeValue * 10 + (digit - '0');
    }
    int64_t part = wholeValue * unit->milliseconds;
    // The fraction in milliseconds: at most 9 digits times 3,600,000 fits easily in 64 bits.
    int64_t numerator = 0;
    int64_t denominator = 1;
    for (const char digit : fraction) {
      numerator = numerator * 10 + (digit - '0');
      denominator *= 10;
    }
    if ((numerator * unit->milliseconds) % denominator != 0) {
      return makeError(ErrorCode::kInvalidArgument,
                       "\"" + std::string(text) + "\" is finer than a millisecond; round it to whole milliseconds");
    }
    const int64_t fractionMs = numerator * unit->milliseconds / denominator;
    if (fractionMs > left - part) {
      return tooLong(text, max);
    }
    total += part + fractionMs;
  }
  return std::chrono::milliseconds(total);
}

std::string formatDuration(std::chrono::milliseconds duration) {
  int64_t ms = duration.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  if (ms < 1000) return out + std::to_string(ms) + "ms";
  const int64_t hours = ms / 3'600'000;
  const int64_t minutes = ms / 60'000 % 60;
  const int64_t seconds = ms / 1000 % 60;
  const int64_t millis = ms % 1000;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  out += std::to_string(seconds);
  if (millis > 0) {
    std::string fraction = std::to_string(1000 + millis).substr(1);
    while (fraction.back() == '0') fraction.pop_back();
    out += "." + fraction;
  }
  return out + "s";
}

}  // namespace agentguard::time

#include "common/decision/canonical_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace agentguard::decision {
namespace {

// Integers of at most 2^53 in magnitude are exact doubles; beyond that RFC 8785 writes the nearest double.
constexpr std::uint64_t kLargestExactInteger = std::uint64_t{1} << 53;

// The UTF-16 code units of a UTF-8 string, for RFC 8785's member order; nullopt when the text is not UTF-8.
std::optional<std::u16string> utf16Units(const std::string& text) {
  std::u16string units;
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return std::nullopt;
    char32_t point = length == 1 ? lead : lead & (0x7F >> length);
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return std::nullopt;
      point = (point << 6) | (next & 0x3F);
    }
    i += length;
    if (point < 0x10000) {
      units.push_back(static_cast<char16_t>(point));
    } else {
      point -= 0x10000;
      units.push_back(static_cast<char16_t>(0xD800 + (point >> 10)));
      units.push_back(static_cast<char16_t>(0xDC00 + (point & 0x3FF)));
    }
  }
  return units;
}

// Printable ASCII other than '"' and '\\': written as is by RFC 8785 and always valid UTF-8.
bool isPlainAscii(const std::string& text) {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') return false;
  }
  return true;
}

Status appendString(std::string& out, const std::string& text) {
  // Most strings of a Kubernetes object need no escape: copied directly, which made signing a 10 KB
  // object's record several times cheaper (benchmarks/webhook/signing.sh) than a serializer per string.
  if (isPlainAscii(text)) {
    out += '"';
    out += text;
    out += '"';
    return okStatus();
  }
  try {
    // nlohmann writes exactly RFC 8785's escapes (\" \\ \b \f \n \r \t, other controls as \u00xx in lower
    // case) when it is not asked for ASCII output, and throws on invalid UTF-8.
    out += nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
    return okStatus();
  } catch (const nlohmann::json::exception&) {
    return makeError(ErrorCode::kInvalidArgument, "a JSON string is not valid UTF-8; canonical JSON needs UTF-8");
  }
}

Status appendValue(std::string& out, const nlohmann::json& value);

Status appendObject(std::string& out, const nlohmann::json& object) {
  std::vector<std::pair<std::u16string, const std::string*>> members;
  for (auto it = object.begin(); it != object.end(); ++it) {
    std::optional<std::u16string> units = utf16Units(it.key());
    if (!units) return makeError(ErrorCode::kInvalidArgument, "an object member name is not valid UTF-8");
    members.emplace_back(std::move(*units), &it.key());
  }
  std::sort(members.begin(), members.end());
  out += '{';
  for (size_t i = 0; i < members.size(); ++i) {
    if (i > 0) out += ',';
    if (Status status = appendString(out, *members[i].second); !status) return status;
    out += ':';
    if (Status status = appendValue(out, object.at(*members[i].second)); !status) return status;
  }
  out += '}';
  return okStatus();
}

Status appendNumber(std::string& out, double value) {
  Result<std::string> text = ecmaScriptNumber(value);
  if (!text) return text.error();
  out += *text;
  return okStatus();
}

Status appendValue(std::string& out, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      return appendObject(out, value);
    case nlohmann::json::value_t::array: {
      out += '[';
      for (size_t i = 0; i < value.size(); ++i) {
        if (i > 0) out += ',';
        if (Status status = appendValue(out, value[i]); !status) return status;
      }
      out += ']';
      return okStatus();
    }
    case nlohmann::json::value_t::string:
      return appendString(out, value.get_ref<const std::string&>());
    case nlohmann::json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return okStatus();
    case nlohmann::json::value_t::null:
      out += "null";
      return okStatus();
    case nlohmann::json::value_t::number_unsigned: {
      const auto number = value.get<std::uint64_t>();
      if (number <= kLargestExactInteger) {
        out += std::to_string(number);
        return okStatus();
      }
      return appendNumber(out, static_cast<double>(number));
    }
    case nlohmann::json::value_t::number_integer: {
      const auto number = value.get<std::int64_t>();
      const std::uint64_t magnitude = number < 0 ? 0 - static_cast<std::uint64_t>(number) : static_cast<std::uint64_t>(number);
      if (magnitude <= kLargestExactInteger) {
        out += std::to_string(number);
        return okStatus();
      }
      return appendNumber(out, static_cast<double>(number));
    }
    case nlohmann::json::value_t::number_float:
      return appendNumber(out, value.get<double>());
    default:
      return makeError(ErrorCode::kInvalidArgument, "a JSON value has no canonical form (binary or discarded)");
  }
}

}  // namespace

Result<std::string> ecmaScriptNumber(double value) {
  if (!std::isfinite(value)) {
    return makeError(ErrorCode::kInvalidArgument, "NaN and Infinity have no JSON form; canonical JSON refuses them");
  }
  if (value == 0) return std::string("0");
  // The shortest digits that read back as the same double, as "d.ddde±x"; ECMAScript then places the point.
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), std::fabs(value), std::chars_format::scientific);
  if (ec != std::errc()) return makeError(ErrorCode::kInternal, "could not format a double");
  const std::string_view scientific(buffer, static_cast<size_t>(end - buffer));
  const size_t exponentAt = scientific.find('e');
  std::string digits(scientific.substr(0, exponentAt));
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  int exponent = 0;
  std::from_chars(scientific.data() + exponentAt + 1, scientific.data() + scientific.size(), exponent);
  if (scientific[exponentAt + 1] == '+') {
    std::from_chars(scientific.data() + exponentAt + 2, scientific.data() + scientific.size(), exponent);
  }
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;  // the decimal point sits after n digits
  std::string out = value < 0 ? "-" : "";
  if (k <= n && n <= 21) {
    out += digits + std::string(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<size_t>(n)) + "." + digits.substr(static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0." + std::string(static_cast<size_t>(-n), '0') + digits;
  } else {
    out += digits.substr(0, 1);
    if (k > 1) out += "." + digits.substr(1);
    out += (n - 1 < 0 ? "e-" : "e+") + std::to_string(std::abs(n - 1));
  }
  return out;
}

Result<std::string> canonicalJson(const nlohmann::json& value) {
  std::string out;
  if (Status status = appendValue(out, value); !status) return status.error();
  return out;
}

}  // namespace agentguard::decision

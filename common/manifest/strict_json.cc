// A recursive-descent JSON reader that builds an nlohmann::json DOM and refuses, besides what is not
// JSON, duplicate keys and what is over the limits. It is written out rather than driven by
// nlohmann's SAX parser so that every refusal names the character at fault, by line and column, and
// what was expected there: nlohmann words its errors its own way, places them after the token, and
// stops reading at a NUL byte. Recursion is bounded by the depth limit; nothing outlives a call.
#include "common/manifest/strict_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <clocale>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "common/manifest/field_path.h"
#include "common/manifest/utf8.h"

namespace agentguard::manifest {
namespace {

using Json = nlohmann::json;

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isWhitespace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The bytes a string holds as they are written: printable ASCII but the quote and the backslash. Most
// of a Kubernetes object's bytes are such, so they are told apart from the rest by one look-up.
constexpr std::array<bool, 256> kPlainInString = [] {
  std::array<bool, 256> plain{};
  for (size_t c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

// Lines and columns as editors count them from 1, a column being a byte.
std::string lineAndColumn(std::string_view text, size_t position) {
  const std::string_view before = text.substr(0, position);
  const size_t lineStart = before.rfind('\n') + 1;  // 0 on the first line
  const auto line = 1 + std::count(before.begin(), before.end(), '\n');
  return "line " + std::to_string(line) + ", column " + std::to_string(1 + before.size() - lineStart);
}

// The four hex digits at `at`, or false.
bool readHex4(std::string_view text, size_t at, char32_t& value) {
  if (at + 4 > text.size()) return false;
  uint32_t read = 0;
  const auto [end, error] = std::from_chars(text.data() + at, text.data() + at + 4, read, 16);
  value = read;
  return error == std::errc() && end == text.data() + at + 4;
}

// A number token's value as nlohmann::json reads it: an integer that fits stays exact (unsigned unless
// negative); the rest are doubles, as strtod reads them in the C locale (underflow reads as zero or a
// subnormal, overflow as infinity).
Json numberValue(std::string_view token) {
  const char* first = token.data();
  const char* last = first + token.size();
  const bool integral = token.find_first_of(".eE") == std::string_view::npos;
  int64_t negative = 0;
  uint64_t positive = 0;
  if (integral && token[0] == '-' && std::from_chars(first, last, negative).ec == std::errc()) return negative;
  if (integral && token[0] != '-' && std::from_chars(first, last, positive).ec == std::errc()) return positive;
  std::string copy(token);
  std::replace(copy.begin(), copy.end(), '.', *std::localeconv()->decimal_point);
  return std::strtod(copy.c_str(), nullptr);
}

class StrictReader {
 public:
  StrictReader(std::string_view text, const ParseLimits& limits) : text_(text), limits_(limits) {}

  // The whole text as one value, after an optional UTF-8 byte order mark (nlohmann::json::parse
  // allows one) and with nothing but whitespace after it.
  bool document(Json& out) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    if (!readValue(out)) return false;
    skipWhitespace();
    if (pos_ != text_.size()) return fail(pos_, "expected the end of the input, found " + describeAt(pos_));
    return true;
  }

  const std::string& message() const { return message_; }

 private:
  // An open container, for the path a duplicate key's message names.
  struct Level {
    bool isObject = false;
    const std::string* key = nullptr;  // objects: the member being read (its key in the DOM)
    size_t index = 0;                  // arrays: the element being read
  };

  bool readValue(Json& out);
  bool readObject(Json& out);
  bool readArray(Json& out);
  bool readMember(Json::object_t& members, Json*& slot);
  bool readString(std::string& out);
  bool readEscape(size_t& at, std::string& out);
  bool readNumber(Json& out);
  bool readLiteral(std::string_view word);

  // Containers count when they open, scalars once read, so a broken scalar is reported as such.
  bool countValue() {
    if (++values_ <= limits_.maxNodes) return true;
    return failWithoutPosition("document has more than " + std::to_string(limits_.maxNodes) + " values");
  }
  bool enter(bool isObject) {
    if (static_cast<int64_t>(levels_.size()) >= static_cast<int64_t>(limits_.maxDepth)) {
      return failWithoutPosition("nesting deeper than " + std::to_string(limits_.maxDepth) + " levels");
    }
    levels_.push_back(Level{isObject});
    return true;
  }
  // Whether the next character (after whitespace) is `c`; consumes it if so.
  bool next(char c) {
    skipWhitespace();
    if (pos_ >= text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  void skipWhitespace() {
    while (pos_ < text_.size() && isWhitespace(text_[pos_])) ++pos_;
  }
  bool fail(size_t position, const std::string& reason) {
    message_ = "malformed JSON at " + lineAndColumn(text_, position) + ": " + reason;
    return false;
  }
  bool failWithoutPosition(const std::string& reason) {
    message_ = "malformed JSON: " + reason;
    return false;
  }
  std::string describeAt(size_t position) const;
  std::string pathOfInnermost() const;

  std::string_view text_;
  const ParseLimits& limits_;
  size_t pos_ = 0;
  size_t values_ = 0;
  std::vector<Level> levels_;
  std::string message_;
};

std::string StrictReader::describeAt(size_t position) const {
  if (position >= text_.size()) return "the end of the input";
  const auto c = static_cast<unsigned char>(text_[position]);
  if (c > 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
  constexpr std::string_view kHex = "0123456789ABCDEF";
  return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 0x0F];
}

// The innermost open container's path, e.g. spec.containers[0]; "the top level" for the outermost.
std::string StrictReader::pathOfInnermost() const {
  FieldPath path;
  for (size_t i = 0; i + 1 < levels_.size(); ++i) {
    path = levels_[i].isObject ? path.key(*levels_[i].key) : path.index(levels_[i].index);
  }
  return path.empty() ? "the top level" : path.str();
}

bool StrictReader::readValue(Json& out) {
  skipWhitespace();
  const char c = pos_ < text_.size() ? text_[pos_] : '\0';
  switch (c) {
    case '{': return readObject(out);
    case '[': return readArray(out);
    case '"': {
      std::string text;
      if (!readString(text)) return false;
      out = std::move(text);
      break;
    }
    case 't':
    case 'f':
      if (!readLiteral(c == 't' ? "true" : "false")) return false;
      out = c == 't';
      break;
    case 'n':
      if (!readLiteral("null")) return false;
      out = nullptr;
      break;
    default:
      if (c != '-' && !isDigit(c)) return fail(pos_, "expected a value, found " + describeAt(pos_));
      if (!readNumber(out)) return false;
      break;
  }
  return countValue();
}

bool StrictReader::readObject(Json& out) {
  if (!countValue() || !enter(true)) return false;
  out = Json(Json::value_t::object);
  auto& members = out.get_ref<Json::object_t&>();
  ++pos_;  // '{'
  if (!next('}')) {
    do {
      Json* slot = nullptr;
      if (!readMember(members, slot) || !readValue(*slot)) return false;
    } while (next(','));
    if (!next('}')) return fail(pos_, "expected ',' or '}', found " + describeAt(pos_));
  }
  levels_.pop_back();
  return true;
}

// `"key":` of the innermost object: the member is added to `members`, null, and `slot` points at it.
// A key the object already has is refused, however it is spelt ("a" and "\u0061" are one key).
bool StrictReader::readMember(Json::object_t& members, Json*& slot) {
  skipWhitespace();
  if (pos_ >= text_.size() || text_[pos_] != '"') {
    return fail(pos_, "expected an object key (a string), found " + describeAt(pos_));
  }
  std::string key;
  if (!readString(key)) return false;
  const size_t before = members.size();
  // Kubernetes writes keys sorted, so the end is usually the right place.
  const auto placed = members.emplace_hint(members.end(), std::move(key), nullptr);
  if (members.size() == before) {
    return failWithoutPosition("duplicate key \"" + placed->first + "\" at " + pathOfInnermost() +
                               "; each key may appear once per object");
  }
  levels_.back().key = &placed->first;
  slot = &placed->second;
  if (!next(':')) return fail(pos_, "expected ':' after an object key, found " + describeAt(pos_));
  return true;
}

bool StrictReader::readArray(Json& out) {
  if (!countValue() || !enter(false)) return false;
  out = Json(Json::value_t::array);
  auto& elements = out.get_ref<Json::array_t&>();
  ++pos_;  // '['
  if (!next(']')) {
    do {
      levels_.back().index = elements.size();
      if (!readValue(elements.emplace_back())) return false;
    } while (next(','));
    if (!next(']')) return fail(pos_, "expected ',' or ']', found " + describeAt(pos_));
  }
  levels_.pop_back();
  return true;
}

// A string from its opening quote: escapes decoded, UTF-8 checked, control characters refused (JSON
// requires them escaped).
bool StrictReader::readString(std::string& out) {
  size_t run = ++pos_;  // the first byte not yet copied to `out`
  for (size_t i = run; i < text_.size();) {
    const auto c = static_cast<unsigned char>(text_[i]);
    if (kPlainInString[c]) {
      ++i;
    } else if (c == '"' || c == '\\') {
      out.append(text_.data() + run, i - run);
      if (c == '"') {
        pos_ = i + 1;
        return true;
      }
      if (!readEscape(i, out)) return false;
      run = i;
    } else if (c < 0x20) {
      return fail(i, "control character " + describeAt(i) + " in a string; escape it");
    } else {
      char32_t point = 0;
      const size_t length = decodeUtf8(text_, i, point);
      if (length == 0) return fail(i, "invalid UTF-8 (" + describeAt(i) + ") in a string");
      i += length;
    }
  }
  return fail(text_.size(), "unterminated string");
}

// The escape whose backslash is at `at`, appended to `out` as UTF-8; `at` moves past it. A \u escape of
// a UTF-16 surrogate must be a high one followed by a low one.
bool StrictReader::readEscape(size_t& at, std::string& out) {
  const size_t start = at;
  if (start + 1 >= text_.size()) return fail(text_.size(), "unterminated string");
  const char kind = text_[start + 1];
  at = start + 2;
  constexpr std::string_view kEscaped = "\"\\/bfnrt";
  constexpr std::string_view kMeaning = "\"\\/\b\f\n\r\t";
  if (const size_t which = kEscaped.find(kind); which != std::string_view::npos) {
    out += kMeaning[which];
    return true;
  }
  if (kind != 'u') return fail(start, "invalid escape \\" + std::string(1, kind) + " in a string");
  const std::string written = "\\u" + std::string(text_.substr(start + 2, 4));
  char32_t point = 0;
  if (!readHex4(text_, at, point)) return fail(start, "\\u must be followed by four hex digits");
  at += 4;
  if (point >= 0xDC00 && point <= 0xDFFF) {
    return fail(start, "UTF-16 low surrogate " + written + " without a high surrogate before it");
  }
  if (point >= 0xD800 && point <= 0xDBFF) {
    char32_t low = 0;
    if (text_.substr(at, 2) != "\\u" || !readHex4(text_, at + 2, low) || low < 0xDC00 || low > 0xDFFF) {
      return fail(start, "UTF-16 high surrogate " + written + " must be followed by a low surrogate");
    }
    at += 6;
    point = 0x10000 + ((point - 0xD800) << 10) + (low - 0xDC00);
  }
  appendUtf8(out, point);
  return true;
}

// A number, refused when it is out of a double's range (nlohmann refuses it too).
bool StrictReader::readNumber(Json& out) {
  const size_t start = pos_;
  size_t i = pos_;
  const auto digits = [&] {
    while (i < text_.size() && isDigit(text_[i])) ++i;
  };
  const auto digitAt = [&](size_t at) { return at < text_.size() && isDigit(text_[at]); };
  if (text_[i] == '-') ++i;
  if (!digitAt(i)) return fail(i, "expected a digit after '-', found " + describeAt(i));
  if (text_[i] == '0') {
    ++i;
  } else {
    digits();
  }
  if (i < text_.size() && text_[i] == '.') {
    if (!digitAt(++i)) return fail(i, "expected a digit after '.', found " + describeAt(i));
    digits();
  }
  if (i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
    ++i;
    if (i < text_.size() && (text_[i] == '+' || text_[i] == '-')) ++i;
    if (!digitAt(i)) return fail(i, "expected a digit in the exponent, found " + describeAt(i));
    digits();
  }
  pos_ = i;
  const std::string_view token = text_.substr(start, i - start);
  out = numberValue(token);
  if (out.is_number_float() && !std::isfinite(out.get<double>())) {
    return fail(start, "number " + std::string(token) + " is out of range");
  }
  return true;
}

bool StrictReader::readLiteral(std::string_view word) {
  if (text_.substr(pos_, word.size()) != word) return fail(pos_, "invalid literal; expected " + std::string(word));
  pos_ += word.size();
  return true;
}

}  // namespace

Result<Json> parseStrictJson(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.maxInputBytes) {
    return makeError(ErrorCode::kInvalidArgument, "input is " + std::to_string(text.size()) +
                                                      " bytes, more than the limit of " +
                                                      std::to_string(limits.maxInputBytes));
  }
  StrictReader reader(text, limits);
  Json document;
  try {
    if (reader.document(document)) return document;
  } catch (const std::exception& ex) {  // std::bad_alloc: the document does not fit in memory
    return makeError(ErrorCode::kInvalidArgument, std::string("malformed JSON: ") + ex.what());
  }
  return makeError(ErrorCode::kInvalidArgument, reader.message());
}

}  // namespace agentguard::manifest

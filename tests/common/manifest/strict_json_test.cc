// Strict JSON: duplicate keys, depth and size bounds, and errors that say where.
#include "common/manifest/strict_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace agentguard::manifest {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;

std::string rejection(std::string_view text, const ParseLimits& limits = {}) {
  auto parsed = parseStrictJson(text, limits);
  EXPECT_FALSE(parsed.ok()) << text << " parsed as " << (parsed.ok() ? parsed->dump() : "");
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  return parsed.error().message;
}

TEST(StrictJsonTest, ParsesOrdinaryDocuments) {
  const auto parsed = parseStrictJson(R"({"a": [1, -2, 2.5, "x", true, null, {}], "b": {"c": "d"}})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, Json::parse(R"({"a": [1, -2, 2.5, "x", true, null, {}], "b": {"c": "d"}})"));
  EXPECT_EQ(*parseStrictJson("  \n42\n"), 42);
  EXPECT_EQ(*parseStrictJson("\"text\""), "text");
  EXPECT_EQ(*parseStrictJson("[]"), Json::array());
}

TEST(StrictJsonTest, KeepsLargeIntegersExact) {
  EXPECT_EQ(parseStrictJson("18446744073709551615")->get<uint64_t>(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(parseStrictJson("-9223372036854775808")->get<int64_t>(), std::numeric_limits<int64_t>::min());
  EXPECT_TRUE(parseStrictJson("18446744073709551616")->is_number_float());
}

TEST(StrictJsonTest, RejectsDuplicateKeysNamingThePath) {
  struct Case {
    std::string name;
    std::string text;
    std::string where;
  };
  const std::vector<Case> cases = {
      {"TopLevel", R"({"kind": "Pod", "kind": "Service"})", "duplicate key \"kind\" at the top level"},
      {"Nested", R"({"spec": {"hostNetwork": false, "hostNetwork": true}})", "duplicate key \"hostNetwork\" at spec"},
      {"InsideArray", R"({"items": [{}, {"a": 1, "a": 1}]})", "duplicate key \"a\" at items[1]"},
      {"BracketedPath", R"({"metadata": {"labels": {"app.io/x": {"k": 1, "k": 2}}}})",
       "at metadata.labels[\"app.io/x\"]"},
      {"SameValueStillRejected", R"({"a": 1, "a": 1})", "duplicate key \"a\""},
      {"EscapedSpellingOfTheSameKey", R"({"a": 1, "\u0061": 2})", "duplicate key \"a\""},
  };
  for (const auto& c : cases) EXPECT_THAT(rejection(c.text), HasSubstr(c.where)) << c.name;
}

// A duplicate is refused at whatever depth it sits, in objects and in arrays of objects.
TEST(StrictJsonTest, RejectsDuplicateKeysAtEveryDepth) {
  std::string object = R"({"k": 1, "k": 2})";
  std::string inArray = R"({"k": 1, "k": 2})";
  std::string objectPath;
  std::string arrayPath;
  for (int depth = 1; depth <= 12; ++depth) {
    object = R"({"a": 0, "m": )" + object + "}";
    objectPath = objectPath.empty() ? "m" : "m." + objectPath;
    inArray = "[" + inArray + "]";
    arrayPath = "[0]" + arrayPath;
    EXPECT_EQ(rejection(object), "malformed JSON: duplicate key \"k\" at " + objectPath +
                                     "; each key may appear once per object")
        << depth;
    EXPECT_EQ(rejection(inArray), "malformed JSON: duplicate key \"k\" at " + arrayPath +
                                      "; each key may appear once per object")
        << depth;
  }
}

TEST(StrictJsonTest, SameKeyInDifferentObjectsIsFine) {
  EXPECT_TRUE(parseStrictJson(R"({"a": {"x": 1}, "b": {"x": 2}, "c": [{"x": 3}, {"x": 4}]})").ok());
}

TEST(StrictJsonTest, BoundsDepth) {
  ParseLimits limits;
  limits.maxDepth = 10;
  const auto nested = [](int depth, std::string_view inner) {
    return std::string(static_cast<size_t>(depth), '[') + std::string(inner) + std::string(static_cast<size_t>(depth), ']');
  };
  EXPECT_TRUE(parseStrictJson(nested(10, "1"), limits).ok());
  EXPECT_TRUE(parseStrictJson(nested(10, ""), limits).ok());
  EXPECT_THAT(rejection(nested(11, "1"), limits), HasSubstr("nesting deeper than 10 levels"));
  // The default bound stops hostile depth long before the stack would.
  EXPECT_THAT(rejection(nested(1000000, "")), HasSubstr("nesting deeper than 100 levels"));
  EXPECT_THAT(rejection(std::string(1000000, '[')), HasSubstr("nesting deeper"));
}

TEST(StrictJsonTest, BoundsValueCount) {
  ParseLimits limits;
  limits.maxNodes = 10;
  EXPECT_TRUE(parseStrictJson("[1,2,3,4,5,6,7,8,9]", limits).ok());  // 9 values and the array
  EXPECT_THAT(rejection("[1,2,3,4,5,6,7,8,9,10]", limits), HasSubstr("more than 10 values"));
  EXPECT_THAT(rejection(R"({"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":{}}}}}}}}}}})", limits),
              HasSubstr("more than 10 values"));
}

TEST(StrictJsonTest, BoundsInputSize) {
  ParseLimits limits;
  limits.maxInputBytes = 8;
  EXPECT_THAT(rejection("[1,2,3,4,5]", limits), HasSubstr("more than the limit of 8"));
}

// The limits hold at exactly their value, and their messages stay word for word what callers show.
TEST(StrictJsonTest, LimitsAtTheirExactBoundaries) {
  ParseLimits limits;
  limits.maxInputBytes = 11;
  EXPECT_TRUE(parseStrictJson("[1,2,3,4,5]", limits).ok());
  limits.maxInputBytes = 10;
  EXPECT_EQ(rejection("[1,2,3,4,5]", limits), "input is 11 bytes, more than the limit of 10");

  limits = {};
  limits.maxDepth = 3;
  EXPECT_TRUE(parseStrictJson(R"({"a":[{"b":1}]})", limits).ok());
  EXPECT_EQ(rejection(R"({"a":[{"b":[]}]})", limits), "malformed JSON: nesting deeper than 3 levels");

  limits = {};
  limits.maxNodes = 4;  // the object, the array and its two strings
  EXPECT_TRUE(parseStrictJson(R"({"a":["x","y"]})", limits).ok());
  EXPECT_EQ(rejection(R"({"a":["x","y",{}]})", limits), "malformed JSON: document has more than 4 values");
}

TEST(StrictJsonTest, MalformedInputNamesLineAndColumn) {
  struct Case {
    std::string name;
    std::string text;
    std::string where;
  };
  const std::vector<Case> cases = {
      {"Empty", "", "line 1, column 1"},
      {"TruncatedObject", "{\n  \"a\": [1,\n", "line 3"},
      {"TruncatedString", "{\"a\": \"unterminated", "line 1"},
      {"MissingColon", "{\n  \"a\" 1\n}", "line 2, column 7"},
      {"TrailingComma", "{\"a\": 1,}", "line 1, column 9"},
      {"TrailingGarbage", "{\"a\": 1}\n  x", "line 2, column 3"},
      {"SecondDocument", "{} {}", "line 1, column 4"},
      {"SingleQuotes", "{'a': 1}", "line 1, column 2"},
      {"Comment", "{\"a\": 1 // no\n}", "line 1"},
      {"BareWord", "{\"a\": yes}", "line 1"},
      {"NumberOverflow", "{\"a\": 1e400}", "line 1"},
      {"InvalidUtf8", "{\"a\": \"\xC3\x28\"}", "line 1"},
      {"ControlCharacterInString", "{\"a\": \"x\x01y\"}", "line 1"},
  };
  for (const auto& c : cases) {
    const std::string message = rejection(c.text);
    EXPECT_THAT(message, HasSubstr("malformed JSON at " + c.where)) << c.name << ": " << message;
  }
}

// Where JSON readers often part ways, what is accepted reads exactly as nlohmann reads it: the same
// value, of the same type (integer, unsigned or double), written back the same way.
TEST(StrictJsonTest, ReadsTheEdgesAsNlohmannDoes) {
  for (const std::string text :
       {"-0", "-0.0", "0.0", "0e5", "-0E-0", "1e-400", "-1e-400", "4.9e-324", "1.7976931348623157e308",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "01", "-", "1e999",
        R"("\u0000")", R"("\uDBFF\uDFFF")", R"("\ud83d\ude00")", "\"\xEF\xBF\xBF\"", "\"\xF4\x8F\xBF\xBF\"",
        "\xEF\xBB\xBF \n{}", " \t\r\n[ ]", R"({"":""})", R"({"a":{},"A":[]})"}) {
    if (!Json::accept(text)) {
      EXPECT_FALSE(parseStrictJson(text).ok()) << text;
      continue;
    }
    const auto parsed = parseStrictJson(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error().message;
    const Json reference = Json::parse(text);
    EXPECT_EQ(parsed->type(), reference.type()) << text;
    EXPECT_EQ(parsed->dump(), reference.dump()) << text;
  }
}

// Every kind of refusal, word for word: the reason, and the line and column of the character at fault
// (for the limits and duplicate keys, which no single character causes, none).
TEST(StrictJsonTest, NamesEachProblemWordForWord) {
  struct Case {
    std::string name;
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"Empty", "", " at line 1, column 1: expected a value, found the end of the input"},
      {"OnlyAByteOrderMark", "\xEF\xBB\xBF", " at line 1, column 4: expected a value, found the end of the input"},
      {"ByteOrderMarkAfterTheValue", "[1]\xEF\xBB\xBF", " at line 1, column 4: expected the end of the input, found byte 0xEF"},
      {"BrokenByteOrderMark", "\xEF\xBB[1]", " at line 1, column 1: expected a value, found byte 0xEF"},
      {"TruncatedLiteral", R"({"a": tru})", " at line 1, column 7: invalid literal; expected true"},
      {"WrongLiteral", "nul", " at line 1, column 1: invalid literal; expected null"},
      {"FalseLiteral", "[fals]", " at line 1, column 2: invalid literal; expected false"},
      {"PlusSign", "+1", " at line 1, column 1: expected a value, found '+'"},
      {"BareMinus", "[-]", " at line 1, column 3: expected a digit after '-', found ']'"},
      {"MinusLetter", "-x", " at line 1, column 2: expected a digit after '-', found 'x'"},
      {"BareFraction", "1.x", " at line 1, column 3: expected a digit after '.', found 'x'"},
      {"BareExponent", "1e+", " at line 1, column 4: expected a digit in the exponent, found the end of the input"},
      {"Overflow", "[1e400]", " at line 1, column 2: number 1e400 is out of range"},
      {"NegativeOverflow", "-1.5e400", " at line 1, column 1: number -1.5e400 is out of range"},
      {"LeadingZero", "01", " at line 1, column 2: expected the end of the input, found '1'"},
      {"LeadingZeroInArray", "[01]", " at line 1, column 3: expected ',' or ']', found '1'"},
      {"Hex", "0x10", " at line 1, column 2: expected the end of the input, found 'x'"},
      {"InvalidEscape", R"("ab\x")", " at line 1, column 4: invalid escape \\x in a string"},
      {"ShortUnicodeEscape", R"("\u12")", " at line 1, column 2: \\u must be followed by four hex digits"},
      {"LoneLowSurrogate", R"("\udc00")",
       " at line 1, column 2: UTF-16 low surrogate \\udc00 without a high surrogate before it"},
      {"LoneHighSurrogate", R"("x\uD800\u0041")",
       " at line 1, column 3: UTF-16 high surrogate \\uD800 must be followed by a low surrogate"},
      {"HighSurrogateAtTheEnd", R"("\ud800")",
       " at line 1, column 2: UTF-16 high surrogate \\ud800 must be followed by a low surrogate"},
      {"ControlCharacter", "\"a\x01\"", " at line 1, column 3: control character byte 0x01 in a string; escape it"},
      {"ControlCharacterAfterAnEscape", "\"\\n\tx\"", " at line 1, column 4: control character byte 0x09 in a string; escape it"},
      {"InvalidUtf8", "\"\xC3\x28\"", " at line 1, column 2: invalid UTF-8 (byte 0xC3) in a string"},
      {"InvalidUtf8AfterAnEscape", "\"\\n\xFF\"", " at line 1, column 4: invalid UTF-8 (byte 0xFF) in a string"},
      {"EncodedSurrogate", "\"\xED\xA0\x80\"", " at line 1, column 2: invalid UTF-8 (byte 0xED) in a string"},
      {"OverlongEncoding", "\"\xC0\xAF\"", " at line 1, column 2: invalid UTF-8 (byte 0xC0) in a string"},
      {"BeyondU10FFFF", "\"\xF4\x90\x80\x80\"", " at line 1, column 2: invalid UTF-8 (byte 0xF4) in a string"},
      {"UnterminatedString", "[\"abc", " at line 1, column 6: unterminated string"},
      {"UnterminatedAfterABackslash", "\"abc\\", " at line 1, column 6: unterminated string"},
      {"UnterminatedAfterAnEscape", "\"\\n", " at line 1, column 4: unterminated string"},
      {"KeyNotAString", "{1: 2}", " at line 1, column 2: expected an object key (a string), found '1'"},
      {"TrailingCommaInObject", R"({"a": 1,})", " at line 1, column 9: expected an object key (a string), found '}'"},
      {"MissingColon", "{\n  \"a\" 1\n}", " at line 2, column 7: expected ':' after an object key, found '1'"},
      {"MissingCommaInObject", R"({"a": 1 "b": 2})", " at line 1, column 9: expected ',' or '}', found '\"'"},
      {"MissingCommaInArray", R"({"spec": [1 2]})", " at line 1, column 13: expected ',' or ']', found '2'"},
      {"TrailingCommaInArray", "[1,]", " at line 1, column 4: expected a value, found ']'"},
      {"UnclosedArray", "{\n  \"a\": [1,\n", " at line 3, column 1: expected a value, found the end of the input"},
      {"UnclosedObject", R"({"a": 1)", " at line 1, column 8: expected ',' or '}', found the end of the input"},
      {"SecondDocument", "{} {}", " at line 1, column 4: expected the end of the input, found '{'"},
      {"NulAfterTheValue", std::string("{}\0", 3), " at line 1, column 3: expected the end of the input, found byte 0x00"},
      {"WhitespaceOtherThanJsons", "[1,\f2]", " at line 1, column 4: expected a value, found byte 0x0C"},
      // A repeated key is refused as soon as it is read, before what follows it.
      {"DuplicateBeforeATruncation", R"({"a": 1, "a")",
       ": duplicate key \"a\" at the top level; each key may appear once per object"},
      {"DuplicateBeforeASyntaxError", R"({"x": [{"a": 1, "\u0061" 2}]})",
       ": duplicate key \"a\" at x[0]; each key may appear once per object"},
      {"DuplicateWithAQuoteInThePath", R"({"a\"b": {"c": 1, "c": 2}})",
       ": duplicate key \"c\" at [\"a\\\"b\"]; each key may appear once per object"},
  };
  // nlohmann::json::parse refuses the others too: it reads a repeated key (keeping the last value), and it
  // stops at a NUL byte as if the input ended there.
  const std::set<std::string> nlohmannReads = {"DuplicateWithAQuoteInThePath", "NulAfterTheValue"};
  for (const auto& c : cases) {
    EXPECT_EQ(rejection(c.text), "malformed JSON" + c.message) << c.name;
    EXPECT_EQ(Json::accept(c.text), nlohmannReads.count(c.name) == 1) << c.name;
  }
  // An error before a limit is reached, or the limit on a container before its depth.
  ParseLimits limits;
  limits.maxNodes = 1;
  EXPECT_EQ(rejection("[tru]", limits), "malformed JSON at line 1, column 2: invalid literal; expected true");
  limits.maxDepth = 1;
  EXPECT_EQ(rejection("[[]]", limits), "malformed JSON: document has more than 1 values");
}

TEST(StrictJsonTest, WhitespaceAfterTheValueIsFine) {
  EXPECT_TRUE(parseStrictJson("{\"a\": 1}\n\n\t \r\n").ok());
}

TEST(StrictJsonTest, DecodesEscapesAndKeepsUtf8) {
  EXPECT_EQ(*parseStrictJson(R"("a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00")"), "a\"b\\c/d\b\f\n\r\t\u00e9\U0001F600");
  EXPECT_EQ(*parseStrictJson("\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\""), "caf\u00e9 \u20ac \U0001F600");
  EXPECT_EQ(*parseStrictJson("\xEF\xBB\xBF[1]"), Json::array({1}));  // a byte order mark, as nlohmann allows
  for (const std::string text : {R"("\ud800")", R"("\udc00")", R"("\ud800\u0041")", R"("\x")", R"("\u12")",
                                  "\"\xED\xA0\x80\"", "\"\xC0\xAF\"", "\"\xF4\x90\x80\x80\""}) {
    EXPECT_THAT(rejection(text), HasSubstr("malformed JSON at line 1")) << text;
  }
}

TEST(StrictJsonTest, ReadsNumbersAsNlohmannDoes) {
  for (const std::string text : {"0", "-0", "12", "-12", "1.5", "-1.5e3", "1E+2", "2e-3", "1e-400", "123456789012345678901234"}) {
    EXPECT_EQ(*parseStrictJson(text), Json::parse(text)) << text;
  }
  EXPECT_TRUE(parseStrictJson("7")->is_number_unsigned());
  EXPECT_TRUE(parseStrictJson("-7")->is_number_integer());
  for (const std::string text : {"01", "-", "1.", ".5", "1e", "+1", "1e400", "-1e400", "0x10"}) {
    EXPECT_FALSE(parseStrictJson(text).ok()) << text;
  }
}

// Documents of every shape read exactly as nlohmann reads them, whatever was read before.
TEST(StrictJsonTest, ReadsDocumentsAsNlohmannDoes) {
  const std::vector<std::string> documents = {
      R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "labels": {"app": "x"}}})",
      R"({"a-key-longer-than-the-short-string-buffer": "a value longer than the short string buffer",
          "k": ["x", "y", {"z": null, "n": -1.5}], "e": {}, "f": [], "b": true})",
      R"([[["deep"]], {"m": [{"n": [{"o": "p"}]}]}, "s", 1, 18446744073709551615, false, null])",
      "{\"esc\\u0061ped \\ud83d\\ude00 key\": \"tab\\tquote\\\"slash\\/ \\u00e9\", \"caf\xC3\xA9\": \"\xE2\x82\xAC\"}",
      R"({"z": 1, "y": 2, "x": {"c": "3", "b": "2", "a": "1"}})",  // keys out of order
      R"("just a string")",
      R"({})",
  };
  for (const auto& text : documents) {
    const auto parsed = parseStrictJson(text);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(*parsed, Json::parse(text)) << text;
    EXPECT_EQ(parsed->dump(), Json::parse(text).dump()) << text;
  }
}

// Random documents over a few keys, mostly in key order, some out of order and a few with a repeated
// key: every one reads exactly as nlohmann reads it, or is refused for its repeated key.
class RandomDocument {
 public:
  explicit RandomDocument(uint32_t seed) : random_(seed) {}

  std::string next(bool& repeatsAKey) {
    repeats_ = false;
    std::string text;
    write(text, 0);
    repeatsAKey = repeats_;
    return text;
  }

 private:
  uint32_t pick(uint32_t n) { return static_cast<uint32_t>(random_() % n); }

  void write(std::string& out, int depth) {
    const uint32_t kind = depth >= 4 ? 2 + pick(5) : pick(7);
    switch (kind) {
      case 0: case 1: {  // objects are the likeliest containers, as in Kubernetes
        static const std::vector<std::string> keys = {"a", "b", "env", "name", "value", "x-long-key-name-here"};
        std::vector<std::string> chosen;
        for (const auto& key : keys) {
          if (pick(3) != 0) chosen.push_back(key);
        }
        if (pick(4) == 0) std::shuffle(chosen.begin(), chosen.end(), random_);
        if (!chosen.empty() && pick(20) == 0) {
          chosen.push_back(chosen[pick(static_cast<uint32_t>(chosen.size()))]);
          repeats_ = true;
        }
        out += '{';
        for (size_t i = 0; i < chosen.size(); ++i) {
          if (i > 0) out += ',';
          out += '"' + chosen[i] + "\":";
          write(out, depth + 1);
        }
        out += '}';
        return;
      }
      case 2: {
        out += '[';
        for (uint32_t i = 0, n = pick(4); i < n; ++i) {
          if (i > 0) out += ',';
          write(out, depth + 1);
        }
        out += ']';
        return;
      }
      case 3: out += '"' + std::string(pick(40), static_cast<char>('a' + pick(3))) + '"'; return;
      case 4: out += std::to_string(static_cast<int>(pick(2000)) - 1000); return;
      case 5: out += pick(2) == 0 ? "true" : "null"; return;
      default: out += "2.5"; return;
    }
  }

  std::mt19937 random_;
  bool repeats_ = false;
};

TEST(StrictJsonTest, ReadsRandomDocumentsAsNlohmannDoes) {
  RandomDocument documents(11);
  size_t refused = 0;
  for (int i = 0; i < 3000; ++i) {
    bool repeatsAKey = false;
    const std::string text = documents.next(repeatsAKey);
    auto parsed = parseStrictJson(text);
    if (repeatsAKey) {
      ASSERT_FALSE(parsed.ok()) << text;
      EXPECT_THAT(parsed.error().message, HasSubstr("; each key may appear once per object")) << text;
      ++refused;
      continue;
    }
    ASSERT_TRUE(parsed.ok()) << parsed.error().message << "\n" << text;
    const Json expected = Json::parse(text);
    ASSERT_EQ(*parsed, expected) << text;
    ASSERT_EQ(parsed->dump(), expected.dump()) << text;
  }
  EXPECT_GT(refused, 10u);
}

// A problem is found wherever it sits, deep inside values no caller reads, with the same message.
TEST(StrictJsonTest, ChecksEveryPartOfTheDocument) {
  struct Case {
    std::string name;
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"DuplicateKeyInANestedMember", R"({"kind": "Pod", "spec": {"a": {"x": 1, "x": 2}}})",
       "duplicate key \"x\" at spec.a"},
      {"EscapedDuplicate", R"({"spec": {"ab": 1, "a\u0062": 2}})", "duplicate key \"ab\" at spec"},
      {"DuplicateAmongManyKeys", [] {
         std::string text = R"({"spec": {)";
         for (int i = 0; i < 100; ++i) text += "\"k" + std::to_string(i) + "\": 1, ";
         return text + R"("k57": 2}})";
       }(),
       "duplicate key \"k57\" at spec"},
      {"InvalidUtf8", "{\"spec\": [\"\xFF\"]}", "malformed JSON at line 1, column 12"},
      {"Syntax", R"({"spec": [1 2]})", "malformed JSON at line 1, column 13: expected ',' or ']'"},
      {"TrailingContent", R"({"kind": "Pod"} x)", "malformed JSON at line 1, column 17"},
  };
  for (const auto& c : cases) EXPECT_THAT(rejection(c.text), HasSubstr(c.message)) << c.name;

  ParseLimits limits;
  limits.maxNodes = 5;
  EXPECT_THAT(rejection(R"({"a": [1, 2, 3, 4, 5]})", limits), HasSubstr("more than 5 values"));
  limits = {};
  limits.maxDepth = 3;
  EXPECT_THAT(rejection(R"({"a": [[{}]]})", limits), HasSubstr("nesting deeper than 3 levels"));
}

}  // namespace
}  // namespace agentguard::manifest

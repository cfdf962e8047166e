// Strict JSON: duplicate keys, depth and size bounds, and errors that say where.
#include "common/manifest/strict_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

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

// The reader a caller drives to build only what it needs.
TEST(StrictJsonReaderTest, HandsOverMembersAndBuildsOnlyWhatIsRead) {
  const std::string text =
      R"({"kind": "Pod", "skipped": {"deep": [1, {"x": true}]}, "spec": {"a": 1}, "list": ["x", 2, "y"], "on": true})";
  StrictJsonReader reader(text);
  std::string kind;
  Json spec;
  std::vector<std::string> list;
  bool on = false;
  std::string_view raw;
  ASSERT_TRUE(reader.readObject([&](std::string_view key) {
    if (key == "kind") reader.readString(kind);
    if (key == "spec") reader.readValue(spec);
    if (key == "on") reader.readBoolean(on);
    if (key == "list") {
      reader.readArray([&](size_t) {
        if (reader.peek() == StrictJsonReader::Type::kString) reader.readString(list.emplace_back());
      });
    }
    if (key == "skipped") reader.skipValue(&raw);
  })) << reader.error().message;
  ASSERT_TRUE(reader.finish()) << reader.error().message;
  EXPECT_EQ(kind, "Pod");
  EXPECT_EQ(spec, Json::parse(R"({"a": 1})"));
  EXPECT_EQ(list, (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(on);
  EXPECT_EQ(raw, R"({"deep": [1, {"x": true}]})");
}

TEST(StrictJsonReaderTest, ChecksWhatItSkipsAsIfItWereBuilt) {
  struct Case {
    std::string name;
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"DuplicateKeyInAnUnreadMember", R"({"kind": "Pod", "spec": {"a": {"x": 1, "x": 2}}})",
       "duplicate key \"x\" at spec.a"},
      {"DuplicateKeyOfTheReadObject", R"({"kind": "Pod", "kind": "Service"})", "duplicate key \"kind\" at the top level"},
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
  for (const auto& c : cases) {
    StrictJsonReader reader(c.text);
    std::string kind;
    const bool ok = reader.readObject([&](std::string_view key) {
      if (key == "kind") reader.readString(kind);
    }) && reader.finish();
    EXPECT_FALSE(ok) << c.name;
    EXPECT_THAT(reader.error().message, HasSubstr(c.message)) << c.name;
    EXPECT_EQ(reader.error().message, parseStrictJson(c.text).error().message) << c.name;
  }
}

TEST(StrictJsonReaderTest, CountsSkippedValuesTowardTheLimits) {
  ParseLimits limits;
  limits.maxNodes = 5;
  StrictJsonReader counted(R"({"a": [1, 2, 3, 4, 5]})", limits);
  EXPECT_FALSE(counted.readObject([](std::string_view) {}));
  EXPECT_THAT(counted.error().message, HasSubstr("more than 5 values"));

  limits = {};
  limits.maxDepth = 3;
  StrictJsonReader deep(R"({"a": [[{}]]})", limits);
  EXPECT_FALSE(deep.readObject([](std::string_view) {}));
  EXPECT_THAT(deep.error().message, HasSubstr("nesting deeper than 3 levels"));
}

TEST(StrictJsonReaderTest, StopsAtTheFirstProblem) {
  StrictJsonReader reader(R"({"a": tru})");
  EXPECT_EQ(reader.peek(), StrictJsonReader::Type::kObject);
  EXPECT_FALSE(reader.readObject([](std::string_view) {}));
  EXPECT_TRUE(reader.failed());
  EXPECT_EQ(reader.peek(), StrictJsonReader::Type::kInvalid);
  EXPECT_FALSE(reader.finish());
  EXPECT_THAT(reader.error().message, HasSubstr("line 1, column 7"));
}

}  // namespace
}  // namespace agentguard::manifest

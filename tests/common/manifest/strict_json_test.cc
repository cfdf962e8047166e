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

}  // namespace
}  // namespace agentguard::manifest

#include "common/decision/canonical_json.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <limits>

namespace agentguard::decision {
namespace {

double fromBits(std::uint64_t bits) { return std::bit_cast<double>(bits); }

// RFC 8785 Appendix B: IEEE-754 binary64 bits and their ECMAScript form.
TEST(CanonicalJsonTest, NumbersMatchTheRfcAppendixBVectors) {
  const struct {
    std::uint64_t bits;
    const char* expected;
  } kCases[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
  };
  for (const auto& c : kCases) {
    Result<std::string> text = ecmaScriptNumber(fromBits(c.bits));
    ASSERT_TRUE(text.ok()) << std::hex << c.bits;
    EXPECT_EQ(*text, c.expected) << std::hex << c.bits;
    Result<std::string> inDocument = canonicalJson(nlohmann::json(fromBits(c.bits)));
    ASSERT_TRUE(inDocument.ok());
    EXPECT_EQ(*inDocument, c.expected);
  }
}

TEST(CanonicalJsonTest, NanAndInfinityAreRefused) {
  EXPECT_FALSE(ecmaScriptNumber(fromBits(0x7fffffffffffffff)).ok());
  EXPECT_FALSE(ecmaScriptNumber(fromBits(0x7ff0000000000000)).ok());
  EXPECT_FALSE(canonicalJson(nlohmann::json{{"a", -std::numeric_limits<double>::infinity()}}).ok());
}

// RFC 8785 section 3.2.2 example.
TEST(CanonicalJsonTest, SerializesTheRfcExample) {
  const auto input = nlohmann::json::parse(R"({
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })");
  Result<std::string> text = canonicalJson(input);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                   "\"string\":\"\xE2\x82\xAC$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

// RFC 8785 section 3.2.3: members sort by UTF-16 code units, so U+1F600 (surrogates D83D DE00) sorts
// before U+FB33 although its UTF-8 bytes sort after.
TEST(CanonicalJsonTest, SortsMembersByUtf16CodeUnits) {
  const auto input = nlohmann::json::parse(R"({
    "\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"})");
  Result<std::string> text = canonicalJson(input);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xC2\x80\":\"Control\","
                   "\"\xC3\xB6\":\"Latin Small Letter O With Diaeresis\",\"\xE2\x82\xAC\":\"Euro Sign\","
                   "\"\xF0\x9F\x98\x80\":\"Emoji: Grinning Face\",\"\xEF\xAC\xB3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

TEST(CanonicalJsonTest, IntegersBeyondTwoToThe53AreWrittenAsTheirDouble) {
  EXPECT_EQ(*canonicalJson(nlohmann::json(std::uint64_t{9007199254740993u})), "9007199254740992");
  EXPECT_EQ(*canonicalJson(nlohmann::json(std::int64_t{-9007199254740993})), "-9007199254740992");
  EXPECT_EQ(*canonicalJson(nlohmann::json(std::int64_t{-42})), "-42");
  EXPECT_EQ(*canonicalJson(nlohmann::json::parse("[1.0, 100, 1e2]")), "[1,100,100]");
}

TEST(CanonicalJsonTest, InvalidUtf8IsRefused) {
  EXPECT_FALSE(canonicalJson(nlohmann::json(std::string("\xff"))).ok());
  nlohmann::json object = nlohmann::json::object();
  object[std::string("\xc3")] = 1;
  EXPECT_FALSE(canonicalJson(object).ok());
}

// Plain ASCII strings take a shortcut; the characters beside it still go through the escaping path.
TEST(CanonicalJsonTest, StringsAtTheEdgeOfPlainAsciiAreEscapedAsRfc8785Says) {
  const nlohmann::json value = {{"plain", " ~azAZ09!#"}, {"quote", "a\"b"}, {"backslash", "a\\b"},
                                {"control", std::string("a\x1f\x7f", 3)}, {"newline", "a\nb"},
                                {"unicode", "\xc3\xa9"}};
  EXPECT_EQ(*canonicalJson(value),
            "{\"backslash\":\"a\\\\b\",\"control\":\"a\\u001f\x7f\",\"newline\":\"a\\nb\",\"plain\":\" ~azAZ09!#\","
            "\"quote\":\"a\\\"b\",\"unicode\":\"\xc3\xa9\"}");
  EXPECT_FALSE(canonicalJson(nlohmann::json{{"k", std::string("\xc0\xaf")}}).ok());  // overlong '/'
}

}  // namespace
}  // namespace agentguard::decision

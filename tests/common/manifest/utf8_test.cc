// The one UTF-8 decoder: every boundary RFC 3629 draws, and the encoder it pairs with.
#include "common/manifest/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace agentguard::manifest {
namespace {

TEST(Utf8Test, DecodesWellFormedSequencesAtTheirBoundaries) {
  struct Case {
    std::string text;
    char32_t point;
  };
  const std::vector<Case> cases = {
      {std::string(1, '\0'), 0x0},   {"\x7F", 0x7F},         {"\xC2\x80", 0x80},
      {"\xDF\xBF", 0x7FF},           {"\xE0\xA0\x80", 0x800}, {"\xED\x9F\xBF", 0xD7FF},
      {"\xEE\x80\x80", 0xE000},      {"\xEF\xBF\xBF", 0xFFFF}, {"\xF0\x90\x80\x80", 0x10000},
      {"\xF4\x8F\xBF\xBF", 0x10FFFF},
  };
  for (const auto& c : cases) {
    char32_t point = 0xFFFFFFFF;
    EXPECT_EQ(decodeUtf8(c.text, 0, point), c.text.size()) << c.text;
    EXPECT_EQ(point, c.point) << c.text;
    std::string encoded;
    appendUtf8(encoded, c.point);
    EXPECT_EQ(encoded, c.text);
  }
}

TEST(Utf8Test, RefusesWhatIsNotWellFormed) {
  for (const std::string text : {
           "\x80",              // a continuation byte alone
           "\xC0\x80",          // overlong forms
           "\xC1\xBF", "\xE0\x9F\xBF", "\xF0\x8F\xBF\xBF",
           "\xED\xA0\x80",      // surrogates
           "\xED\xBF\xBF",
           "\xF4\x90\x80\x80",  // beyond U+10FFFF
           "\xF5\x80\x80\x80", "\xFF",
           "\xC3",              // truncated
           "\xE2\x82", "\xF0\x9F\x98",
           "\xC3\x28",          // a lead byte without its continuation
       }) {
    char32_t point = 0;
    EXPECT_EQ(decodeUtf8(text, 0, point), 0u) << text;
  }
}

TEST(Utf8Test, DecodesAtAnOffsetWithoutReadingPastTheEnd) {
  const std::string text = "a\xC3\xA9\xE2\x82";
  char32_t point = 0;
  EXPECT_EQ(decodeUtf8(text, 1, point), 2u);
  EXPECT_EQ(point, 0xE9u);
  EXPECT_EQ(decodeUtf8(text, 3, point), 0u);
}

TEST(Utf8Test, TellsWholeTextsApart) {
  EXPECT_TRUE(isWellFormedUtf8(""));
  EXPECT_TRUE(isWellFormedUtf8("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(isWellFormedUtf8("\xff"));
  EXPECT_FALSE(isWellFormedUtf8("\xc3"));
  EXPECT_FALSE(isWellFormedUtf8("\xed\xbf\xbf"));
  EXPECT_FALSE(isWellFormedUtf8("fine until the end \xe2\x82"));
}

}  // namespace
}  // namespace agentguard::manifest

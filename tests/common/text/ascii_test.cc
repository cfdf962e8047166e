#include "common/text/ascii.h"

#include <gtest/gtest.h>

#include <string>

namespace agentguard::text {
namespace {

// Every byte value: each class holds exactly the characters written out here.
TEST(AsciiTest, EachClassHoldsExactlyItsCharacters) {
  const std::string digits = "0123456789";
  const std::string upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const std::string lower = "abcdefghijklmnopqrstuvwxyz";
  const std::string hex = digits + "abcdefABCDEF";
  for (int i = 0; i < 256; ++i) {
    const char c = static_cast<char>(i);
    SCOPED_TRACE(i);
    const bool digit = digits.find(c) != std::string::npos;
    const bool up = upper.find(c) != std::string::npos;
    const bool low = lower.find(c) != std::string::npos;
    EXPECT_EQ(isDigit(c), digit);
    EXPECT_EQ(isUpper(c), up);
    EXPECT_EQ(isLower(c), low);
    EXPECT_EQ(isLetter(c), up || low);
    EXPECT_EQ(isAlnum(c), up || low || digit);
    EXPECT_EQ(isLowerAlnum(c), low || digit);
    EXPECT_EQ(isHexDigit(c), hex.find(c) != std::string::npos);
    EXPECT_EQ(toLower(c), up ? lower[upper.find(c)] : c);
  }
}

}  // namespace
}  // namespace agentguard::text

#include "gate/policy/max_length_matcher.h"

#include <gtest/gtest.h>

#include <string>

namespace agentguard::gate::policy {
namespace {

constexpr std::string_view kWhere = "tools.servers[mail].arguments.send_email./body";

TEST(MaxLengthMatcherTest, CountsCodePointsNotBytes) {
  Result<MaxLengthMatcher> parsed = MaxLengthMatcher::parse(4, "spec.x.maxLength");
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->check("abcd", kWhere));
  EXPECT_FALSE(parsed->check("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", kWhere));           // 4 x U+00E9, 8 bytes
  EXPECT_FALSE(parsed->check("\xF0\x9F\x98\x80\xF0\x9F\x98\x80", kWhere));           // 2 emoji, 8 bytes
  EXPECT_FALSE(parsed->check("", kWhere));
  EXPECT_TRUE(parsed->check("abcde", kWhere));
  EXPECT_TRUE(parsed->check("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", kWhere));
}

TEST(MaxLengthMatcherTest, OverlongStringsAreRefusedWithTheirLength) {
  Result<MaxLengthMatcher> parsed = MaxLengthMatcher::parse(4096, "spec.x.maxLength");
  ASSERT_TRUE(parsed.ok());
  const Refusal refusal = parsed->check(std::string(1 << 20, 'x'), kWhere);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(*refusal, "the string is 1048576 characters long, over tools.servers[mail].arguments.send_email./body."
                      "maxLength (4096); send at most 4096 characters");
}

TEST(MaxLengthMatcherTest, NonStringsAreRefused) {
  Result<MaxLengthMatcher> parsed = MaxLengthMatcher::parse(10, "p");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->check(5, kWhere));
  EXPECT_TRUE(parsed->check(nlohmann::json::array({"a"}), kWhere));
  EXPECT_TRUE(parsed->check(nlohmann::json::object(), kWhere));
}

TEST(MaxLengthMatcherTest, BadLimitsAreRefused) {
  EXPECT_FALSE(MaxLengthMatcher::parse(-1, "p").ok());
  EXPECT_FALSE(MaxLengthMatcher::parse(1.5, "p").ok());
  EXPECT_FALSE(MaxLengthMatcher::parse("10", "p").ok());
  EXPECT_TRUE(MaxLengthMatcher::parse(0, "p").ok());
}

}  // namespace
}  // namespace agentguard::gate::policy

#include "gate/policy/regex_matcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace agentguard::gate::policy {
namespace {

constexpr std::string_view kWhere = "tools.servers[web].arguments.search./query";

RegexMatcher matcher(std::string_view pattern) {
  Result<RegexMatcher> parsed = RegexMatcher::parse(nlohmann::json(pattern), "spec.x.regex");
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return std::move(parsed).value();
}

TEST(RegexMatcherTest, TheWholeValueMustMatch) {
  const RegexMatcher lower = matcher("[a-z ]{1,64}");
  EXPECT_FALSE(lower.check("kubernetes network policy", kWhere));
  EXPECT_TRUE(lower.check("kubernetes; rm -rf /", kWhere));   // a match inside is not enough
  EXPECT_TRUE(lower.check("abc\n", kWhere));                  // no newline sneaks past '$'
  EXPECT_TRUE(lower.check("", kWhere));
  EXPECT_TRUE(lower.check(std::string(65, 'a'), kWhere));
  const RegexMatcher anchored = matcher("^[a-z ]{1,64}$");
  EXPECT_FALSE(anchored.check("network", kWhere));
  EXPECT_TRUE(anchored.check("network\n", kWhere));
}

TEST(RegexMatcherTest, UnicodeIsMatchedByCodePoint) {
  const RegexMatcher one = matcher("^.$");
  EXPECT_FALSE(one.check("\xC3\xA9", kWhere));
  EXPECT_TRUE(one.check("ab", kWhere));
}

TEST(RegexMatcherTest, CatastrophicPatternsRunInLinearTime) {
  const RegexMatcher nested = matcher("(a+)+$");
  const RegexMatcher alternation = matcher("(a|aa)*b");
  const std::string input = std::string(200000, 'a') + "!";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(nested.check(input, kWhere));
  EXPECT_TRUE(alternation.check(input, kWhere));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(RegexMatcherTest, PatternsRe2RefusesAreErrorsWhenThePolicyIsRead) {
  for (const char* pattern : {"(a)\\1", "(?=a)b", "(?<!a)b", "[", "a{1001}", "(?P<x"}) {
    Result<RegexMatcher> parsed = RegexMatcher::parse(nlohmann::json(pattern), "spec.tools.servers[1].arguments.search./q.regex");
    ASSERT_FALSE(parsed.ok()) << pattern;
    EXPECT_TRUE(parsed.error().message.starts_with("spec.tools.servers[1].arguments.search./q.regex: "))
        << parsed.error().message;
  }
  EXPECT_FALSE(RegexMatcher::parse(nlohmann::json(""), "p").ok());
  EXPECT_FALSE(RegexMatcher::parse(nlohmann::json(3), "p").ok());
  EXPECT_FALSE(RegexMatcher::parse(nlohmann::json(std::string(RegexMatcher::kMaxPatternBytes + 1, 'a')), "p").ok());
}

TEST(RegexMatcherTest, PatternsThatCompileTooLargeAreRefused) {
  EXPECT_FALSE(RegexMatcher::parse(nlohmann::json("((((a{100}){100}){100}){100})"), "p").ok());
}

TEST(RegexMatcherTest, NonStringValuesAreRefused) {
  const RegexMatcher digits = matcher("[0-9]+");
  EXPECT_FALSE(digits.check("42", kWhere));
  EXPECT_TRUE(digits.check(42, kWhere));
  EXPECT_TRUE(digits.check(nlohmann::json::array({"42"}), kWhere));
}

TEST(RegexMatcherTest, RefusalNamesThePattern) {
  const Refusal refusal = matcher("[a-z]+").check("ABC", kWhere);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(*refusal, "\"ABC\" does not match tools.servers[web].arguments.search./query.regex \"[a-z]+\"; "
                      "send a value the whole of which matches it");
}

}  // namespace
}  // namespace agentguard::gate::policy

#include "gate/policy/enum_matcher.h"

#include <gtest/gtest.h>

namespace agentguard::gate::policy {
namespace {

constexpr std::string_view kWhere = "tools.servers[mail].arguments.send_email./to";

TEST(EnumMatcherTest, OnlyListedValuesPassExactly) {
  Result<EnumMatcher> parsed = EnumMatcher::parse({"ops@example.com", "oncall@example.com", 3, true}, "spec.x.enum");
  ASSERT_TRUE(parsed.ok());
  const EnumMatcher& to = *parsed;
  EXPECT_FALSE(to.check("ops@example.com", kWhere));
  EXPECT_FALSE(to.check(3, kWhere));
  EXPECT_FALSE(to.check(true, kWhere));
  EXPECT_TRUE(to.check("OPS@example.com", kWhere));
  EXPECT_TRUE(to.check("ops@example.com ", kWhere));
  EXPECT_TRUE(to.check("ops@example.com,evil@example.com", kWhere));
  EXPECT_TRUE(to.check(nlohmann::json::array({"ops@example.com"}), kWhere));
  EXPECT_TRUE(to.check(nlohmann::json{{"to", "ops@example.com"}}, kWhere));
  EXPECT_TRUE(to.check("3", kWhere));
  EXPECT_TRUE(to.check(nullptr, kWhere));
  EXPECT_TRUE(to.check(std::string("ops@example.com\0evil", 20), kWhere));
}

TEST(EnumMatcherTest, RefusalListsTheValues) {
  Result<EnumMatcher> parsed = EnumMatcher::parse({"a", "b"}, "spec.x.enum");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->check("c", kWhere),
            "\"c\" is not in tools.servers[mail].arguments.send_email./to.enum (\"a\", \"b\"); call with one of those values");
}

TEST(EnumMatcherTest, BadListsAreRefused) {
  EXPECT_FALSE(EnumMatcher::parse(nlohmann::json::array(), "p").ok());
  EXPECT_FALSE(EnumMatcher::parse("a", "p").ok());
  EXPECT_FALSE(EnumMatcher::parse(nlohmann::json::array({nlohmann::json::object()}), "p").ok());
  EXPECT_FALSE(EnumMatcher::parse(nlohmann::json::array({nullptr}), "p").ok());
}

}  // namespace
}  // namespace agentguard::gate::policy

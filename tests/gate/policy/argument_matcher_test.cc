#include "gate/policy/argument_matcher.h"

#include <gtest/gtest.h>

namespace agentguard::gate::policy {
namespace {

ArgumentMatcher matcher(std::string_view pointer, const nlohmann::json& spec) {
  Result<ArgumentMatcher> parsed = ArgumentMatcher::parse(pointer, spec, "spec.tools.servers[0].arguments.t." + std::string(pointer),
                                                          "tools.servers[s].arguments.t." + std::string(pointer));
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return std::move(parsed).value();
}

TEST(ArgumentMatcherTest, AbsentArgumentsAreRefusedUnlessOptional) {
  const ArgumentMatcher required = matcher("/url", {{"urlHosts", {"docs.example.com"}}});
  EXPECT_FALSE(required.check({{"url", "https://docs.example.com/"}}));
  const Refusal missing = required.check(nlohmann::json::object());
  ASSERT_TRUE(missing);
  EXPECT_EQ(*missing, "arguments/url: missing, and tools.servers[s].arguments.t./url requires it; send it");
  const ArgumentMatcher optional = matcher("/url", {{"urlHosts", {"docs.example.com"}}, {"optional", true}});
  EXPECT_FALSE(optional.check(nlohmann::json::object()));
  EXPECT_TRUE(optional.check({{"url", "https://evil.com/"}}));
  EXPECT_TRUE(optional.check({{"url", nullptr}}));  // present as null is not absent
}

TEST(ArgumentMatcherTest, AllKeysMustHold) {
  const ArgumentMatcher query = matcher("/query", {{"regex", "^[a-z ]+$"}, {"maxLength", 8}});
  EXPECT_FALSE(query.check({{"query", "short"}}));
  EXPECT_TRUE(query.check({{"query", "much too long"}}));
  EXPECT_TRUE(query.check({{"query", "BAD"}}));
}

TEST(ArgumentMatcherTest, RefusalStartsWithThePointer) {
  const ArgumentMatcher url = matcher("/url", {{"urlHosts", {"docs.example.com"}}});
  const Refusal refusal = url.check({{"url", "https://evil.example/"}});
  ASSERT_TRUE(refusal);
  EXPECT_TRUE(refusal->starts_with("arguments/url: host \"evil.example\" is not in tools.servers[s].arguments.t./url.urlHosts"))
      << *refusal;
}

TEST(ArgumentMatcherTest, EscapedPointersNameTheirKey) {
  const ArgumentMatcher slash = matcher("/a~1b", {{"enum", {"x"}}});
  EXPECT_FALSE(slash.check({{"a/b", "x"}}));
  EXPECT_TRUE(slash.check({{"a/b", "y"}}));
  EXPECT_TRUE(slash.check({{"a", {{"b", "x"}}}}));  // a different argument: absent
  const ArgumentMatcher tilde = matcher("/m~0n", {{"enum", {"x"}}});
  EXPECT_FALSE(tilde.check({{"m~n", "x"}}));
  EXPECT_TRUE(tilde.check({{"m~n", "y"}}));
}

TEST(ArgumentMatcherTest, MisspeltOrEmptyMatchersAreRefused) {
  for (const nlohmann::json& spec :
       {nlohmann::json::object(), nlohmann::json{{"optional", true}}, nlohmann::json{{"maxlength", 5}},
        nlohmann::json{{"urlHosts", {"a.com"}}, {"urlhost", {"b.com"}}}, nlohmann::json{{"optional", "yes"}, {"maxLength", 1}},
        nlohmann::json("maxLength"), nlohmann::json::array()}) {
    Result<ArgumentMatcher> parsed = ArgumentMatcher::parse("/x", spec, "spec.tools.servers[0].arguments.t./x", "l");
    EXPECT_FALSE(parsed.ok()) << spec.dump();
  }
  EXPECT_FALSE(ArgumentMatcher::parse("x", {{"maxLength", 1}}, "p", "l").ok());
  EXPECT_FALSE(ArgumentMatcher::parse("/a~2", {{"maxLength", 1}}, "p", "l").ok());
}

}  // namespace
}  // namespace agentguard::gate::policy

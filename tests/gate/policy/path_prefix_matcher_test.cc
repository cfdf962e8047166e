#include "gate/policy/path_prefix_matcher.h"

#include <gtest/gtest.h>

#include <string>

namespace agentguard::gate::policy {
namespace {

constexpr std::string_view kWhere = "tools.servers[files].arguments.read_file./path";

PathPrefixMatcher matcher(const nlohmann::json& prefixes) {
  Result<PathPrefixMatcher> parsed = PathPrefixMatcher::parse(prefixes, "spec.x.pathPrefixes");
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return std::move(parsed).value();
}

struct PathCase {
  const char* name;
  std::string path;
  bool allowed;
};

TEST(PathPrefixMatcherTest, TrailingSlashPrefixMatchesOnlyBelowIt) {
  const PathPrefixMatcher prefixes = matcher({"/workspace/"});
  const PathCase kCases[] = {
      {"file below", "/workspace/a", true},
      {"deeper", "/workspace/a/b/c.txt", true},
      {"the directory itself with slash", "/workspace/", true},
      {"encoded letter", "/workspace/%61.txt", true},
      {"dots inside a name", "/workspace/a..b", true},
      {"dot file", "/workspace/.env", true},
      {"unicode name", "/workspace/r\xC3\xA9sum\xC3\xA9.txt", true},
      {"the directory without slash", "/workspace", false},
      {"sibling with the same start", "/workspacex", false},
      {"sibling file", "/workspacex/a", false},
      {"parent escape", "/workspace/../etc/passwd", false},
      {"parent at the end", "/workspace/..", false},
      {"dot segment", "/workspace/./a", false},
      {"encoded parent", "/workspace/%2e%2e/etc", false},
      {"encoded parent upper-case", "/workspace/%2E%2E/etc", false},
      {"half-encoded parent", "/workspace/.%2e/etc", false},
      {"encoded slash", "/workspace/..%2fetc", false},
      {"encoded slash upper-case", "/workspace%2F../etc", false},
      {"encoded backslash", "/workspace/..%5cetc", false},
      {"double-encoded parent", "/workspace/%252e%252e/etc", false},
      {"double-encoded slash", "/workspace/..%252fetc", false},
      {"lone percent", "/workspace/100%", false},
      {"percent without hex", "/workspace/%zz", false},
      {"backslash", "/workspace\\..\\etc", false},
      {"backslash in name", "/workspace/a\\b", false},
      {"NUL", std::string("/workspace/a\0/../../etc", 23), false},
      {"encoded NUL", "/workspace/a%00.txt", false},
      {"encoded invalid UTF-8", "/workspace/%ff", false},
      {"relative", "workspace/a", false},
      {"empty", "", false},
      {"double slash before", "//workspace/a", false},
      {"other root", "/etc/passwd", false},
  };
  for (const PathCase& c : kCases) {
    const Refusal refusal = prefixes.checkPath(c.path, kWhere);
    EXPECT_EQ(!refusal.has_value(), c.allowed) << c.name << ": " << c.path << " -> " << refusal.value_or("allowed");
  }
}

TEST(PathPrefixMatcherTest, PrefixWithoutSlashMatchesItselfAndBelow) {
  const PathPrefixMatcher prefixes = matcher({"/workspace"});
  EXPECT_FALSE(prefixes.checkPath("/workspace", kWhere));
  EXPECT_FALSE(prefixes.checkPath("/workspace/", kWhere));
  EXPECT_FALSE(prefixes.checkPath("/workspace/a", kWhere));
  EXPECT_TRUE(prefixes.checkPath("/workspacex", kWhere));
  EXPECT_TRUE(prefixes.checkPath("/workspace.bak/a", kWhere));
  EXPECT_TRUE(prefixes.checkPath("/workspace/../etc", kWhere));
}

TEST(PathPrefixMatcherTest, RootPrefixAllowsEveryCleanAbsolutePath) {
  const PathPrefixMatcher prefixes = matcher({"/"});
  EXPECT_FALSE(prefixes.checkPath("/etc/hosts", kWhere));
  EXPECT_TRUE(prefixes.checkPath("/../etc/hosts", kWhere));
  EXPECT_TRUE(prefixes.checkPath("etc/hosts", kWhere));
}

TEST(PathPrefixMatcherTest, RefusalNamesThePathThePrefixesAndTheFix) {
  const PathPrefixMatcher prefixes = matcher({"/workspace/", "/tmp/out/"});
  const Refusal outside = prefixes.check("/etc/passwd", kWhere);
  ASSERT_TRUE(outside);
  EXPECT_EQ(*outside,
            "the path \"/etc/passwd\" is not under tools.servers[files].arguments.read_file./path.pathPrefixes "
            "(/workspace/, /tmp/out/); send a path under one of those");
  const Refusal traversal = prefixes.check("/workspace/../etc", kWhere);
  ASSERT_TRUE(traversal);
  EXPECT_NE(traversal->find("\"..\" segment"), std::string::npos) << *traversal;
}

TEST(PathPrefixMatcherTest, NonStringValuesAreRefused) {
  const PathPrefixMatcher prefixes = matcher({"/workspace/"});
  EXPECT_TRUE(prefixes.check(nlohmann::json::array({"/workspace/a"}), kWhere));
  EXPECT_TRUE(prefixes.check(nlohmann::json(7), kWhere));
  EXPECT_TRUE(prefixes.check(nlohmann::json(nullptr), kWhere));
}

TEST(PathPrefixMatcherTest, BadPrefixesAreRefusedWhenThePolicyIsRead) {
  for (const nlohmann::json& spec :
       {nlohmann::json::array(), nlohmann::json("/workspace/"), nlohmann::json::array({"workspace/"}),
        nlohmann::json::array({"/workspace/../"}), nlohmann::json::array({"/work%20space/"}),
        nlohmann::json::array({"/a\\b/"}), nlohmann::json::array({""}), nlohmann::json::array({5})}) {
    Result<PathPrefixMatcher> parsed = PathPrefixMatcher::parse(spec, "spec.p");
    EXPECT_FALSE(parsed.ok()) << spec.dump();
  }
}

TEST(PathPrefixMatcherTest, OverlongPathsAreDecidedWithoutTrouble) {
  const PathPrefixMatcher prefixes = matcher({"/workspace/"});
  std::string deep = "/workspace";
  for (int i = 0; i < 100000; ++i) deep += "/a";
  EXPECT_FALSE(prefixes.checkPath(deep, kWhere));
  EXPECT_TRUE(prefixes.checkPath(deep + "/..", kWhere));
}

}  // namespace
}  // namespace agentguard::gate::policy

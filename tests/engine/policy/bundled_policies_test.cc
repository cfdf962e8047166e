// The policies compiled into the binary are exactly the files under policies/ (the build regenerates the
// copy when a policy changes; this fails if the copy and its source ever disagree).
#include "engine/policy/bundled_policies.h"

#include <filesystem>
#include <map>

#include <gtest/gtest.h>

namespace agentguard::engine {
namespace {

namespace fs = std::filesystem;

const fs::path kPolicies = fs::path(AGENTGUARD_SOURCE_DIR) / "policies";

TEST(BundledPoliciesTest, EqualTheSourceFiles) {
  auto source = readPolicyFiles(kPolicies);
  ASSERT_TRUE(source.ok()) << source.error().describe();
  std::map<std::string, std::string> expected;
  for (const auto& file : *source) {
    expected.emplace(fs::relative(file.name, kPolicies).generic_string(), file.text);
  }
  std::map<std::string, std::string> bundled;
  for (const auto& file : bundledPolicyFiles()) {
    ASSERT_EQ(file.name.rfind(kBundledPolicyPrefix, 0), 0u) << file.name;
    bundled.emplace(file.name.substr(kBundledPolicyPrefix.size()), file.text);
  }
  ASSERT_FALSE(bundled.empty());
  EXPECT_EQ(bundled, expected);
}

TEST(BundledPoliciesTest, CompileToTheSameSetAsTheSourceDirectory) {
  auto bundled = compilePolicies(bundledPolicyFiles(), RuleCatalog::builtin());
  ASSERT_TRUE(bundled.ok()) << bundled.error().describe();
  auto fromDirectory = loadPolicies(kPolicies);
  ASSERT_TRUE(fromDirectory.ok()) << fromDirectory.error().describe();
  EXPECT_EQ(bundled->digest, fromDirectory->digest);
  EXPECT_EQ(bundled->rules.size(), fromDirectory->rules.size());
  EXPECT_EQ(bundled->policies.size(), fromDirectory->policies.size());
}

}  // namespace
}  // namespace agentguard::engine

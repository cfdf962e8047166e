// The policy set's digest depends on what the policies say, not on how the files spell or split it.
#include "engine/policy/policy_digest.h"

#include <gtest/gtest.h>

#include "engine/policy/policy_loader.h"

namespace agentguard::engine {
namespace {

std::string digestOf(const std::vector<PolicyFile>& files) {
  auto set = compilePolicies(files, RuleCatalog::builtin());
  EXPECT_TRUE(set.ok()) << (set.ok() ? "" : set.error().describe());
  return set.ok() ? set->digest : std::string();
}

constexpr std::string_view kExposure =
    "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: exposure}\n"
    "spec:\n  rules:\n    - id: exposure.service-nodeport\n      action: deny\n";
constexpr std::string_view kIngress =
    "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: ingress}\n"
    "spec:\n  rules:\n    - id: exposure.ingress\n      action: warn\n";

TEST(PolicyDigestTest, IsSha256Hex) {
  EXPECT_EQ(policyDigest({}), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string digest = digestOf({{"a.yaml", std::string(kExposure)}});
  EXPECT_EQ(digest.size(), 7u + 64u);
  EXPECT_EQ(digest.rfind("sha256:", 0), 0u);
}

TEST(PolicyDigestTest, IgnoresFileNamesCommentsStyleKeyOrderAndSplitting) {
  const std::string base = digestOf({{"a.yaml", std::string(kExposure)}, {"b.yaml", std::string(kIngress)}});
  EXPECT_EQ(digestOf({{"z/other-name.yml", std::string(kExposure)}, {"b.yaml", std::string(kIngress)}}), base);
  EXPECT_EQ(digestOf({{"one.yaml", std::string(kIngress) + "---\n" + std::string(kExposure)}}), base);
  EXPECT_EQ(digestOf({{"a.yaml", "# a comment\nkind: Policy\napiVersion: agentguard.io/v1alpha1\n"
                                 "metadata:\n  name: exposure\nspec: {rules: [{action: deny, id: exposure.service-nodeport}]}\n"},
                      {"b.json", R"({"apiVersion":"agentguard.io/v1alpha1","kind":"Policy","metadata":{"name":"ingress"},)"
                                 R"("spec":{"rules":[{"id":"exposure.ingress","action":"warn"}]}})"}}),
            base);
}

TEST(PolicyDigestTest, ChangesWithMeaning) {
  const std::string base = digestOf({{"a.yaml", std::string(kExposure)}});
  std::string audit(kExposure);
  audit.replace(audit.find("deny"), 4, "audit");
  EXPECT_NE(digestOf({{"a.yaml", audit}}), base);
  EXPECT_NE(digestOf({{"a.yaml", std::string(kExposure)}, {"b.yaml", std::string(kIngress)}}), base);
  std::string exempt = std::string(kExposure) + "  exemptions: {namespaces: [agents]}\n";
  EXPECT_NE(digestOf({{"a.yaml", exempt}}), base);
}

}  // namespace
}  // namespace agentguard::engine

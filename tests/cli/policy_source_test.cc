// Which policies `agentguard check` applies, and that every report format names them by digest: the
// bundled policies unless --policies or $AGENTGUARD_POLICIES names others, never ./policies.
#include <cstdlib>
#include <optional>
#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/command_line.h"
#include "engine/policy/bundled_policies.h"
#include "tests/cli/cli_fixture.h"

namespace agentguard::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using testing::kBundledPolicies;
using testing::RunResult;
using testing::runAgentguard;
using testing::ScratchDir;
using testing::WorkingDirectory;

constexpr std::string_view kNodePortService =
    "apiVersion: v1\nkind: Service\nmetadata: {name: debug, namespace: agents}\nspec: {type: NodePort}\n";

// Turns every rule it names into an audit: what an agent would drop into its workspace.
constexpr std::string_view kPermissivePolicy =
    "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: permissive}\n"
    "spec:\n  rules:\n    - {id: exposure.service-nodeport, action: audit}\n";

// Sets an environment variable for the lifetime of the object and restores the previous value.
class ScopedEnvironment {
 public:
  ScopedEnvironment(std::string name, const std::string& value) : name_(std::move(name)) {
    if (const char* previous = std::getenv(name_.c_str())) previous_ = previous;
    setenv(name_.c_str(), value.c_str(), 1);
  }
  ~ScopedEnvironment() {
    if (previous_) setenv(name_.c_str(), previous_->c_str(), 1);
    else unsetenv(name_.c_str());
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  std::string name_;
  std::optional<std::string> previous_;
};

std::string bundledDigest() {
  auto set = engine::compilePolicies(engine::bundledPolicyFiles(), engine::RuleCatalog::builtin());
  EXPECT_TRUE(set.ok());
  return set.ok() ? set->digest : std::string();
}

nlohmann::json jsonPolicies(const RunResult& result) { return nlohmann::json::parse(result.out)["policies"]; }

TEST(PolicySourceTest, WorkingDirectoryPoliciesAreIgnored) {
  const ScopedEnvironment unset(std::string(kPoliciesEnvironmentVariable), "");
  ScratchDir dir;
  dir.write("policies/permissive.yaml", kPermissivePolicy);
  const auto manifest = dir.write("svc.yaml", kNodePortService);
  const WorkingDirectory cwd(dir.path());
  const auto result = runAgentguard({"check", "--output=json", manifest.string()});
  EXPECT_EQ(result.exitCode, 1) << result.out << result.err;
  EXPECT_EQ(jsonPolicies(result), nlohmann::json({{"source", "bundled"}, {"digest", bundledDigest()}}));
}

TEST(PolicySourceTest, EnvironmentVariableNamesADirectory) {
  ScratchDir dir;
  const auto policy = dir.write("mine/permissive.yaml", kPermissivePolicy);
  const auto manifest = dir.write("svc.yaml", kNodePortService);
  const ScopedEnvironment env(std::string(kPoliciesEnvironmentVariable), policy.parent_path().string());
  const auto result = runAgentguard({"check", "--output=json", manifest.string()});
  EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
  EXPECT_EQ(jsonPolicies(result)["source"], policy.parent_path().string());
  EXPECT_NE(jsonPolicies(result)["digest"], bundledDigest());
}

TEST(PolicySourceTest, FlagWinsOverEnvironment) {
  ScratchDir dir;
  const auto policy = dir.write("mine/permissive.yaml", kPermissivePolicy);
  const auto manifest = dir.write("svc.yaml", kNodePortService);
  const ScopedEnvironment env(std::string(kPoliciesEnvironmentVariable), policy.parent_path().string());
  const auto result = runAgentguard({"check", "--policies", kBundledPolicies.string(), "--output=json", manifest.string()});
  EXPECT_EQ(result.exitCode, 1) << result.out << result.err;
  // The source tree's policies are the bundled ones: same digest.
  EXPECT_EQ(jsonPolicies(result)["digest"], bundledDigest());
}

TEST(PolicySourceTest, MissingEnvironmentDirectoryIsAnError) {
  ScratchDir dir;
  const auto manifest = dir.write("svc.yaml", kNodePortService);
  const ScopedEnvironment env(std::string(kPoliciesEnvironmentVariable), (dir.path() / "absent").string());
  const auto result = runAgentguard({"check", manifest.string()});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr("does not exist"));
}

TEST(PolicySourceTest, EveryFormatPrintsTheDigest) {
  const ScopedEnvironment unset(std::string(kPoliciesEnvironmentVariable), "");
  ScratchDir dir;
  const auto manifest = dir.write("svc.yaml", kNodePortService);
  const std::string digest = bundledDigest();
  ASSERT_THAT(digest, MatchesRegex("sha256:[0-9a-f]{64}"));

  const auto text = runAgentguard({"check", manifest.string()});
  EXPECT_THAT(text.out, HasSubstr("policies: bundled " + digest + "\n"));

  const auto sarif = nlohmann::json::parse(runAgentguard({"check", "--output=sarif", manifest.string()}).out);
  EXPECT_EQ(sarif["runs"][0]["properties"]["policyDigest"], digest);
  EXPECT_EQ(sarif["runs"][0]["properties"]["policySource"], "bundled");

  const auto junit = runAgentguard({"check", "--output=junit", manifest.string()});
  EXPECT_THAT(junit.out, HasSubstr("<property name=\"agentguard.policyDigest\" value=\"" + digest + "\"/>"));
  EXPECT_THAT(junit.out, HasSubstr("<property name=\"agentguard.policySource\" value=\"bundled\"/>"));
  EXPECT_EQ(testing::xmlProblem(junit.out), "");

  const auto json = runAgentguard({"check", "--output=json", manifest.string()});
  EXPECT_EQ(jsonPolicies(json)["digest"], digest);
}

}  // namespace
}  // namespace agentguard::cli

// The bundled examples tell the project's story: every file in examples/unsafe is refused, everything in
// examples/hardened passes every bundled rule without even a warning.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/manifest/manifest_object.h"
#include "engine/engine.h"
#include "engine/network/document_network_policy_source.h"
#include "engine/policy/policy_loader.h"

namespace agentguard::engine {
namespace {

namespace fs = std::filesystem;

Findings checkFile(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  auto objects = manifest::loadManifests(text.str(), path.string());
  EXPECT_TRUE(objects.ok()) << path;
  if (!objects.ok()) return {};
  auto policies = loadPolicies(fs::path(AGENTGUARD_SOURCE_DIR) / "policies");
  EXPECT_TRUE(policies.ok());
  if (!policies.ok()) return {};
  const Engine engine(std::make_shared<const PolicySet>(std::move(policies).value()));
  const DocumentNetworkPolicySource source(*objects, "default");
  EvaluationContext context;
  context.networkPolicies = &source;
  Findings all;
  for (const auto& object : *objects) {
    for (auto& finding : engine.evaluate(object.body, context)) all.push_back(std::move(finding));
  }
  return all;
}

TEST(ExamplesTest, EveryUnsafeExampleIsDenied) {
  int files = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(AGENTGUARD_SOURCE_DIR) / "examples" / "unsafe")) {
    ++files;
    EXPECT_TRUE(hasDeny(checkFile(entry.path()))) << entry.path() << " should be denied";
  }
  EXPECT_GE(files, 4);
}

TEST(ExamplesTest, HardenedExamplesPassWithoutWarnings) {
  int files = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(AGENTGUARD_SOURCE_DIR) / "examples" / "hardened")) {
    ++files;
    for (const auto& finding : checkFile(entry.path())) ADD_FAILURE() << entry.path() << ": " << finding.describe();
  }
  EXPECT_GE(files, 1);
}

}  // namespace
}  // namespace agentguard::engine

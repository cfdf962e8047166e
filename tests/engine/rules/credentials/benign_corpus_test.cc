// Realistic manifests that must stay free of credentials findings: the hardened examples, the rendered
// output of this repository's Helm chart and platform workloads that name credentials without holding
// them (tests/engine/rules/credentials/benign/). A false alarm sends an agent into a retry loop, so a
// rule change that flags any of them fails here.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/manifest/manifest_object.h"
#include "engine/engine.h"
#include "engine/network/document_network_policy_source.h"
#include "engine/policy/policy_loader.h"

namespace agentguard::engine {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> corpusFiles() {
  std::vector<fs::path> files;
  for (const auto& dir : {fs::path(AGENTGUARD_SOURCE_DIR) / "examples" / "hardened",
                          fs::path(AGENTGUARD_SOURCE_DIR) / "tests" / "engine" / "rules" / "credentials" / "benign"}) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() == ".yaml") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(BenignCorpusTest, HasNoCredentialsFindings) {
  auto policies = loadPolicies(fs::path(AGENTGUARD_SOURCE_DIR) / "policies");
  ASSERT_TRUE(policies.ok()) << policies.error().describe();
  const Engine engine(std::make_shared<const PolicySet>(std::move(policies).value()));
  size_t objects = 0;
  size_t files = 0;
  for (const auto& path : corpusFiles()) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    auto loaded = manifest::loadManifests(text.str(), path.filename().string());
    ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
    const DocumentNetworkPolicySource source(*loaded, "default");
    EvaluationContext context;
    context.networkPolicies = &source;
    for (const auto& object : *loaded) {
      ++objects;
      for (const auto& finding : engine.evaluate(object.body, context)) {
        if (finding.category == "credentials") ADD_FAILURE() << path.filename() << ": " << finding.describe();
      }
    }
    ++files;
  }
  // The chart renders some twenty objects per mode; the corpus must not shrink unnoticed.
  EXPECT_GE(files, 4u);
  EXPECT_GE(objects, 50u);
}

}  // namespace
}  // namespace agentguard::engine

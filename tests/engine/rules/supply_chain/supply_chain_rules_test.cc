// The supply-chain rules through the engine, with policies the bundled one does not ship: a registry
// allow-list (off by default, see policies/supply-chain/policy.yaml) and requireDigest.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/manifest/manifest_object.h"
#include "engine/engine.h"
#include "engine/policy/policy_loader.h"

namespace agentguard::engine {
namespace {

Result<PolicySet> compile(const std::string& rules) {
  const std::string text = R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata:
  name: supply-chain
spec:
  rules:
)" + rules;
  return compilePolicies({PolicyFile{"test-policy.yaml", text}}, RuleCatalog::builtin());
}

// "rule path" of every finding, plus the findings themselves for message checks.
std::vector<std::string> check(const std::string& rules, std::string_view yaml, Findings* out = nullptr) {
  auto policies = compile(rules);
  EXPECT_TRUE(policies.ok()) << (policies.ok() ? "" : policies.error().describe());
  if (!policies.ok()) return {};
  const Engine engine(std::make_shared<const PolicySet>(std::move(policies).value()));
  auto objects = manifest::loadManifests(yaml, "test.yaml");
  EXPECT_TRUE(objects.ok());
  std::vector<std::string> found;
  if (!objects.ok()) return found;
  for (const auto& object : *objects) {
    for (auto& finding : engine.evaluate(object.body, EvaluationContext{})) {
      found.push_back(finding.rule + " " + finding.path);
      if (out != nullptr) out->push_back(std::move(finding));
    }
  }
  return found;
}

const std::string kRegistries = R"(    - id: supply-chain.allowed-registries
      parameters:
        allowedRegistries: [registry.example.com, ghcr.io/example-org, "*.dkr.ecr.eu-west-1.amazonaws.com"]
)";

constexpr std::string_view kMixedPod = R"(
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: agents}
spec:
  initContainers:
    - {name: init, image: "busybox:1.36"}
  containers:
    - {name: agent, image: "registry.example.com/agents/agent:1.0.0"}
    - {name: tools, image: "ghcr.io/example-org/tools:2.0.0"}
    - {name: fork, image: "ghcr.io/example-org-fork/tools:2.0.0"}
    - {name: ecr, image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/agent:1.0.0"}
    - {name: broken, image: "Registry Example/agent"}
  ephemeralContainers:
    - {name: debug, image: "docker.io/library/debian:12"}
)";

TEST(AllowedRegistriesTest, ReportsEveryContainerFromElsewhere) {
  Findings findings;
  EXPECT_EQ(check(kRegistries, kMixedPod, &findings),
            (std::vector<std::string>{"supply-chain.allowed-registries spec.containers[2].image",
                                      "supply-chain.allowed-registries spec.containers[4].image",
                                      "supply-chain.allowed-registries spec.initContainers[0].image",
                                      "supply-chain.allowed-registries spec.ephemeralContainers[0].image"}));
  ASSERT_EQ(findings.size(), 4u);
  EXPECT_EQ(findings[0].action, Action::kDeny);
  EXPECT_EQ(findings[0].message,
            "container \"fork\" uses image \"ghcr.io/example-org-fork/tools:2.0.0\" from "
            "ghcr.io/example-org-fork/tools, which is not an allowed registry");
  EXPECT_EQ(findings[1].message,
            "container \"broken\" uses \"Registry Example/agent\", which is not a valid image reference, so its "
            "registry cannot be verified");
  EXPECT_EQ(findings[2].message,
            "init container \"init\" uses image \"busybox:1.36\" from docker.io/library/busybox, which is not an "
            "allowed registry");
  EXPECT_NE(findings[2].fix.find("registry.example.com, ghcr.io/example-org"), std::string::npos);
}

TEST(AllowedRegistriesTest, WorkloadTemplates) {
  EXPECT_EQ(check(kRegistries, R"(
apiVersion: batch/v1
kind: CronJob
metadata: {name: sync, namespace: agents}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: sync, image: "quay.io/example/sync:1.0"}]
)"),
            (std::vector<std::string>{
                "supply-chain.allowed-registries spec.jobTemplate.spec.template.spec.containers[0].image"}));
}

TEST(AllowedRegistriesTest, EmptyListAllowsEverything) {
  EXPECT_TRUE(check("    - id: supply-chain.allowed-registries\n", kMixedPod).empty());
  EXPECT_TRUE(
      check("    - id: supply-chain.allowed-registries\n      parameters: {allowedRegistries: []}\n", kMixedPod).empty());
}

TEST(AllowedRegistriesTest, InvalidEntriesFailThePolicy) {
  const auto result =
      compile("    - id: supply-chain.allowed-registries\n      parameters: {allowedRegistries: [bitnami, \"https://x.io\"]}\n");
  ASSERT_FALSE(result.ok());
  const std::string described = result.error().describe();
  EXPECT_NE(described.find("docker.io/bitnami"), std::string::npos) << described;
  EXPECT_NE(described.find("has a scheme"), std::string::npos) << described;
}

constexpr std::string_view kTagsPod = R"(
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: agents}
spec:
  containers:
    - {name: untagged, image: "registry.example.com/agents/agent"}
    - {name: latest, image: "registry.example.com/agents/agent:latest"}
    - {name: versioned, image: "registry.example.com/agents/agent:1.0.0"}
    - {name: digest, image: "registry.example.com/agents/agent@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
    - {name: invalid, image: "Not Valid"}
)";

TEST(ImageTagMutableTest, LatestAndUntagged) {
  Findings findings;
  EXPECT_EQ(check("    - id: supply-chain.image-tag-mutable\n", kTagsPod, &findings),
            (std::vector<std::string>{"supply-chain.image-tag-mutable spec.containers[0].image",
                                      "supply-chain.image-tag-mutable spec.containers[1].image"}));
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].action, Action::kWarn);
  EXPECT_EQ(findings[0].message,
            "container \"untagged\" uses image \"registry.example.com/agents/agent\" without a tag, which means "
            "latest and can change at any time");
  EXPECT_EQ(findings[0].fix, "pin the image by digest, e.g. registry.example.com/agents/agent:<version>@sha256:<digest>");
}

TEST(ImageTagMutableTest, RequireDigest) {
  Findings findings;
  EXPECT_EQ(check("    - id: supply-chain.image-tag-mutable\n      parameters: {requireDigest: true}\n", kTagsPod,
                  &findings),
            (std::vector<std::string>{"supply-chain.image-tag-mutable spec.containers[0].image",
                                      "supply-chain.image-tag-mutable spec.containers[1].image",
                                      "supply-chain.image-tag-mutable spec.containers[2].image"}));
  ASSERT_EQ(findings.size(), 3u);
  EXPECT_EQ(findings[2].fix, "pin the image by digest, e.g. registry.example.com/agents/agent:1.0.0@sha256:<digest>");
}

TEST(SupplyChainPolicyTest, BundledPolicyShipsTheRegistryListOff) {
  auto loaded = loadPolicies(std::string(AGENTGUARD_SOURCE_DIR) + "/policies/supply-chain/policy.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  std::vector<std::string> enabled;
  for (const auto& binding : loaded->rules) enabled.push_back(binding.definition->info.id);
  EXPECT_EQ(enabled, (std::vector<std::string>{"supply-chain.image-tag-mutable"}));
}

}  // namespace
}  // namespace agentguard::engine

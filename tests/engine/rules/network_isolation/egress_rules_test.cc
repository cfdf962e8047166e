// The network-isolation rules through the engine: each stands on its own, and their parameters.
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/manifest/manifest_object.h"
#include "engine/engine.h"
#include "engine/network/document_network_policy_source.h"
#include "engine/policy/policy_loader.h"

namespace agentguard::engine {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kRuleIds = {"network-isolation.egress-unrestricted", "network-isolation.egress-allow-all",
                                           "network-isolation.egress-sensitive-destinations"};

Result<PolicySet> compile(const std::vector<std::string>& ids, const std::string& parameters = "") {
  std::string text = R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata:
  name: network-isolation
spec:
  rules:
)";
  for (const auto& id : ids) text += "    - id: " + id + "\n" + (parameters.empty() ? "" : parameters);
  return compilePolicies({PolicyFile{"test-policy.yaml", text}}, RuleCatalog::builtin());
}

class UnavailableSource final : public NetworkPolicySource {
 public:
  Result<NamespacePoliciesPtr> policiesIn(std::string_view) const override {
    return makeError(ErrorCode::kUnavailable, "the cache has not finished its first list");
  }
};

// "rule path message" of every finding on the objects of `yaml`, judged with `source`.
std::vector<std::string> check(const std::vector<std::string>& ids, const std::string& yaml,
                               const NetworkPolicySource* source, const std::string& parameters = "") {
  auto policies = compile(ids, parameters);
  EXPECT_TRUE(policies.ok()) << (policies.ok() ? "" : policies.error().describe());
  if (!policies.ok()) return {};
  const Engine engine(std::make_shared<const PolicySet>(std::move(policies).value()));
  auto objects = manifest::loadManifests(yaml, "test.yaml");
  EXPECT_TRUE(objects.ok());
  std::vector<std::string> found;
  if (!objects.ok()) return found;
  const DocumentNetworkPolicySource documents(*objects, "default");
  EvaluationContext context;
  context.networkPolicies = source == nullptr ? &documents : source;
  for (const auto& object : *objects) {
    for (const auto& finding : engine.evaluate(object.body, context)) {
      found.push_back(finding.rule + " " + finding.path + " " + finding.message);
    }
  }
  return found;
}

std::vector<std::string> ofRule(const std::vector<std::string>& findings, const std::string& id) {
  std::vector<std::string> kept;
  for (const auto& finding : findings) {
    if (finding.rfind(id + " ", 0) == 0) kept.push_back(finding);
  }
  return kept;
}

const std::string kDeployment = R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: scraper, namespace: agents}
spec:
  selector: {matchLabels: {app: scraper}}
  template:
    metadata: {labels: {app: scraper}}
    spec:
      containers: [{name: scraper, image: registry.example.com/scraper:1.0.0}]
)";

const std::string kOpenPolicy = R"(
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open, namespace: agents}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to: [{ipBlock: {cidr: 0.0.0.0/1}}, {ipBlock: {cidr: 128.0.0.0/1}}]
---
)";

// A rule's findings must not depend on which other rules are on.
TEST(NetworkIsolationRulesTest, EachRuleStandsOnItsOwn) {
  const UnavailableSource unavailable;
  for (const NetworkPolicySource* source : {static_cast<const NetworkPolicySource*>(&unavailable),
                                            static_cast<const NetworkPolicySource*>(nullptr)}) {
    for (const std::string& yaml : {kDeployment, kOpenPolicy + kDeployment}) {
      const auto together = check(kRuleIds, yaml, source);
      for (const auto& id : kRuleIds) {
        const auto alone = check({id}, yaml, source);
        EXPECT_EQ(alone, ofRule(together, id)) << id;
        for (const auto& other : kRuleIds) {
          if (other != id) {
            EXPECT_TRUE(ofRule(alone, other).empty());
          }
        }
      }
    }
  }
}

TEST(NetworkIsolationRulesTest, EveryRuleReportsAnUnreadableCache) {
  const UnavailableSource unavailable;
  for (const auto& id : kRuleIds) {
    const auto findings = check({id}, kDeployment, &unavailable);
    ASSERT_EQ(findings.size(), 1u) << id;
    EXPECT_THAT(findings[0], HasSubstr("cannot be read (the cache has not finished its first list)"));
  }
}

const std::string kOneAddressEveryPort = R"(
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: one-host, namespace: agents}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to: [{ipBlock: {cidr: 198.51.99.7/32}}]
---
)" + kDeployment;

TEST(NetworkIsolationRulesTest, AnyPublicAddressIsAParameter) {
  const std::string id = "network-isolation.egress-allow-all";
  EXPECT_TRUE(check({id}, kOneAddressEveryPort, nullptr).empty());
  const auto strict =
      check({id}, kOneAddressEveryPort, nullptr, "      parameters: {unrestrictedWhen: any-public-address}\n");
  ASSERT_EQ(strict.size(), 1u);
  EXPECT_THAT(strict[0], HasSubstr("NetworkPolicy \"one-host\""));
  const auto wrong = compile({id}, "      parameters: {unrestrictedWhen: everywhere}\n");
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.error().describe(), HasSubstr("unrestrictedWhen"));
}

TEST(NetworkIsolationRulesTest, AllowAllNamesTheShareAndEveryPolicy) {
  const auto findings = check({"network-isolation.egress-allow-all"}, kOpenPolicy + kDeployment, nullptr);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_THAT(findings[0], HasSubstr("spec.template.metadata.labels"));
  EXPECT_THAT(findings[0], HasSubstr("NetworkPolicy \"open\""));
  EXPECT_THAT(findings[0], HasSubstr("100.0% of all (port, public IPv4 address) pairs"));
}

TEST(NetworkIsolationRulesTest, SensitiveDestinationChecksCanBeTurnedOff) {
  const std::string id = "network-isolation.egress-sensitive-destinations";
  EXPECT_EQ(check({id}, kOpenPolicy + kDeployment, nullptr).size(), 2u) << "metadata and DNS";
  EXPECT_EQ(check({id}, kOpenPolicy + kDeployment, nullptr, "      parameters: {metadata: false}\n").size(), 1u);
  EXPECT_TRUE(check({id}, kOpenPolicy + kDeployment, nullptr, "      parameters: {metadata: false, dns: false}\n").empty());
}

TEST(NetworkIsolationRulesTest, NotIsolatedMessageExplainsPartlySelectingAndMalformedPolicies) {
  const std::string yaml = R"(
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: one-revision, namespace: agents}
spec:
  podSelector: {matchLabels: {pod-template-hash: abc}}
  policyTypes: [Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: broken, namespace: agents}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{ports: [{port: 70000}]}]
---
)" + kDeployment;
  const auto findings = check({"network-isolation.egress-unrestricted"}, yaml, nullptr);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_THAT(findings[0], HasSubstr("pod-template-hash: <varies>"));
  EXPECT_THAT(findings[0], HasSubstr("NetworkPolicy \"one-revision\" selects only some of them"));
  EXPECT_THAT(findings[0], HasSubstr("NetworkPolicy \"broken\" restricts nothing because it is malformed "
                                     "(spec.egress[0].ports[0].port: must be between 1 and 65535)"));
}

}  // namespace
}  // namespace agentguard::engine

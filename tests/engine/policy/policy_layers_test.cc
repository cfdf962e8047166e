// Layered policy sources (compilePolicyLayers): later layers override what earlier ones declared.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "engine/policy/bundled_policies.h"
#include "engine/policy/policy_loader.h"

namespace agentguard::engine {
namespace {

using ::testing::HasSubstr;

constexpr const char* kBase = R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata: {name: exposure}
spec:
  rules:
    - id: exposure.service-nodeport
      action: deny
      severity: high
    - id: exposure.service-loadbalancer
      parameters:
        allowInternal: true
        trustedCidrs: [10.0.0.0/8]
    - id: exposure.host-port
      enabled: false
)";

std::string causes(const Error& error) {
  std::string text;
  for (const auto& cause : error.causes) text += cause + "\n";
  return text;
}

Result<PolicySet> layered(const std::vector<std::string>& texts) {
  std::vector<PolicyLayer> layers;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string name = "layer" + std::to_string(i);
    layers.push_back({name, {PolicyFile{name + "/policy.yaml", texts[i]}}});
  }
  return compilePolicyLayers(layers, RuleCatalog::builtin());
}

const RuleBinding* ruleOf(const PolicySet& set, std::string_view id) {
  for (const auto& binding : set.rules) {
    if (binding.definition->info.id == id) return &binding;
  }
  return nullptr;
}

nlohmann::json nodePortService(const std::string& ns, const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", {{"type", "NodePort"}}}};
}

// The findings of `object` under `set` (which the engine takes over).
Findings evaluate(PolicySet&& set, const nlohmann::json& object) {
  return Engine(std::make_shared<const PolicySet>(std::move(set))).evaluate(object, EvaluationContext{});
}

TEST(PolicyLayersTest, OneLayerIsCompilePoliciesWithTheSameDigest) {
  auto single = compilePolicies(bundledPolicyFiles(), RuleCatalog::builtin());
  auto asLayer = compilePolicyLayers({{"builtin", bundledPolicyFiles()}}, RuleCatalog::builtin());
  ASSERT_TRUE(single.ok() && asLayer.ok());
  EXPECT_EQ(single->digest, asLayer->digest);
  EXPECT_EQ(single->rules.size(), asLayer->rules.size());
  EXPECT_EQ(asLayer->layers, std::vector<std::string>{"builtin"});
}

TEST(PolicyLayersTest, ALaterLayerOverridesActionSeverityAndEnabled) {
  auto set = layered({kBase, R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata: {name: team-overrides}
spec:
  rules:
    - {id: exposure.service-nodeport, action: warn, severity: low}
    - {id: exposure.host-port, enabled: true}
)"});
  ASSERT_TRUE(set.ok()) << causes(set.error());
  const RuleBinding* nodePort = ruleOf(*set, "exposure.service-nodeport");
  ASSERT_NE(nodePort, nullptr);
  EXPECT_EQ(nodePort->action, Action::kWarn);
  EXPECT_EQ(nodePort->severity, Severity::kLow);
  EXPECT_EQ(nodePort->layer, 1u);
  EXPECT_EQ(nodePort->origin, "layer1/policy.yaml:6");
  EXPECT_EQ(set->policies[nodePort->policy].name, "exposure");  // still the declaring policy
  ASSERT_NE(ruleOf(*set, "exposure.host-port"), nullptr);        // switched on by the later layer
  const RuleBinding* loadBalancer = ruleOf(*set, "exposure.service-loadbalancer");
  ASSERT_NE(loadBalancer, nullptr);
  EXPECT_EQ(loadBalancer->layer, 0u);  // untouched
}

TEST(PolicyLayersTest, ALaterLayerSwitchesARuleOff) {
  auto set = layered({kBase, "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: switch-off}\n"
                             "spec:\n  rules:\n    - {id: exposure.service-nodeport, enabled: false}\n"});
  ASSERT_TRUE(set.ok()) << causes(set.error());
  EXPECT_EQ(ruleOf(*set, "exposure.service-nodeport"), nullptr);
}

TEST(PolicyLayersTest, ParametersMergeKeyByKey) {
  // trustedCidrs replaced, allowInternal kept from the first layer: a loadBalancerSourceRanges inside the
  // new range passes, so the rule compiled with the merged parameters.
  auto set = layered({kBase, "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: cidrs}\n"
                             "spec:\n  rules:\n    - id: exposure.service-loadbalancer\n"
                             "      parameters: {trustedCidrs: [192.168.0.0/16]}\n"});
  ASSERT_TRUE(set.ok()) << causes(set.error());
  const nlohmann::json service = {
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", {{"name", "lb"}, {"namespace", "agents"}}},
      {"spec", {{"type", "LoadBalancer"}, {"loadBalancerSourceRanges", {"192.168.1.0/24"}}}}};
  for (const auto& finding : evaluate(std::move(*set), service)) {
    EXPECT_NE(finding.rule, "exposure.service-loadbalancer") << finding.describe();
  }
  // A bad parameter in the override is reported at the override's file and line.
  auto broken = layered({kBase, "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: cidrs}\n"
                                "spec:\n  rules:\n    - id: exposure.service-loadbalancer\n"
                                "      parameters: {trustedCidrs: [not-a-cidr], bogus: 1}\n"});
  ASSERT_FALSE(broken.ok());
  EXPECT_THAT(causes(broken.error()), HasSubstr("layer1/policy.yaml:7: spec.rules[0].parameters.bogus"));
}

TEST(PolicyLayersTest, ARuleNoEarlierLayerDeclaresIsAnErrorNamingFileLineAndRule) {
  auto set = layered({kBase, "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: new}\n"
                             "spec:\n  rules:\n    - {id: privilege.privileged-container, action: warn}\n"});
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(set.error().message,
              HasSubstr("layer1/policy.yaml:6: spec.rules[0].id: rule \"privilege.privileged-container\" is not "
                        "declared by an earlier layer (layer0)"));
}

TEST(PolicyLayersTest, ARuleOverriddenTwiceInOneLayerIsAnError) {
  auto set = layered({kBase, "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: a}\n"
                             "spec:\n  rules:\n    - {id: exposure.service-nodeport, action: warn}\n"
                             "---\napiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: b}\n"
                             "spec:\n  rules:\n    - {id: exposure.service-nodeport, action: audit}\n"});
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(causes(set.error()), HasSubstr("is already overridden in this layer at layer1/policy.yaml:6"));
}

TEST(PolicyLayersTest, AnOverridesExemptionsApplyToTheRulesItNames) {
  auto set = layered({kBase, R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata: {name: exposure}
spec:
  rules:
    - id: exposure.service-nodeport
  exemptions:
    objects:
      - {kind: Service, namespace: edge, name: debug, reason: reviewed by the platform team}
)"});
  ASSERT_TRUE(set.ok()) << causes(set.error());
  EXPECT_TRUE(evaluate(std::move(*set), nodePortService("edge", "debug")).empty());
  auto again = layered({kBase});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(evaluate(std::move(*again), nodePortService("edge", "debug")).size(), 1u);
}

TEST(PolicyLayersTest, AnExemptionsOnlyFileIsValidAndCoversEveryRule) {
  const std::string exemptionsOnly = R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata: {name: platform-exemptions}
spec:
  exemptions:
    namespaces: [platform]
)";
  auto set = layered({kBase, exemptionsOnly});
  ASSERT_TRUE(set.ok()) << causes(set.error());
  EXPECT_TRUE(evaluate(std::move(*set), nodePortService("platform", "debug")).empty());
  auto other = layered({kBase, exemptionsOnly});
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(evaluate(std::move(*other), nodePortService("agents", "debug")).size(), 1u);
  // In a single source too.
  auto single = compilePolicies({{"base.yaml", kBase}, {"exempt.yaml", exemptionsOnly}}, RuleCatalog::builtin());
  ASSERT_TRUE(single.ok()) << causes(single.error());
  // A spec with neither rules nor exemptions is still an error.
  auto empty = layered({kBase, "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: e}\nspec: {}\n"});
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.error().message, HasSubstr("layer1/policy.yaml:4: spec.rules: must be a non-empty list"));
}

TEST(PolicyLayersTest, AnExemptionsOnlyPolicyNeverExemptsCredentialsByNamespaceOrPattern) {
  const std::string credentials = R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata: {name: credentials}
spec:
  rules:
    - id: credentials.sensitive-env-literal
)";
  const nlohmann::json pod = {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", {{"name", "agent"}, {"namespace", "platform"}}},
      {"spec",
       {{"containers",
         {{{"name", "a"}, {"image", "x"}, {"env", {{{"name", "OPENAI_API_KEY"}, {"value", "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH"}}}}}}}}}};
  auto byNamespace = layered({credentials, "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: x}\n"
                                           "spec:\n  exemptions:\n    namespaces: [platform]\n"
                                           "    objects:\n      - {kind: '*', name: 'agent*', reason: r}\n"});
  ASSERT_TRUE(byNamespace.ok()) << causes(byNamespace.error());
  EXPECT_FALSE(evaluate(std::move(*byNamespace), pod).empty());
  auto exact = layered({credentials, "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: x}\n"
                                     "spec:\n  exemptions:\n    objects:\n"
                                     "      - {kind: Pod, namespace: platform, name: agent, reason: a test fixture}\n"});
  ASSERT_TRUE(exact.ok()) << causes(exact.error());
  EXPECT_TRUE(evaluate(std::move(*exact), pod).empty());
  // A pattern exemption naming a credentials rule is refused, as in a single policy.
  auto named = layered({credentials, "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: x}\n"
                                     "spec:\n  exemptions:\n    objects:\n"
                                     "      - {kind: Pod, name: '*', rules: [credentials.sensitive-env-literal], reason: r}\n"});
  ASSERT_FALSE(named.ok());
  EXPECT_THAT(causes(named.error()), HasSubstr("must name one object"));
}

TEST(PolicyLayersTest, LayerOrderChangesTheDigest) {
  const std::string a = "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: a}\n"
                        "spec:\n  rules:\n    - {id: exposure.service-nodeport, action: warn}\n";
  const std::string b = "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: b}\n"
                        "spec:\n  rules:\n    - {id: exposure.service-nodeport, action: deny}\n";
  auto ab = layered({a, b});
  auto ba = layered({b, a});
  ASSERT_TRUE(ab.ok() && ba.ok());
  EXPECT_NE(ab->digest, ba->digest);
  EXPECT_EQ(ruleOf(*ab, "exposure.service-nodeport")->action, Action::kDeny);
  EXPECT_EQ(ruleOf(*ba, "exposure.service-nodeport")->action, Action::kWarn);
  auto aOnly = layered({a});
  ASSERT_TRUE(aOnly.ok());
  EXPECT_NE(aOnly->digest, ab->digest);
}

TEST(PolicyLayersTest, BuiltinNamesTheBundledPolicies) {
  auto layers = readPolicyLayers({"builtin"});
  ASSERT_TRUE(layers.ok());
  ASSERT_EQ(layers->size(), 1u);
  EXPECT_EQ((*layers)[0].files.size(), bundledPolicyFiles().size());
  auto missing = readPolicyLayers({"builtin", "/nonexistent/agentguard-overrides"});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("/nonexistent/agentguard-overrides does not exist"));
}

}  // namespace
}  // namespace agentguard::engine

#include "engine/policy/policy_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace agentguard::engine {
namespace {

using ::testing::HasSubstr;

std::string causes(const Error& error) {
  std::string text;
  for (const auto& cause : error.causes) text += cause + "\n";
  return text;
}

Result<PolicySet> compile(const std::string& text) {
  return compilePolicies({PolicyFile{"policies/test.yaml", text}}, RuleCatalog::builtin());
}

constexpr const char* kValid = R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata:
  name: exposure
spec:
  rules:
    - id: exposure.service-nodeport
      action: warn
      severity: low
    - id: exposure.service-loadbalancer
      parameters:
        trustedCidrs: [10.0.0.0/8]
    - id: exposure.host-port
      enabled: false
  exemptions:
    namespaces: [kube-system, "team-*"]
    objects:
      - kind: Service
        namespace: edge
        name: gateway
        rules: [exposure.service-loadbalancer]
        reason: the public gateway is reviewed by the platform team
        expires: "2027-03-31"
)";

TEST(PolicyLoaderTest, CompilesRulesActionsSeveritiesAndExemptions) {
  auto set = compile(kValid);
  ASSERT_TRUE(set.ok()) << set.error().describe() << causes(set.error());
  ASSERT_EQ(set->rules.size(), 2u);  // host-port is disabled
  EXPECT_EQ(set->rules[0].definition->info.id, "exposure.service-nodeport");
  EXPECT_EQ(set->rules[0].action, Action::kWarn);
  EXPECT_EQ(set->rules[0].severity, Severity::kLow);
  EXPECT_EQ(set->rules[1].action, Action::kDeny);  // the rule's default
  ASSERT_EQ(set->policies.size(), 1u);
  const auto& exemptions = set->policies[0].exemptions;
  EXPECT_THAT(exemptions.namespaces, ::testing::ElementsAre("kube-system", "team-*"));
  ASSERT_EQ(exemptions.objects.size(), 1u);
  EXPECT_EQ(exemptions.objects[0].origin, "policies/test.yaml:18");
  ASSERT_TRUE(exemptions.objects[0].expires.has_value());
}

struct BadPolicyCase {
  std::string name;
  std::string from;  // text replaced in kValid
  std::string to;
  std::string expected;  // substring of one cause
};

class BadPolicyTest : public ::testing::TestWithParam<BadPolicyCase> {};

TEST_P(BadPolicyTest, NamesFileLineFieldAndProblem) {
  std::string text = kValid;
  const auto& c = GetParam();
  const size_t at = text.find(c.from);
  ASSERT_NE(at, std::string::npos) << c.from;
  text.replace(at, c.from.size(), c.to);
  auto set = compile(text);
  ASSERT_FALSE(set.ok()) << "a broken policy must not compile";
  EXPECT_EQ(set.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(causes(set.error()), HasSubstr(c.expected));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadPolicyTest,
    ::testing::Values(
        BadPolicyCase{"UnknownAction", "action: warn", "action: block",
                      "policies/test.yaml:8: spec.rules[0].action: \"block\" is not one of deny, warn, audit"},
        BadPolicyCase{"UnknownSeverity", "severity: low", "severity: urgent",
                      "spec.rules[0].severity: \"urgent\" is not one of critical, high, medium, low"},
        BadPolicyCase{"UnknownRule", "id: exposure.service-nodeport", "id: exposure.nope",
                      "policies/test.yaml:7: spec.rules[0].id: unknown rule \"exposure.nope\""},
        BadPolicyCase{"BadParameterType", "trustedCidrs: [10.0.0.0/8]", "trustedCidrs: 10.0.0.0/8",
                      "policies/test.yaml:12: spec.rules[1].parameters.trustedCidrs: expected a list of strings"},
        BadPolicyCase{"BadCidr", "trustedCidrs: [10.0.0.0/8]", "trustedCidrs: [10.0.0.0/33]",
                      "trustedCidrs: \"10.0.0.0/33\" is not a CIDR"},
        BadPolicyCase{"UnknownParameter", "trustedCidrs: [10.0.0.0/8]", "trustedCIDRs: [10.0.0.0/8]",
                      "spec.rules[1].parameters.trustedCIDRs: unknown parameter; this rule takes:"},
        BadPolicyCase{"UnknownField", "      enabled: false", "      enable: false",
                      "spec.rules[2].enable: unknown field"},
        BadPolicyCase{"EnabledNotBool", "enabled: false", "enabled: maybe",
                      "spec.rules[2].enabled: must be true or false"},
        BadPolicyCase{"MissingReason", "        reason: the public gateway is reviewed by the platform team\n", "",
                      "spec.exemptions.objects[0].reason: is required"},
        BadPolicyCase{"BadExpiry", "expires: \"2027-03-31\"", "expires: next year",
                      "spec.exemptions.objects[0].expires: \"next year\" is not a date"},
        BadPolicyCase{"ExemptionUnknownRule", "rules: [exposure.service-loadbalancer]", "rules: [exposure.lb]",
                      "spec.exemptions.objects[0].rules[0]: unknown rule \"exposure.lb\""},
        BadPolicyCase{"WrongKind", "kind: Policy", "kind: ClusterPolicy", "kind: must be Policy"},
        BadPolicyCase{"WrongApiVersion", "apiVersion: agentguard.io/v1alpha1", "apiVersion: v1",
                      "apiVersion: must be agentguard.io/v1alpha1"},
        BadPolicyCase{"MalformedYaml", "  rules:\n", "  rules: [\n", "policies/test.yaml: malformed YAML: line"},
        BadPolicyCase{"DuplicateKey", "      action: warn\n", "      action: warn\n      action: deny\n",
                      "duplicate key \"action\""}),
    [](const ::testing::TestParamInfo<BadPolicyCase>& testInfo) { return testInfo.param.name; });

TEST(PolicyLoaderTest, RejectsARuleConfiguredInTwoFiles) {
  const std::string second = R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata: {name: other}
spec:
  rules:
    - id: exposure.service-nodeport
)";
  auto set = compilePolicies({{"a.yaml", kValid}, {"b.yaml", second}}, RuleCatalog::builtin());
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(causes(set.error()), HasSubstr("b.yaml:6: spec.rules[0].id: rule \"exposure.service-nodeport\" is already "
                                             "configured at a.yaml:7"));
}

TEST(PolicyLoaderTest, RejectsPoliciesThatEnableNothing) {
  auto set = compile(R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata: {name: empty}
spec:
  rules:
    - id: exposure.service-nodeport
      enabled: false
)");
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(set.error().message, HasSubstr("no rule is enabled"));
}

TEST(PolicyLoaderTest, MissingDirectoryIsAnError) {
  auto set = loadPolicies("/nonexistent/agentguard-policies");
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(set.error().message, HasSubstr("does not exist"));
}

TEST(PolicyLoaderTest, BundledPoliciesCompile) {
  auto set = loadPolicies(std::string(AGENTGUARD_SOURCE_DIR) + "/policies");
  ASSERT_TRUE(set.ok()) << set.error().describe();
  EXPECT_GT(set->rules.size(), 5u);
}

}  // namespace
}  // namespace agentguard::engine

// Credentials are never exempted wholesale: a policy that would exempt a credentials rule by namespace, or
// by an object exemption whose kind or name is a pattern, is refused with an error naming the field; an
// exemption of one named object still works.
#include <string>

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "engine/policy/policy_loader.h"

namespace agentguard::engine {
namespace {

Result<PolicySet> compile(const std::string& rulesAndExemptions) {
  const std::string text = R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata:
  name: p
spec:
)" + rulesAndExemptions;
  return compilePolicies({PolicyFile{"p.yaml", text}}, RuleCatalog::builtin());
}

std::string causes(const Result<PolicySet>& result) {
  if (result.ok()) return "";
  std::string text;
  for (const auto& cause : result.error().causes) text += cause + "\n";
  return text;
}

struct RefusedCase {
  std::string name;
  std::string spec;
  std::string field;  // the field path the error must name
};

class RefusedCredentialExemptionTest : public ::testing::TestWithParam<RefusedCase> {};

TEST_P(RefusedCredentialExemptionTest, IsAPolicyError) {
  const auto result = compile(GetParam().spec);
  ASSERT_FALSE(result.ok());
  const std::string text = causes(result);
  EXPECT_NE(text.find("p.yaml:"), std::string::npos) << text;
  EXPECT_NE(text.find(GetParam().field), std::string::npos) << text;
  EXPECT_NE(text.find("credentials rule"), std::string::npos) << text;
}

INSTANTIATE_TEST_SUITE_P(
    Wholesale, RefusedCredentialExemptionTest,
    ::testing::Values(
        RefusedCase{"namespaces", R"(  rules: [{id: credentials.known-token}]
  exemptions: {namespaces: [kube-system]}
)", "spec.exemptions.namespaces"},
        RefusedCase{"namespace_pattern_with_other_rules", R"(  rules: [{id: exposure.service-nodeport}, {id: credentials.high-entropy}]
  exemptions: {namespaces: ["team-*"]}
)", "spec.exemptions.namespaces"},
        RefusedCase{"any_object_of_a_namespace", R"(  rules: [{id: credentials.sensitive-env-literal}]
  exemptions:
    objects: [{kind: "*", namespace: agents, name: "*", reason: everything there}]
)", "spec.exemptions.objects[0]"},
        RefusedCase{"name_prefix_listing_the_rule", R"(  rules: [{id: credentials.known-token}, {id: exposure.service-nodeport}]
  exemptions:
    objects: [{kind: ConfigMap, namespace: agents, name: "cache-*", rules: [credentials.known-token], reason: caches}]
)", "spec.exemptions.objects[0]"},
        RefusedCase{"any_kind_with_an_exact_name", R"(  rules: [{id: credentials.known-token}]
  exemptions:
    objects: [{kind: "*", namespace: agents, name: web, reason: all kinds}]
)", "spec.exemptions.objects[0]"}),
    [](const ::testing::TestParamInfo<RefusedCase>& test) { return test.param.name; });

TEST(CredentialExemptionTest, NamedObjectsAndOtherPoliciesStillExempt) {
  // An exact object exempted from a credentials rule.
  EXPECT_TRUE(compile(R"(  rules: [{id: credentials.high-entropy}]
  exemptions:
    objects: [{kind: ConfigMap, namespace: kube-public, name: cluster-info, rules: [credentials.high-entropy], reason: public}]
)").ok());
  // Namespace exemptions of a policy without credentials rules, and a disabled credentials rule.
  const auto other = compile(R"(  rules: [{id: exposure.service-nodeport}, {id: credentials.known-token, enabled: false}]
  exemptions: {namespaces: [kube-system]}
)");
  EXPECT_TRUE(other.ok()) << causes(other);
  // A pattern exemption that leaves the credentials rules out.
  const auto patterned = compile(R"(  rules: [{id: exposure.service-nodeport}, {id: credentials.known-token}]
  exemptions:
    objects: [{kind: Service, name: "edge-*", rules: [exposure.service-nodeport], reason: edge gateways}]
)");
  EXPECT_TRUE(patterned.ok()) << causes(patterned);
}

TEST(CredentialExemptionTest, BundledPolicyExemptsNoNamespaceFromCredentials) {
  auto set = loadPolicies(std::filesystem::path(AGENTGUARD_SOURCE_DIR) / "policies");
  ASSERT_TRUE(set.ok()) << set.error().describe();
  const Engine engine(std::make_shared<const PolicySet>(std::move(set).value()));
  for (const std::string ns : {"kube-system", "kube-public", "default", "agents"}) {
    const auto configMap = nlohmann::json::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"leak","namespace":")" +
                                                 ns + R"("},"data":{"DB_PASSWORD":"hunter2-leak"}})");
    bool reported = false;
    for (const auto& finding : engine.evaluate(configMap, EvaluationContext{})) {
      reported = reported || finding.rule == "credentials.sensitive-env-literal";
    }
    EXPECT_TRUE(reported) << ns;
  }
}

}  // namespace
}  // namespace agentguard::engine

// network-isolation.policy-loosening through the review handler: NetworkPolicy creates, updates and
// deletes judged against the namespace's admitted workloads, with the bundled policies.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/policy/policy_loader.h"
#include "tests/webhook/support/admission_fixtures.h"
#include "webhook/admission/review_handler.h"

namespace agentguard::webhook {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;
namespace fx = testing;

constexpr const char* kRule = "network-isolation.policy-loosening";

Json policy(const std::string& name, Json podSelector, Json spec) {
  spec["podSelector"] = std::move(podSelector);
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "NetworkPolicy"},
          {"metadata", {{"name", name}, {"namespace", "agents"}}},
          {"spec", std::move(spec)}};
}

Json selectAgent() { return {{"matchLabels", {{"app", "agent"}}}}; }

// Egress of app=agent pods to DNS only.
Json restrictAgent() {
  return policy("restrict-agent", selectAgent(),
                Json::parse(R"({"policyTypes": ["Egress"], "egress": [{"ports": [{"protocol": "UDP", "port": 53}]}]})"));
}

Json allowAllEgress(const std::string& name, Json selector) {
  return policy(name, std::move(selector), {{"policyTypes", {"Egress"}}, {"egress", Json::array({Json::object()})}});
}

Json agentDeployment() {
  Json deployment = fx::deployment("agents", "agent");
  deployment["spec"]["selector"] = selectAgent();
  deployment["spec"]["template"]["metadata"]["labels"] = {{"app", "agent"}};
  return deployment;
}

Json agentPod(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "agents"}, {"labels", {{"app", "agent"}}}}},
          {"spec", {{"containers", {{{"name", "app"}, {"image", "registry.example.com/agent:1.0.0"}}}}}}};
}

Json update(Json updated, Json old) {
  Json review = fx::admissionReviewFor(updated, "UPDATE");
  review["request"]["resource"]["resource"] = "networkpolicies";
  review["request"]["oldObject"] = std::move(old);
  return review;
}

Json create(Json object) {
  Json review = fx::admissionReviewFor(object, "CREATE");
  review["request"]["resource"]["resource"] = "networkpolicies";
  return review;
}

Json remove(Json old) {
  Json review = fx::admissionReviewFor(old, "DELETE");
  review["request"]["resource"]["resource"] = "networkpolicies";
  review["request"]["oldObject"] = review["request"]["object"];
  review["request"]["object"] = nullptr;
  return review;
}

struct Case {
  std::string name;
  std::vector<Json> policies;   // the namespace's NetworkPolicies before the request
  std::vector<Json> workloads;  // what runs there
  std::function<Json()> review;
  Decision decision = Decision::kAllow;
  std::vector<std::string> messageParts;
  bool workloadsUnavailable = false;
  bool policiesUnavailable = false;
};

Json withoutEgressType(Json p) {
  p["spec"]["policyTypes"] = {"Ingress"};
  p["spec"].erase("egress");
  return p;
}

Json selecting(Json p, Json selector) {
  p["spec"]["podSelector"] = std::move(selector);
  return p;
}

Json finishedPod() {
  Json pod = agentPod("done");
  pod["status"] = {{"phase", "Succeeded"}};
  return pod;
}

// Cases name only the fields that matter to them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const std::vector<Case> kCases = {
    {"UpdateToAllowAllDenied", {restrictAgent()}, {agentDeployment()},
     [] { return update(allowAllEgress("restrict-agent", selectAgent()), restrictAgent()); }, Decision::kDeny,
     {"[network-isolation.policy-loosening] spec: this version of NetworkPolicy \"restrict-agent\" would leave 1 "
      "admitted workload with unrestricted egress: Deployment agent: ",
      "; fix: "}},
    {"UpdateDroppingEgressTypeDenied", {restrictAgent()}, {agentDeployment(), agentPod("agent-1")},
     [] { return update(withoutEgressType(restrictAgent()), restrictAgent()); }, Decision::kDeny,
     {"would leave 2 admitted workloads", "Deployment agent: ", "Pod agent-1: "}},
    {"UpdateSelectingOtherPodsDenied", {restrictAgent()}, {agentPod("agent-1")},
     [] {
       return update(selecting(restrictAgent(), {{"matchLabels", {{"app", "other"}}}}), restrictAgent());
     },
     Decision::kDeny, {"Pod agent-1: no NetworkPolicy"}},
    {"UpdateWithExpressionThatNeverMatchesDenied", {restrictAgent()}, {agentPod("agent-1")},
     [] {
       return update(selecting(restrictAgent(), {{"matchExpressions",
                                                  {{{"key", "app"}, {"operator", "NotIn"}, {"values", {"agent"}}}}}}),
                     restrictAgent());
     },
     Decision::kDeny, {"Pod agent-1"}},
    {"UpdateThatNarrowsAllowed", {restrictAgent()}, {agentDeployment(), agentPod("agent-1")},
     [] {
       Json narrower = restrictAgent();
       narrower["spec"]["egress"][0]["to"] = {{{"ipBlock", {{"cidr", "10.0.0.10/32"}}}}};
       return update(narrower, restrictAgent());
     }},
    {"DeleteWhileAnotherPolicyRestrictsAllowed", {restrictAgent(), fx::defaultDenyEgress("agents")},
     {agentDeployment(), agentPod("agent-1")}, [] { return remove(restrictAgent()); }},
    {"DeleteTheOnlyRestrictionDenied", {restrictAgent()}, {agentDeployment()},
     [] { return remove(restrictAgent()); }, Decision::kDeny,
     {"[network-isolation.policy-loosening] metadata.name: deleting NetworkPolicy \"restrict-agent\" would leave 1 "
      "admitted workload"}},
    {"DeleteWithoutOldObjectJudgedByName", {restrictAgent()}, {agentDeployment()},
     [] {
       Json review = remove(restrictAgent());
       review["request"]["oldObject"] = nullptr;
       return review;
     },
     Decision::kDeny, {"deleting NetworkPolicy \"restrict-agent\""}},
    {"CreateAllowAllBesideATightPolicyDenied", {restrictAgent()}, {agentPod("agent-1")},
     [] { return create(allowAllEgress("open-everything", Json::object())); }, Decision::kDeny,
     {"NetworkPolicy \"open-everything\" would leave 1 admitted workload", "Pod agent-1: the egress rules of NetworkPolicies \"open-everything\", \"restrict-agent\""}},
    {"CreateAllowAllForOtherPodsAllowed", {restrictAgent()}, {agentPod("agent-1")},
     [] { return create(allowAllEgress("open-other", {{"matchLabels", {{"app", "other"}}}})); }},
    {"DeleteInANamespaceWithoutWorkloadsAllowed", {restrictAgent()}, {},
     [] { return remove(restrictAgent()); }},
    {"WorkloadAlreadyUnrestrictedNotBlamed", {restrictAgent()},
     {[] {
       Json pod = agentPod("legacy");
       pod["metadata"]["labels"] = {{"app", "legacy"}};
       return pod;
     }()},
     [] { return remove(restrictAgent()); }},
    {"FinishedPodsDoNotCount", {restrictAgent()}, {finishedPod()}, [] { return remove(restrictAgent()); }},
    {"WorkloadsUnreadableFailsClosed", {restrictAgent()}, {agentDeployment()},
     [] { return remove(restrictAgent()); }, Decision::kDeny,
     {"the workloads of namespace \"agents\" cannot be read (API server unreachable)"}, true},
    {"NetworkPoliciesUnreadableFailsClosed", {restrictAgent()}, {agentDeployment()},
     [] { return update(restrictAgent(), restrictAgent()); }, Decision::kDeny,
     {"the NetworkPolicies of namespace \"agents\" cannot be read (cache not synced)"}, false, true},
    {"DeleteOfAWorkloadNotJudged", {restrictAgent()}, {agentDeployment()},
     [] {
       Json review = fx::admissionReviewFor(fx::privilegedDeployment("agents", "agent"), "DELETE");
       review["request"]["oldObject"] = review["request"]["object"];
       review["request"]["object"] = nullptr;
       return review;
     }},
};
#pragma GCC diagnostic pop

class PolicyLooseningTest : public ::testing::TestWithParam<Case> {};

ReviewOutcome reviewWith(const std::shared_ptr<const engine::PolicySet>& policies, const Case& c) {
  fx::FixedEngineSource engines(policies);
  fx::FakeNetworkPolicies networkPolicies;
  for (const auto& p : c.policies) networkPolicies.add(p);
  if (c.policiesUnavailable) networkPolicies.unavailable = "cache not synced";
  fx::FakeWorkloads workloads;
  for (const auto& w : c.workloads) workloads.add(w);
  if (c.workloadsUnavailable) workloads.unavailable = "API server unreachable";
  ReviewOptions options;
  options.workloads = &workloads;
  options.pods = &workloads;
  const ReviewHandler handler(engines, &networkPolicies, options);
  return handler.review(c.review().dump());
}

TEST_P(PolicyLooseningTest, Decides) {
  const Case& c = GetParam();
  const ReviewOutcome outcome = reviewWith(fx::bundledPolicies(), c);
  ASSERT_EQ(outcome.httpStatus, 200) << outcome.body;
  EXPECT_EQ(outcome.decision, c.decision) << outcome.body;
  const Json response = Json::parse(outcome.body)["response"];
  const std::string message = response.value("status", Json::object()).value("message", "");
  for (const auto& part : c.messageParts) EXPECT_THAT(message, HasSubstr(part));
  if (c.decision == Decision::kDeny) {
    EXPECT_EQ(outcome.deniedRules, std::vector<std::string>{kRule});
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, PolicyLooseningTest, ::testing::ValuesIn(kCases),
                         [](const auto& param) { return param.param.name; });

std::shared_ptr<const engine::PolicySet> compile(const std::string& text) {
  auto compiled = engine::compilePolicies({{"loosening.yaml", text}}, engine::RuleCatalog::builtin());
  EXPECT_TRUE(compiled.ok()) << compiled.error().describe();
  return compiled.ok() ? std::make_shared<const engine::PolicySet>(std::move(compiled).value()) : nullptr;
}

const Case& deleteTheOnlyRestriction() {
  static const Case c = kCases[6];
  return c;
}

TEST(PolicyLoosening, ModesAndExemptionsApply) {
  ASSERT_EQ(deleteTheOnlyRestriction().name, "DeleteTheOnlyRestrictionDenied");
  const std::string rule = "    - {id: network-isolation.policy-loosening, action: ";
  const std::string head = "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: loosening}\nspec:\n"
                           "  rules:\n";

  const auto warned = reviewWith(compile(head + rule + "warn, severity: high}\n"), deleteTheOnlyRestriction());
  EXPECT_EQ(warned.decision, Decision::kWarn) << warned.body;
  EXPECT_THAT(warned.body, HasSubstr("[network-isolation.policy-loosening] NetworkPolicy agents/restrict-agent"));

  const auto audited = reviewWith(compile(head + rule + "audit, severity: high}\n"), deleteTheOnlyRestriction());
  EXPECT_EQ(audited.decision, Decision::kAllow) << audited.body;
  EXPECT_THAT(audited.body, HasSubstr("\"network-isolation.policy-loosening\":"));

  const auto exempt = reviewWith(compile(head + rule + "deny, severity: high}\n  exemptions:\n    objects:\n"
                                         "      - {kind: NetworkPolicy, namespace: agents, name: restrict-agent,\n"
                                         "         reason: replaced by the platform team}\n"),
                                 deleteTheOnlyRestriction());
  EXPECT_EQ(exempt.decision, Decision::kAllow) << exempt.body;

  const auto namespaceExempt = reviewWith(
      compile(head + rule + "deny, severity: high}\n  exemptions:\n    namespaces: [agents]\n"),
      deleteTheOnlyRestriction());
  EXPECT_EQ(namespaceExempt.decision, Decision::kAllow) << namespaceExempt.body;
}

// The rule judges with its own egress checks: switching the egress rules off does not switch it off.
TEST(PolicyLoosening, StandsWithoutTheEgressRules) {
  const auto alone = compile(
      "apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: loosening}\nspec:\n  rules:\n"
      "    - {id: network-isolation.policy-loosening, action: deny, severity: high}\n");
  const auto outcome = reviewWith(alone, deleteTheOnlyRestriction());
  EXPECT_EQ(outcome.decision, Decision::kDeny) << outcome.body;
}

}  // namespace
}  // namespace agentguard::webhook

#include "engine/workload/agent_sandbox_view.h"

#include <gtest/gtest.h>

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;

const Json kSandbox = Json::parse(R"({
  "apiVersion": "agentguard.io/v1alpha1", "kind": "AgentSandbox",
  "metadata": {"name": "analyst", "namespace": "agents"},
  "spec": {"runtimeClassName": "kata",
           "network": {"egress": [{"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"], "ports": [{"port": 443}]}],
                       "dns": {"namespace": "dns", "podSelector": {"app": "coredns"}}},
           "template": {"metadata": {"labels": {"team": "research"}},
                        "spec": {"containers": [{"name": "agent", "image": "a:1",
                                                 "securityContext": {"privileged": true, "capabilities": {"drop": ["NET_RAW"]}}}]}}}})");

TEST(AgentSandboxViewTest, RecognisesOnlyOurKind) {
  EXPECT_TRUE(isAgentSandbox(kSandbox));
  Json other = kSandbox;
  other["apiVersion"] = "agents.x-k8s.io/v1beta1";
  EXPECT_FALSE(isAgentSandbox(other));
  other = kSandbox;
  other["kind"] = "Sandbox";
  EXPECT_FALSE(isAgentSandbox(other));
}

TEST(AgentSandboxViewTest, FillsWhatTheOperatorEnforcesAndKeepsWhatIsWritten) {
  const Json run = agentSandboxAsRun(kSandbox);
  const Json& spec = run["spec"]["template"]["spec"];
  EXPECT_EQ(spec["runtimeClassName"], "kata");
  EXPECT_EQ(spec["automountServiceAccountToken"], false);
  EXPECT_EQ(spec["hostPID"], false);
  EXPECT_EQ(spec["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(spec["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  const Json& context = spec["containers"][0]["securityContext"];
  EXPECT_EQ(context["privileged"], true) << "a contradiction stays, to be reported at its path";
  EXPECT_EQ(context["allowPrivilegeEscalation"], false);
  EXPECT_EQ(context["readOnlyRootFilesystem"], true);
  EXPECT_EQ(context["capabilities"]["drop"], Json::array({"ALL"}));
  EXPECT_EQ(run["spec"]["template"]["metadata"]["labels"]["team"], "research");
  EXPECT_EQ(run["spec"]["template"]["metadata"]["labels"]["agentguard.io/sandbox"], "analyst");
  EXPECT_EQ(kSandbox["spec"]["template"]["spec"]["containers"][0]["securityContext"].size(), 2u) << "input unchanged";
}

TEST(AgentSandboxViewTest, OwnPolicyDeniesAllButDnsAndTheAllowList) {
  const Json policy = agentSandboxOwnPolicy(kSandbox);
  EXPECT_EQ(policy["spec"]["podSelector"]["matchLabels"]["agentguard.io/sandbox"], "analyst");
  EXPECT_EQ(policy["spec"]["policyTypes"], Json::array({"Ingress", "Egress"}));
  ASSERT_EQ(policy["spec"]["egress"].size(), 2u);
  EXPECT_EQ(policy["spec"]["egress"][0]["to"][0]["podSelector"]["matchLabels"]["app"], "coredns");
  EXPECT_EQ(policy["spec"]["egress"][0]["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"], "dns");
  EXPECT_EQ(policy["spec"]["egress"][1]["to"][0]["ipBlock"]["except"][0], "203.0.113.128/25");
  EXPECT_EQ(policy["spec"]["egress"][1]["ports"][0]["port"], 443);

  Json noDns = kSandbox;
  noDns["spec"]["network"] = {{"dns", {{"mode", "None"}}}};
  EXPECT_FALSE(agentSandboxOwnPolicy(noDns)["spec"].contains("egress"));
}

class Unavailable final : public NetworkPolicySource {
 public:
  Result<NamespacePoliciesPtr> policiesIn(std::string_view) const override {
    return makeError(ErrorCode::kUnavailable, "cache not synced");
  }
};

TEST(AgentSandboxViewTest, AddedPolicyJoinsTheSourceAndFailuresPropagate) {
  const PolicySourceWith alone(nullptr, agentSandboxOwnPolicy(kSandbox));
  auto policies = alone.policiesIn("agents");
  ASSERT_TRUE(policies.ok());
  EXPECT_EQ((*policies)->objects().size(), 1u);
  const Unavailable down;
  const PolicySourceWith failing(&down, agentSandboxOwnPolicy(kSandbox));
  EXPECT_FALSE(failing.policiesIn("agents").ok()) << "an unreadable namespace stays unreadable: fail closed";
}

}  // namespace
}  // namespace agentguard::engine

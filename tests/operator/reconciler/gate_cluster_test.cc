// agentguard-gate against the real local API server (no kubelet or controller-manager: the gate Deployment makes no
// Pods, and assertions are on API objects). The API server accepts every gate object as built (server-side apply),
// gives the Service its ClusterIP, and the sandbox's Pod is created pointing at it; the gate goes with the last
// sandbox that used it.
#include <algorithm>

#include <gtest/gtest.h>

#include "common/kube/resource.h"
#include "operator/builders/gate_builder.h"
#include "operator/status/sandbox_status.h"
#include "tests/operator/support/operator_cluster_fixture.h"

namespace agentguard::op::testing {
namespace {

using nlohmann::json;

class ClusterGateTest : public OperatorClusterTest {
 protected:
  void SetUp() override {
    OperatorClusterTest::SetUp();
    binding_ = "gate-tokenreview-" + ns_;
    auto created = client_->create(gate_resources::clusterRoleBindings(), "", json{
        {"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "ClusterRoleBinding"},
        {"metadata", {{"name", binding_}}},
        {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "agentguard-gate-tokenreview"}}}});
    ASSERT_TRUE(created.ok()) << created.error().describe();
  }
  void TearDown() override {
    (void)client_->remove(gate_resources::clusterRoleBindings(), "", binding_);
    OperatorClusterTest::TearDown();
  }

  OperatorOptions gateOptions() const {
    OperatorOptions options = defaultOptions();
    options.gate = GateSettings{"registry.example/agentguard:1", 2, json{{"limits", {{"memory", "256Mi"}}}},
                                "agentguard-gate", binding_};
    return options;
  }
  bool gateListed() const {
    auto live = client_->get(gate_resources::clusterRoleBindings(), "", binding_);
    if (!live.ok()) return false;
    const json subjects = live->value("subjects", json::array());
    return std::find(subjects.begin(), subjects.end(), gateSubject(ns_)) != subjects.end();
  }
  bool gateGone() const {
    for (const GateObject& object : buildGateObjects(ns_, GateSettings{}, GateEgress{})) {
      if (get(*object.resource, "agentguard-gate")) return false;
    }
    return true;
  }
  static json toolsSpec() {
    return json::parse(R"({
      "tools": {"servers": [{"name": "mail", "url": "http://mail-mcp.tools.svc.cluster.local:8000/mcp",
                             "credentialsSecretRef": {"name": "mail-mcp", "key": "token"},
                             "methods": [{"name": "tools/call", "params": ["send_email"]}],
                             "arguments": {"send_email": {"/to": {"enum": ["ops@example.com"]}}}}]},
      "network": {"egressHosts": ["api.github.com:443"]}})");
  }

  // A string of the sandbox's status ("" when absent).
  std::string statusString(const std::string& name, const std::string& key) const {
    const auto object = sandbox(name);
    if (!object) return {};
    const SandboxStatus status = SandboxStatus::fromJson(object->value("status", json::object()));
    if (key == "gateAddress") return status.gateAddress;
    const Condition* blocked = status.condition(kConditionBlocked);
    return key == "blockedReason" && blocked != nullptr ? blocked->reason : std::string();
  }

  std::string binding_;
};

TEST_F(ClusterGateTest, GateThenPodThatReachesItThenTeardown) {
  startOperator(gateOptions());
  createSandbox("mail", toolsSpec());
  ASSERT_TRUE(waitUntil([&] { return pod("mail").has_value(); })) << "no Pod was created\n" << logs_.str();

  const auto service = get(kube::resources::services(), "agentguard-gate");
  ASSERT_TRUE(service);
  const std::string ip = gateClusterIp(*service);
  ASSERT_FALSE(ip.empty());
  const auto deployment = get(gate_resources::deployments(), "agentguard-gate");
  ASSERT_TRUE(deployment);
  EXPECT_EQ((*deployment)["spec"]["replicas"], 2);
  EXPECT_EQ((*deployment)["spec"]["template"]["spec"]["containers"][0]["args"][1], ns_);
  EXPECT_FALSE((*deployment)["spec"]["template"]["spec"].contains("runtimeClassName"));
  EXPECT_TRUE(get(kube::resources::serviceAccounts(), "agentguard-gate"));
  EXPECT_TRUE(get(kube::resources::networkPolicies(), "agentguard-gate"));
  EXPECT_TRUE(get(gate_resources::roleBindings(), "agentguard-gate"));
  EXPECT_TRUE(get(gate_resources::podDisruptionBudgets(), "agentguard-gate"));
  EXPECT_TRUE(gateListed());

  // The sandbox reaches the gate alone, and is told where it is.
  const json policy = *networkPolicy("mail");
  ASSERT_EQ(policy["spec"]["egress"].size(), 1u);
  EXPECT_EQ(policy["spec"]["egress"][0]["to"][0]["podSelector"], gatePodSelector());
  const json p = *pod("mail");
  const json& env = p["spec"]["containers"][0]["env"];
  EXPECT_NE(std::find(env.begin(), env.end(), json{{"name", "MCP_GATEWAY_URL"}, {"value", "http://" + ip + ":8080/mcp"}}),
            env.end());
  EXPECT_EQ(p["spec"]["volumes"].back()["projected"]["sources"][0]["serviceAccountToken"]["audience"], "agentguard-gate");
  ASSERT_TRUE(waitUntil([&] { return statusString("mail", "gateAddress") == ip; }));

  ASSERT_TRUE(client_->remove(kube::resources::agentSandboxes(), ns_, "mail").ok());
  ASSERT_TRUE(waitUntil([&] { return !sandbox("mail").has_value(); }));
  EXPECT_TRUE(waitUntil([&] { return gateGone(); })) << "the gate outlived its last sandbox";
  EXPECT_FALSE(gateListed());
}

TEST_F(ClusterGateTest, ToolsWithCidrsAreRefusedByTheSchema) {
  json spec = toolsSpec();
  spec["network"]["egress"] = json::array({{{"cidr", "203.0.113.0/24"}}});
  auto created = client_->create(kube::resources::agentSandboxes(), ns_, sandboxBody("mixed", spec));
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().message.find("network.egressHosts"), std::string::npos) << created.error().message;
}

TEST_F(ClusterGateTest, SchemaRefusesRepeatedServerNamesAndBadHosts) {
  json repeated = toolsSpec();
  repeated["tools"]["servers"].push_back(repeated["tools"]["servers"][0]);
  EXPECT_FALSE(client_->create(kube::resources::agentSandboxes(), ns_, sandboxBody("repeated", repeated)).ok());
  json badHost = toolsSpec();
  badHost["network"]["egressHosts"] = json::array({"api.github.com"});
  EXPECT_FALSE(client_->create(kube::resources::agentSandboxes(), ns_, sandboxBody("nohost", badHost)).ok());
  json badPointer = toolsSpec();
  badPointer["tools"]["servers"][0]["arguments"]["send_email"] = {{"to", {{"maxLength", 10}}}};
  EXPECT_FALSE(client_->create(kube::resources::agentSandboxes(), ns_, sandboxBody("pointer", badPointer)).ok());
}

TEST_F(ClusterGateTest, WithoutAGateImageTheSandboxIsBlocked) {
  startOperator();
  createSandbox("mail", toolsSpec());
  ASSERT_TRUE(waitUntil([&] { return statusString("mail", "blockedReason") == "GateNotConfigured"; }));
  EXPECT_FALSE(pod("mail").has_value());
  EXPECT_FALSE(get(gate_resources::deployments(), "agentguard-gate").has_value());
}

}  // namespace
}  // namespace agentguard::op::testing

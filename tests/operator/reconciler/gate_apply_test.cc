// What a reconcile writes for a sandbox that uses agentguard-gate, against an API server in memory: the gate's
// objects by server-side apply, the TokenReview binding's subject, the Pod only once the gate has an address, and
// the gate's removal with the namespace's last such sandbox. Against a real API server: reconciler_cluster_test.cc.
#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>

#include "common/kube/resource.h"
#include "operator/builders/gate_builder.h"
#include "operator/builders/owned_objects.h"
#include "operator/reconciler/reconciler.h"
#include "operator/status/sandbox_status.h"
#include "tests/operator/support/fake_cluster.h"

namespace agentguard::op {
namespace {

using nlohmann::json;
using testing::FakeCluster;

class NoEvents final : public EventSink {
 public:
  void record(const SandboxMeta&, EventType, std::string_view reason, std::string) override {
    reasons.emplace_back(reason);
  }
  std::vector<std::string> reasons;
};

ReconcilerOptions gateOptions(std::string image = "registry.example.com/agentguard:1") {
  ReconcilerOptions options;
  options.gate = GateSettings{std::move(image), 2, nullptr, "agentguard-gate", "agentguard-gate-tokenreview"};
  return options;
}

json toolsSandbox(const std::string& name) {
  return {{"apiVersion", "agentguard.io/v1alpha1"},
          {"kind", "AgentSandbox"},
          {"metadata", {{"namespace", "agents"}, {"name", name}, {"generation", 1}}},
          {"spec",
           {{"tools", {{"servers", json::array({{{"name", "mail"}, {"url", "http://mail-mcp.tools:8000/mcp"}}})}}},
            {"network", {{"egressHosts", json::array({"api.github.com:443"})}}},
            {"template", {{"spec", {{"containers", json::array({{{"name", "agent"}, {"image", "agent:1"}}})}}}}}}}};
}

class GateWritesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.put(kube::resources::runtimeClasses(), {{"metadata", {{"name", "gvisor"}}}, {"handler", "runsc"}});
    cluster_.put(kube::resources::agentSandboxClasses(),
                 {{"metadata",
                   {{"name", "standard"}, {"annotations", {{"agentsandboxclass.agentguard.io/is-default-class", "true"}}}}},
                  {"spec", json::object()}});
    cluster_.put(gate_resources::clusterRoleBindings(),
                 {{"metadata", {{"name", "agentguard-gate-tokenreview"}}},
                  {"roleRef", {{"kind", "ClusterRole"}, {"name", "agentguard-gate-tokenreview"}}},
                  {"subjects", json::array({{{"kind", "ServiceAccount"}, {"name", "agentguard-gate"}, {"namespace", "other"}}})}});
    cluster_.put(kube::resources::agentSandboxes(), toolsSandbox("mail-assistant"));
  }

  // The API server gives the gate Service its address.
  void allocateClusterIp() {
    json service = *cluster_.find(kube::resources::services(), "agents", "agentguard-gate");
    service["spec"]["clusterIP"] = "10.96.0.20";
    cluster_.put(kube::resources::services(), service);
  }
  json subjects() const {
    return cluster_.find(gate_resources::clusterRoleBindings(), "", "agentguard-gate-tokenreview")->at("subjects");
  }
  bool gateListed() const {
    const json all = subjects();
    return std::find(all.begin(), all.end(), gateSubject("agents")) != all.end();
  }
  void deleteSandbox(const std::string& name) {
    ASSERT_TRUE(cluster_.remove(kube::resources::agentSandboxes(), "agents", name).ok());
    for (int i = 0; i < 3 && cluster_.find(kube::resources::agentSandboxes(), "agents", name); ++i) {
      ASSERT_FALSE(reconciler_.reconcile("agents", name).error);
    }
    ASSERT_FALSE(cluster_.find(kube::resources::agentSandboxes(), "agents", name));
  }

  FakeCluster cluster_;
  RecentWrites writes_;
  NoEvents events_;
  ManualClock clock_;
  std::ostringstream logs_;
  log::Logger logger_{logs_};
  Reconciler reconciler_{cluster_, writes_, cluster_, events_, nullptr, clock_, logger_, gateOptions()};
};

TEST_F(GateWritesTest, GateFirstThenThePodOnceTheGateHasAnAddress) {
  const ReconcileResult first = reconciler_.reconcile("agents", "mail-assistant");
  ASSERT_FALSE(first.error) << first.error->describe();
  const std::vector<std::string> expected = {
      "patch agentsandboxes agents/mail-assistant",
      "create networkpolicies agents/mail-assistant-isolation",
      "apply serviceaccounts agents/agentguard-gate",
      "apply rolebindings agents/agentguard-gate",
      "apply networkpolicies agents/agentguard-gate",
      "apply services agents/agentguard-gate",
      "apply deployments agents/agentguard-gate",
      "apply poddisruptionbudgets agents/agentguard-gate",
      "replace clusterrolebindings /agentguard-gate-tokenreview",
      "patch agentsandboxes/status agents/mail-assistant",
  };
  EXPECT_EQ(cluster_.writes(), expected);
  EXPECT_EQ(first.requeueAfter, ReconcilerOptions{}.gateRecheck);  // no address yet: no Pod
  EXPECT_FALSE(cluster_.find(kube::resources::pods(), "agents", "mail-assistant"));
  EXPECT_TRUE(gateListed());
  EXPECT_EQ(subjects().size(), 2u) << "the other namespace's gate stays listed";
  const json policy = *cluster_.find(kube::resources::networkPolicies(), "agents", "mail-assistant-isolation");
  EXPECT_EQ(policy["spec"]["egress"][0]["to"][0]["podSelector"], gatePodSelector());

  allocateClusterIp();
  ASSERT_FALSE(reconciler_.reconcile("agents", "mail-assistant").error);
  const auto pod = cluster_.find(kube::resources::pods(), "agents", "mail-assistant");
  ASSERT_TRUE(pod);
  const json& env = (*pod)["spec"]["containers"][0]["env"];
  EXPECT_NE(std::find(env.begin(), env.end(), json{{"name", "HTTPS_PROXY"}, {"value", "http://10.96.0.20:3128"}}), env.end());
  EXPECT_EQ((*pod)["spec"]["volumes"].back()["projected"]["sources"][0]["serviceAccountToken"]["audience"],
            "agentguard-gate");
  const auto sandbox = cluster_.find(kube::resources::agentSandboxes(), "agents", "mail-assistant");
  EXPECT_EQ((*sandbox)["status"]["gateAddress"], "10.96.0.20");
  EXPECT_EQ((*sandbox)["status"]["egress"], "Gate only (1 MCP server, 1 host)");
}

TEST_F(GateWritesTest, DeletedGateObjectIsPutBack) {
  ASSERT_FALSE(reconciler_.reconcile("agents", "mail-assistant").error);
  ASSERT_TRUE(cluster_.remove(gate_resources::deployments(), "agents", "agentguard-gate").ok());
  ASSERT_FALSE(reconciler_.reconcile("agents", "mail-assistant").error);
  EXPECT_TRUE(cluster_.find(gate_resources::deployments(), "agents", "agentguard-gate"));
}

TEST_F(GateWritesTest, GateGoesWithTheLastSandboxThatUsesIt) {
  cluster_.put(kube::resources::agentSandboxes(), toolsSandbox("researcher"));
  ASSERT_FALSE(reconciler_.reconcile("agents", "mail-assistant").error);
  allocateClusterIp();
  ASSERT_FALSE(reconciler_.reconcile("agents", "mail-assistant").error);
  ASSERT_FALSE(reconciler_.reconcile("agents", "researcher").error);

  deleteSandbox("mail-assistant");
  EXPECT_TRUE(cluster_.find(gate_resources::deployments(), "agents", "agentguard-gate")) << "researcher still uses it";
  EXPECT_TRUE(gateListed());

  deleteSandbox("researcher");
  for (const GateObject& object : buildGateObjects("agents", gateOptions().gate, GateEgress{})) {
    EXPECT_FALSE(cluster_.find(*object.resource, "agents", "agentguard-gate")) << object.body["kind"];
  }
  EXPECT_FALSE(gateListed());
  EXPECT_EQ(subjects().size(), 1u);
}

TEST_F(GateWritesTest, WithoutAGateImageTheSandboxIsBlocked) {
  Reconciler unconfigured{cluster_, writes_, cluster_, events_, nullptr, clock_, logger_, gateOptions("")};
  EXPECT_FALSE(unconfigured.reconcile("agents", "mail-assistant").error);
  const auto writes = cluster_.writes();
  EXPECT_FALSE(std::any_of(writes.begin(), writes.end(), [](const std::string& w) { return w.rfind("apply", 0) == 0; }));
  EXPECT_FALSE(cluster_.find(kube::resources::pods(), "agents", "mail-assistant"));
  const auto sandbox = cluster_.find(kube::resources::agentSandboxes(), "agents", "mail-assistant");
  EXPECT_EQ(SandboxStatus::fromJson((*sandbox)["status"]).condition("Blocked")->reason, "GateNotConfigured");
}

TEST_F(GateWritesTest, MissingTokenReviewBindingIsReportedAndRetried) {
  ASSERT_TRUE(cluster_.remove(gate_resources::clusterRoleBindings(), "", "agentguard-gate-tokenreview").ok());
  const ReconcileResult result = reconciler_.reconcile("agents", "mail-assistant");
  ASSERT_TRUE(result.error);
  EXPECT_NE(result.error->message.find("agentguard-gate-tokenreview"), std::string::npos) << result.error->message;
  const auto sandbox = cluster_.find(kube::resources::agentSandboxes(), "agents", "mail-assistant");
  EXPECT_EQ(SandboxStatus::fromJson((*sandbox)["status"]).condition("Failed")->reason, "APIError");
}

}  // namespace
}  // namespace agentguard::op

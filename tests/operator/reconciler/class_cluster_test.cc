// AgentSandboxClass against the real local API server (kube-apiserver v1.37): the default class, bounds that
// block, class edits that re-evaluate running sandboxes, the immutable class binding, the dedicated
// ServiceAccount and Secret references. Every test runs under the invariant checker.
#include <gtest/gtest.h>

#include "common/kube/resource.h"
#include "tests/operator/support/operator_cluster_fixture.h"

namespace agentguard::op::testing {
namespace {

using nlohmann::json;

class ClusterSandboxClassTest : public OperatorClusterTest {
 protected:
  // A class of this test's own (never default), deleted at TearDown.
  std::string ownClass(const json& spec) {
    const std::string name = "class-" + ns_.substr(ns_.size() - 8);
    ensureSandboxClass(name, spec);
    return name;
  }
  std::string blockedMessage(const std::string& sandboxName) const {
    return condition(sandboxName, "Blocked").value("message", "");
  }
  bool policyAllows(const std::string& sandboxName, const std::string& cidr) const {
    const auto policy = networkPolicy(sandboxName);
    if (!policy) return false;
    for (const json& rule : policy->value("spec", json::object()).value("egress", json::array())) {
      for (const json& peer : rule.value("to", json::array())) {
        if (peer.contains("ipBlock") && peer["ipBlock"].value("cidr", "") == cidr) return true;
      }
    }
    return false;
  }
};

TEST_F(ClusterSandboxClassTest, DefaultClassAppliesWithADedicatedServiceAccount) {
  startOperator();
  createSandbox("analyst", json::parse(R"({"network": {"egress": [{"cidr": "0.0.0.0/0", "ports": [{"port": 443}]}]}})"));
  ASSERT_TRUE(waitUntil([&] { return pod("analyst").has_value(); })) << blockedMessage("analyst");
  ASSERT_TRUE(waitUntil([&] { return sandbox("analyst")->value("status", json::object()).value("className", "") != ""; }));
  EXPECT_EQ((*sandbox("analyst"))["status"]["className"], kTestDefaultClass);

  // The Pod runs as the sandbox's own ServiceAccount, which the operator created, owns and grants nothing.
  const json p = *pod("analyst");
  EXPECT_EQ(p["spec"]["serviceAccountName"], "analyst-sandbox");
  EXPECT_EQ(p["spec"]["automountServiceAccountToken"], false);
  const auto account = get(kube::resources::serviceAccounts(), "analyst-sandbox");
  ASSERT_TRUE(account.has_value());
  EXPECT_EQ((*account)["automountServiceAccountToken"], false);
  EXPECT_EQ((*account)["metadata"]["ownerReferences"][0]["kind"], "AgentSandbox");
  EXPECT_EQ((*account)["metadata"]["ownerReferences"][0]["controller"], true);
  EXPECT_EQ((*account)["metadata"]["ownerReferences"][0]["uid"], (*sandbox("analyst"))["metadata"]["uid"]);
  EXPECT_EQ((*account)["metadata"]["labels"]["app.kubernetes.io/managed-by"], "agentguard-operator");
  auto bindings = client_->list(kube::Resource{"rbac.authorization.k8s.io", "v1", "rolebindings", true}, ns_);
  ASSERT_TRUE(bindings.ok());
  EXPECT_TRUE(bindings->items.empty()) << "nothing is bound to the dedicated ServiceAccount";

  // 0.0.0.0/0 is written with the metadata, loopback and "this network" blocks carved out.
  const json egress = (*networkPolicy("analyst"))["spec"]["egress"];
  ASSERT_EQ(egress.size(), 2u);
  EXPECT_EQ(egress[1]["to"][0]["ipBlock"]["cidr"], "0.0.0.0/0");
  EXPECT_EQ(egress[1]["to"][0]["ipBlock"]["except"], json::parse(R"(["169.254.0.0/16", "127.0.0.0/8", "0.0.0.0/8"])"));
  EXPECT_EQ((*sandbox("analyst"))["status"]["egress"], "1 destination + DNS (1 target)");
}

TEST_F(ClusterSandboxClassTest, SandboxBeyondItsClassIsBlockedNamingFieldAndLimit) {
  startOperator();
  createSandbox("reach", json::parse(R"({
    "network": {"egress": [{"cidr": "169.254.169.254/32", "ports": [{"port": 80}]}],
                "dns": {"namespace": "attacker", "nodeLocalDNSCacheIP": "198.51.100.53"}},
    "template": {"spec": {"priorityClassName": "system-node-critical", "tolerations": [{"operator": "Exists"}],
                          "nodeSelector": {"node-role.kubernetes.io/master": "true"}}}})"));
  ASSERT_TRUE(waitUntil([&] { return phase("reach") == "Blocked"; }));
  const json blocked = condition("reach", "Blocked");
  EXPECT_EQ(blocked["reason"], "ExceedsClass");
  const std::string message = blocked["message"];
  for (const char* part :
       {"spec.network.egress[0].cidr 169.254.169.254/32 lies inside 169.254.0.0/16",
        "spec.network.dns.namespace is attacker but AgentSandboxClass default-test serves DNS from namespace kube-system",
        "spec.network.dns.nodeLocalDNSCacheIP is 198.51.100.53",
        "spec.template.spec.priorityClassName is system-node-critical",
        "spec.template.spec.tolerations[0] tolerates every taint",
        "spec.template.spec.nodeSelector[node-role.kubernetes.io/master] selects control-plane nodes"}) {
    EXPECT_NE(message.find(part), std::string::npos) << "missing '" << part << "' in: " << message;
  }
  EXPECT_FALSE(pod("reach").has_value());
  // The policy holds only what the class allows: the refused destination and the author's DNS are not in it.
  ASSERT_TRUE(networkPolicy("reach").has_value());
  EXPECT_FALSE(policyAllows("reach", "169.254.169.254/32"));
  EXPECT_FALSE(policyAllows("reach", "198.51.100.53/32"));
  EXPECT_EQ((*networkPolicy("reach"))["spec"]["egress"][0]["to"][0]["namespaceSelector"]["matchLabels"]
                ["kubernetes.io/metadata.name"],
            "kube-system");
}

TEST_F(ClusterSandboxClassTest, ForbiddenSecretReferenceIsBlockedAndALabelledOneAllowed) {
  json secret = {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "tools"}, {"labels", {{"share", "agents"}}}}},
                 {"stringData", {{"key", "value"}}}};
  ASSERT_TRUE(client_->create(kube::resources::secrets(), ns_, secret).ok());
  const std::string name = ownClass(json::parse(R"({"egress": {"allowedCIDRs": ["0.0.0.0/0"]},
                                                     "secrets": {"selector": {"matchLabels": {"share": "agents"}}}})"));
  startOperator();
  json leaky = json::parse(R"({"template": {"spec": {"containers": [{"name": "agent", "image": "a:1",
      "envFrom": [{"secretRef": {"name": "default-token-abcde"}}]}]}}})");
  leaky["className"] = name;
  createSandbox("leaky", leaky);
  json tooled = json::parse(R"({"template": {"spec": {
      "containers": [{"name": "agent", "image": "a:1", "volumeMounts": [{"name": "t", "mountPath": "/t"}]}],
      "volumes": [{"name": "t", "secret": {"secretName": "tools"}}]}}})");
  tooled["className"] = name;
  createSandbox("tooled", tooled);
  ASSERT_TRUE(waitUntil([&] { return phase("leaky") == "Blocked"; }));
  EXPECT_NE(blockedMessage("leaky").find("spec.template.spec.containers[0].envFrom[0].secretRef.name names Secret "
                                         "default-token-abcde, which AgentSandboxClass " + name + " does not allow"),
            std::string::npos)
      << blockedMessage("leaky");
  EXPECT_FALSE(pod("leaky").has_value());
  ASSERT_TRUE(waitUntil([&] { return pod("tooled").has_value(); })) << blockedMessage("tooled");
}

TEST_F(ClusterSandboxClassTest, EditingTheClassReevaluatesItsSandboxes) {
  const std::string name = ownClass(json::parse(R"({"egress": {"allowedCIDRs": ["203.0.113.0/24"]}})"));
  startOperator();
  json spec = json::parse(R"({"network": {"egress": [{"cidr": "203.0.113.0/24"}]}})");
  spec["className"] = name;
  createSandbox("worker", spec);
  ASSERT_TRUE(waitUntil([&] { return pod("worker").has_value(); })) << blockedMessage("worker");
  const std::string firstPod = (*pod("worker"))["metadata"]["uid"];

  // The platform team narrows the class: the running sandbox is blocked, its Pod goes, its policy narrows.
  ensureSandboxClass(name, json::parse(R"({"egress": {"allowedCIDRs": ["198.51.100.0/24"]}})"));
  ASSERT_TRUE(waitUntil([&] { return phase("worker") == "Blocked"; }));
  EXPECT_NE(blockedMessage("worker").find("203.0.113.0/24 is outside the allowed egress of AgentSandboxClass " + name +
                                          " (allowedCIDRs: 198.51.100.0/24)"),
            std::string::npos)
      << blockedMessage("worker");
  EXPECT_TRUE(waitUntil([&] { return !pod("worker").has_value(); })) << "the Pod beyond its class was not deleted";
  EXPECT_TRUE(waitUntil([&] { return !policyAllows("worker", "203.0.113.0/24"); }));

  // Widened again: a new Pod.
  ensureSandboxClass(name, json::parse(R"({"egress": {"allowedCIDRs": ["203.0.113.0/24"]}})"));
  ASSERT_TRUE(waitUntil([&] { return pod("worker").has_value() && (*pod("worker"))["metadata"]["uid"] != firstPod; }));
  EXPECT_TRUE(policyAllows("worker", "203.0.113.0/24"));
}

TEST_F(ClusterSandboxClassTest, ClassNameIsImmutableOnceBound) {
  const std::string name = ownClass(json::parse(R"({"egress": {"allowedCIDRs": ["0.0.0.0/0"]}})"));
  startOperator();
  createSandbox("settled");
  ASSERT_TRUE(waitUntil([&] { return pod("settled").has_value(); })) << blockedMessage("settled");
  ASSERT_TRUE(waitUntil([&] {
    return sandbox("settled")->value("status", json::object()).value("className", "") == kTestDefaultClass;
  }));
  auto patched = client_->mergePatch(kube::resources::agentSandboxes(), ns_, "settled", {{"spec", {{"className", name}}}});
  ASSERT_TRUE(patched.ok()) << patched.error().describe();
  ASSERT_TRUE(waitUntil([&] { return condition("settled", "Blocked").value("reason", "") == "ClassNameImmutable"; }));
  EXPECT_NE(blockedMessage("settled").find("spec.className is immutable: the sandbox is bound to AgentSandboxClass " +
                                           std::string(kTestDefaultClass) + " and now names " + name),
            std::string::npos)
      << blockedMessage("settled");
  EXPECT_EQ((*sandbox("settled"))["status"]["className"], kTestDefaultClass);
  EXPECT_TRUE(waitUntil([&] { return !pod("settled").has_value(); }));

  // Naming the bound class again (or dropping the field) lifts the block.
  patched = client_->mergePatch(kube::resources::agentSandboxes(), ns_, "settled", {{"spec", {{"className", nullptr}}}});
  ASSERT_TRUE(patched.ok()) << patched.error().describe();
  EXPECT_TRUE(waitUntil([&] { return pod("settled").has_value(); })) << blockedMessage("settled");
}

TEST_F(ClusterSandboxClassTest, MissingClassBlocksWithNothingReachable) {
  startOperator();
  createSandbox("orphan", json::parse(R"({"className": "no-such-class",
                                          "network": {"egress": [{"cidr": "203.0.113.0/24"}]}})"));
  ASSERT_TRUE(waitUntil([&] { return phase("orphan") == "Blocked"; }));
  EXPECT_EQ(condition("orphan", "Blocked")["reason"], "ClassNotFound");
  EXPECT_NE(blockedMessage("orphan").find("AgentSandboxClass no-such-class does not exist"), std::string::npos);
  ASSERT_TRUE(networkPolicy("orphan").has_value());
  EXPECT_FALSE((*networkPolicy("orphan"))["spec"].contains("egress")) << "no class: no egress, not even DNS";
  EXPECT_EQ((*sandbox("orphan"))["status"]["egress"], "Isolated");
  EXPECT_FALSE(pod("orphan").has_value());
}

}  // namespace
}  // namespace agentguard::op::testing

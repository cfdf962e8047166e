#include "operator/builders/network_policy_builder.h"

#include <gtest/gtest.h>

#include "operator/api/agent_sandbox.h"

namespace agentguard::op {
namespace {

using nlohmann::json;

SandboxMeta sandbox() {
  SandboxMeta meta;
  meta.ns = "agents";
  meta.name = "analyst";
  meta.uid = "uid-1";
  return meta;
}

NetworkSpec parseNetwork(const std::string& text) {
  json spec = {{"template", {{"spec", {{"containers", json::array({{{"name", "a"}, {"image", "a"}}})}}}}}};
  spec["network"] = json::parse(text);
  const ParsedSpec parsed = parseSpec(spec);
  EXPECT_TRUE(parsed.violations.empty()) << parsed.violations.front().message;
  return parsed.spec.network;
}

const json kDnsPorts = json::parse(R"([{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}])");

TEST(NetworkPolicyBuilderTest, DefaultDeniesAllButClusterDns) {
  const json policy = buildNetworkPolicy(sandbox(), parseNetwork("{}"));
  EXPECT_EQ(policy["metadata"]["name"], "analyst-isolation");
  EXPECT_EQ(policy["metadata"]["namespace"], "agents");
  EXPECT_EQ(policy["metadata"]["labels"]["agentguard.io/sandbox"], "analyst");
  EXPECT_EQ(policy["metadata"]["labels"]["app.kubernetes.io/managed-by"], "agentguard-operator");
  EXPECT_EQ(policy["metadata"]["finalizers"], json::array({"agentguard.io/isolation-teardown"}))
      << "the policy stays in force until the operator has seen the Pod gone";
  const json& owner = policy["metadata"]["ownerReferences"][0];
  EXPECT_EQ(owner["kind"], "AgentSandbox");
  EXPECT_EQ(owner["uid"], "uid-1");
  EXPECT_EQ(owner["controller"], true);
  const json& spec = policy["spec"];
  EXPECT_EQ(spec["podSelector"], json::parse(R"({"matchLabels": {"agentguard.io/sandbox": "analyst"}})"));
  EXPECT_EQ(spec["policyTypes"], json::parse(R"(["Ingress", "Egress"])"));
  EXPECT_FALSE(spec.contains("ingress")) << "no ingress rule means all ingress is denied";
  ASSERT_EQ(spec["egress"].size(), 1u);
  const json& dns = spec["egress"][0];
  EXPECT_EQ(dns["ports"], kDnsPorts);
  ASSERT_EQ(dns["to"].size(), 1u) << "DNS goes to the DNS pods only, never to port 53 anywhere";
  EXPECT_EQ(dns["to"][0], json::parse(R"({
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}})"));
}

TEST(NetworkPolicyBuilderTest, NodeLocalCacheAndCustomDnsPods) {
  const json policy = buildNetworkPolicy(sandbox(), parseNetwork(R"({"dns": {"namespace": "dns",
      "podSelector": {"app": "coredns"}, "nodeLocalDNSCacheIP": "169.254.20.10"}})"));
  const json& dns = policy["spec"]["egress"][0];
  EXPECT_EQ(dns["ports"], kDnsPorts);
  ASSERT_EQ(dns["to"].size(), 2u);
  EXPECT_EQ(dns["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"], "dns");
  EXPECT_EQ(dns["to"][0]["podSelector"]["matchLabels"], json::parse(R"({"app": "coredns"})"));
  EXPECT_EQ(dns["to"][1], json::parse(R"({"ipBlock": {"cidr": "169.254.20.10/32"}})"));
}

TEST(NetworkPolicyBuilderTest, DnsNoneLeavesNoEgressRule) {
  const json policy = buildNetworkPolicy(sandbox(), parseNetwork(R"({"dns": {"mode": "None"}})"));
  EXPECT_FALSE(policy["spec"].contains("egress"));
  EXPECT_EQ(policy["spec"]["policyTypes"], json::parse(R"(["Ingress", "Egress"])"));
}

TEST(NetworkPolicyBuilderTest, EgressAllowListWithExceptAndPorts) {
  const json policy = buildNetworkPolicy(sandbox(), parseNetwork(R"({"egress": [
      {"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"], "ports": [{"port": 443, "protocol": "TCP"}]},
      {"cidr": "198.51.100.0/24", "ports": [{"port": 8000, "endPort": 8002, "protocol": "UDP"}]},
      {"cidr": "2001:db8::/32"}]})"));
  const json& egress = policy["spec"]["egress"];
  ASSERT_EQ(egress.size(), 4u);
  EXPECT_EQ(egress[1], json::parse(R"({"to": [{"ipBlock": {"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"]}}],
                                       "ports": [{"protocol": "TCP", "port": 443}]})"));
  EXPECT_EQ(egress[2]["ports"], json::parse(R"([{"protocol": "UDP", "port": 8000}, {"protocol": "UDP", "port": 8001},
                                                {"protocol": "UDP", "port": 8002}])"));
  EXPECT_EQ(egress[3], json::parse(R"({"to": [{"ipBlock": {"cidr": "2001:db8::/32"}}]})"));
}

TEST(NetworkPolicyBuilderTest, IngressAllowList) {
  const json policy = buildNetworkPolicy(sandbox(), parseNetwork(R"({"ingress": [
      {"podSelector": {"matchLabels": {"app": "gateway"}, "matchExpressions": []}, "ports": [{"port": 8080}]},
      {"namespaceSelector": {"matchLabels": {"team": "ops"}}},
      {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"], "ports": [{"port": 9090, "protocol": "TCP"}]}]})"));
  EXPECT_EQ(policy["spec"]["ingress"], json::parse(R"([
      {"from": [{"podSelector": {"matchLabels": {"app": "gateway"}}}], "ports": [{"protocol": "TCP", "port": 8080}]},
      {"from": [{"namespaceSelector": {"matchLabels": {"team": "ops"}}}]},
      {"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}],
       "ports": [{"protocol": "TCP", "port": 9090}]}])"));
}

TEST(NetworkPolicyMatchesTest, DetectsDrift) {
  const json desired = buildNetworkPolicy(sandbox(), parseNetwork(R"({"egress": [{"cidr": "203.0.113.0/24"}]})"));
  json live = desired;
  live["metadata"]["resourceVersion"] = "7";
  live["metadata"]["labels"]["extra"] = "fine";
  EXPECT_TRUE(networkPolicyMatches(desired, live));

  json widened = live;
  widened["spec"]["egress"].push_back(json::parse(R"({"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]})"));
  EXPECT_FALSE(networkPolicyMatches(desired, widened));

  json unselected = live;
  unselected["spec"]["podSelector"]["matchExpressions"] =
      json::parse(R"([{"key": "never", "operator": "Exists"}])");
  EXPECT_FALSE(networkPolicyMatches(desired, unselected));

  json relabelled = live;
  relabelled["metadata"]["labels"].erase("agentguard.io/sandbox");
  EXPECT_FALSE(networkPolicyMatches(desired, relabelled));

  json orphaned = live;
  orphaned["metadata"].erase("ownerReferences");
  EXPECT_FALSE(networkPolicyMatches(desired, orphaned));
}

}  // namespace
}  // namespace agentguard::op

// The objects of a namespace's agentguard-gate, the way a sandbox Pod reaches it, and the proof that all of them
// pass the admission webhook's bundled policies as the webhook would judge them (Pods made by the ReplicaSet
// controller carry no honoured skip).
#include "operator/builders/gate_builder.h"

#include <algorithm>
#include <memory>

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "engine/network/document_network_policy_source.h"
#include "engine/policy/bundled_policies.h"
#include "engine/policy/policy_loader.h"
#include "engine/rules/rule_catalog.h"
#include "operator/builders/pod_builder.h"

namespace agentguard::op {
namespace {

using nlohmann::json;

GateSettings settings() {
  return {"registry.example.com/agentguard/agentguard:0.9.0", 2, json{{"limits", {{"memory", "256Mi"}}}},
          "agentguard-gate", "agentguard-gate-tokenreview"};
}

GateEgress egressFor(std::set<int> ports) {
  GateEgress egress;
  egress.publicPorts = std::move(ports);
  egress.clusterCidrs = {"10.244.0.0/16", "10.96.0.0/12"};
  return egress;
}

const json& objectOf(const std::vector<GateObject>& objects, const std::string& kind) {
  for (const GateObject& object : objects) {
    if (object.body["kind"] == kind) return object.body;
  }
  throw std::runtime_error("no " + kind);
}

json envValue(const json& container, const std::string& name) {
  for (const json& entry : container["env"]) {
    if (entry["name"] == name) return entry["value"];
  }
  return nullptr;
}

TEST(GateObjectsTest, AreNamedLabelledAndOrdered) {
  const auto objects = buildGateObjects("agents", settings(), egressFor({443}));
  std::vector<std::string> kinds;
  for (const GateObject& object : objects) {
    kinds.push_back(object.body["kind"]);
    EXPECT_EQ(object.body["metadata"]["name"], "agentguard-gate");
    EXPECT_EQ(object.body["metadata"]["namespace"], "agents");
    EXPECT_EQ(object.body["metadata"]["labels"]["app.kubernetes.io/name"], "agentguard-gate");
    EXPECT_EQ(object.body["metadata"]["labels"]["app.kubernetes.io/managed-by"], "agentguard-operator");
    EXPECT_EQ(object.body["metadata"]["annotations"]["agentguard.io/gate-config"], gateConfig(settings()));
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"ServiceAccount", "RoleBinding", "NetworkPolicy", "Service", "Deployment",
                                             "PodDisruptionBudget"}));
}

TEST(GateObjectsTest, DeploymentRunsRestrictedWithRunc) {
  const json deployment = objectOf(buildGateObjects("agents", settings(), egressFor({443})), "Deployment");
  EXPECT_EQ(deployment["spec"]["replicas"], 2);
  const json& pod = deployment["spec"]["template"]["spec"];
  EXPECT_FALSE(pod.contains("runtimeClassName"));
  EXPECT_EQ(pod["serviceAccountName"], "agentguard-gate");
  EXPECT_EQ(pod["automountServiceAccountToken"], false);
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  const json& container = pod["containers"][0];
  EXPECT_EQ(container["image"], "registry.example.com/agentguard/agentguard:0.9.0");
  // Each Pod records every decision, signed with a key it creates in its own emptyDir.
  EXPECT_EQ(container["args"], json::array({"--namespace", "agents",
                                            "--decision-log-file=/var/lib/agentguard-gate/$(POD_NAME).dsse.jsonl",
                                            "--decision-signing-key=/var/lib/agentguard-gate/$(POD_NAME).key.pem",
                                            "--decision-signing-key-create"}));
  EXPECT_EQ(container["env"][0]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.name");
  EXPECT_EQ(container["volumeMounts"][1], json({{"name", "decisions"}, {"mountPath", "/var/lib/agentguard-gate"}}));
  EXPECT_EQ(pod["volumes"][1], json({{"name", "decisions"}, {"emptyDir", {{"sizeLimit", "1Gi"}}}}));
  EXPECT_EQ(container["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(container["securityContext"]["allowPrivilegeEscalation"], false);
  EXPECT_EQ(container["securityContext"]["capabilities"]["drop"], json::array({"ALL"}));
  EXPECT_EQ(container["livenessProbe"]["httpGet"]["path"], "/healthz");
  EXPECT_EQ(container["readinessProbe"]["httpGet"]["path"], "/readyz");
  EXPECT_EQ(container["resources"]["limits"]["memory"], "256Mi");
  // The API token is the projected one (no audience: the API server's), mounted into the gate container only.
  EXPECT_FALSE(pod["volumes"][0]["projected"]["sources"][0]["serviceAccountToken"].contains("audience"));
}

TEST(GateObjectsTest, ServiceAndRoleBinding) {
  const auto objects = buildGateObjects("agents", settings(), egressFor({443}));
  const json& service = objectOf(objects, "Service");
  std::vector<std::pair<std::string, int>> ports;
  for (const json& port : service["spec"]["ports"]) ports.emplace_back(port["name"], port["port"]);
  EXPECT_EQ(ports, (std::vector<std::pair<std::string, int>>{{"mcp", 8080}, {"proxy", 3128}, {"metrics", 9090}}));
  const json& binding = objectOf(objects, "RoleBinding");
  EXPECT_EQ(binding["roleRef"]["kind"], "ClusterRole");
  EXPECT_EQ(binding["roleRef"]["name"], "agentguard-gate");
  EXPECT_EQ(binding["subjects"], json::array({gateSubject("agents")}));
}

TEST(GateObjectsTest, NetworkPolicyLetsSandboxesInAndTheGateOutOnTheNamedPortsOnly) {
  const json policy = objectOf(buildGateObjects("agents", settings(), egressFor({443, 8443})), "NetworkPolicy");
  // Never a sandbox's Pod, whatever labels it has.
  EXPECT_EQ(policy["spec"]["podSelector"], gatePodSelector());
  EXPECT_EQ(gatePodSelector()["matchExpressions"][0]["operator"], "DoesNotExist");
  const json& ingress = policy["spec"]["ingress"];
  ASSERT_EQ(ingress.size(), 2u);
  EXPECT_EQ(ingress[0]["from"][0]["podSelector"]["matchExpressions"][0]["key"], "agentguard.io/sandbox");
  EXPECT_EQ(ingress[0]["ports"].size(), 2u);
  EXPECT_FALSE(ingress[1].contains("from"));
  EXPECT_EQ(ingress[1]["ports"][0]["port"], 9090);
  const json& egress = policy["spec"]["egress"];
  ASSERT_EQ(egress.size(), 2u);
  std::vector<std::string> cluster;
  for (const json& peer : egress[0]["to"]) cluster.push_back(peer["ipBlock"]["cidr"]);
  EXPECT_NE(std::find(cluster.begin(), cluster.end(), "10.96.0.0/12"), cluster.end());
  EXPECT_NE(std::find(cluster.begin(), cluster.end(), "192.168.0.0/16"), cluster.end());
  EXPECT_EQ(egress[1]["ports"], json::parse(R"([{"protocol":"TCP","port":443},{"protocol":"TCP","port":8443}])"));
  EXPECT_EQ(egress[1]["to"][0]["ipBlock"]["except"], json::array({"169.254.0.0/16"}));
}

TEST(GatePortsTest, ComeFromEgressHostsAndServerUrls) {
  AgentSandboxSpec spec;
  spec.network.egressHosts = {"api.github.com:443", "*.pypi.org:8443"};
  spec.tools = ToolsSpec{ToolsMode::kEnforce,
                         {{"a", "http://mail-mcp.tools:8000/mcp"}, {"b", "https://fetch.example.com/mcp"},
                          {"c", "http://plain.example.com"}, {"d", "http://[fd00::1]/mcp"}, {"e", "https://[fd00::2]:9443"}}};
  std::set<int> ports;
  addGatePorts(spec, ports);
  EXPECT_EQ(ports, (std::set<int>{80, 443, 8000, 8443, 9443}));
}

TEST(GateAccessTest, EveryContainerGetsTheTokenAndTheGateAddress) {
  SandboxMeta meta;
  meta.ns = "agents";
  meta.name = "mail-agent";
  meta.uid = "uid-1";
  AgentSandboxSpec spec;
  spec.podTemplate = json::parse(R"({"spec": {
      "initContainers": [{"name": "setup", "image": "setup:1"}],
      "containers": [{"name": "agent", "image": "agent:1",
                      "env": [{"name": "HTTPS_PROXY", "value": "http://evil:3128"}, {"name": "KEEP", "value": "1"}]}]}})");
  json pod = buildPod(meta, spec, "gvisor");
  addGateAccess(pod, "10.96.0.20");
  const json& volume = pod["spec"]["volumes"].back();
  EXPECT_EQ(volume["name"], "agentguard-gate-token");
  EXPECT_EQ(volume["projected"]["sources"][0]["serviceAccountToken"],
            json::parse(R"({"audience": "agentguard-gate", "expirationSeconds": 3600, "path": "token"})"));
  for (const char* list : {"initContainers", "containers"}) {
    const json& container = pod["spec"][list][0];
    EXPECT_EQ(container["volumeMounts"].back(),
              json::parse(R"({"name": "agentguard-gate-token", "mountPath": "/var/run/secrets/agentguard.io/gate",
                              "readOnly": true})"))
        << list;
    EXPECT_EQ(envValue(container, "MCP_GATEWAY_URL"), "http://10.96.0.20:8080/mcp") << list;
    EXPECT_EQ(envValue(container, "HTTPS_PROXY"), "http://10.96.0.20:3128") << list;
    EXPECT_EQ(envValue(container, "https_proxy"), "http://10.96.0.20:3128") << list;
    EXPECT_EQ(envValue(container, "NO_PROXY"), "10.96.0.20") << list;
    EXPECT_EQ(envValue(container, "AGENTGUARD_GATE_TOKEN_FILE"), "/var/run/secrets/agentguard.io/gate/token") << list;
  }
  // The template's own HTTPS_PROXY is replaced, not left beside ours; other variables stay.
  const json& env = pod["spec"]["containers"][0]["env"];
  EXPECT_EQ(std::count_if(env.begin(), env.end(), [](const json& e) { return e["name"] == "HTTPS_PROXY"; }), 1);
  EXPECT_EQ(envValue(pod["spec"]["containers"][0], "KEEP"), "1");

  json v6 = buildPod(meta, spec, "gvisor");
  addGateAccess(v6, "fd00::20");
  EXPECT_EQ(envValue(v6["spec"]["containers"][0], "MCP_GATEWAY_URL"), "http://[fd00::20]:8080/mcp");
}

TEST(GatedNetworkPolicyTest, AllowsOnlyTheGateAndKeepsIngress) {
  SandboxMeta meta;
  meta.ns = "agents";
  meta.name = "mail-agent";
  meta.uid = "uid-1";
  NetworkSpec network;
  IngressSource source;
  source.podSelector = json{{"matchLabels", {{"app", "ui"}}}};
  network.ingress.push_back(source);
  network.egressHosts = {"api.github.com:443"};
  const json policy = buildGatedNetworkPolicy(meta, network);
  EXPECT_EQ(policy["metadata"]["name"], "mail-agent-isolation");
  EXPECT_EQ(policy["spec"]["egress"],
            json::array({{{"to", json::array({{{"podSelector", gatePodSelector()}}})},
                          {"ports", json::parse(R"([{"protocol":"TCP","port":8080},{"protocol":"TCP","port":3128}])")}}}));
  EXPECT_EQ(policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["app"], "ui");
}

// What the webhook sees: the gate's objects, a Pod the ReplicaSet makes from the Deployment, and a sandbox Pod
// with its gated NetworkPolicy, judged together with the bundled policies. None may be denied.
TEST(GateAdmissionTest, EverythingTheOperatorMakesPassesTheBundledPolicies) {
  auto policies = engine::compilePolicies(engine::bundledPolicyFiles(), engine::RuleCatalog::builtin());
  ASSERT_TRUE(policies.ok()) << policies.error().describe();
  const engine::Engine engine(std::make_shared<const engine::PolicySet>(std::move(*policies)));

  std::vector<engine::SharedObject> objects;
  for (const GateObject& object : buildGateObjects("agents", settings(), egressFor({443, 8443}))) {
    objects.push_back(std::make_shared<const json>(object.body));
  }
  const json deployment = objectOf(buildGateObjects("agents", settings(), egressFor({443})), "Deployment");
  json gatePod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", deployment["spec"]["template"]["metadata"]},
                  {"spec", deployment["spec"]["template"]["spec"]}};
  gatePod["metadata"]["name"] = "agentguard-gate-7d9f8c6b5-x2x4q";
  gatePod["metadata"]["namespace"] = "agents";
  gatePod["metadata"]["labels"]["pod-template-hash"] = "7d9f8c6b5";
  objects.push_back(std::make_shared<const json>(gatePod));

  SandboxMeta meta;
  meta.ns = "agents";
  meta.name = "mail-agent";
  meta.uid = "uid-1";
  AgentSandboxSpec spec;
  spec.podTemplate = json::parse(R"({"spec": {"securityContext": {"runAsUser": 10001},
      "containers": [{"name": "agent", "image": "registry.example.com/agents/mail-agent:1.0.0"}]}})");
  spec.network.egressHosts = {"api.github.com:443"};
  json sandboxPod = buildPod(meta, spec, "gvisor");
  addGateAccess(sandboxPod, "10.96.0.20");
  objects.push_back(std::make_shared<const json>(sandboxPod));
  objects.push_back(std::make_shared<const json>(buildGatedNetworkPolicy(meta, spec.network)));

  const engine::DocumentNetworkPolicySource networkPolicies(objects, "agents");
  engine::EvaluationContext context;
  context.networkPolicies = &networkPolicies;
  context.defaultNamespace = "agents";
  for (const engine::SharedObject& object : objects) {
    for (const engine::Finding& finding : engine.evaluate(*object, context)) {
      EXPECT_NE(finding.action, engine::Action::kDeny)
          << finding.kind << " " << finding.name << ": " << finding.rule << " " << finding.path << ": " << finding.message;
    }
  }
}

}  // namespace
}  // namespace agentguard::op

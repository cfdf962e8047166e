// examples/agentsandbox.yaml is accepted as written, and becomes what it promises.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/manifest/yaml_stream.h"
#include "operator/api/agent_sandbox.h"
#include "operator/builders/gate_builder.h"
#include "operator/builders/network_policy_builder.h"
#include "operator/builders/pod_builder.h"

namespace agentguard::op {
namespace {

using nlohmann::json;

json loadExample(const std::string& file = "agentsandbox.yaml") {
  std::ifstream in(std::string(AGENTGUARD_SOURCE_DIR) + "/examples/" + file);
  std::ostringstream text;
  text << in.rdbuf();
  auto documents = manifest::parseYamlStream(text.str());
  EXPECT_TRUE(documents.ok()) << documents.error().describe();
  return documents.ok() && documents->size() == 1 ? (*documents)[0].value : json();
}

TEST(ExampleSandboxTest, IsAcceptedAndIsolated) {
  const json sandbox = loadExample();
  ASSERT_EQ(sandbox.value("kind", ""), "AgentSandbox");
  const ParsedSpec parsed = parseSpec(sandbox["spec"]);
  ASSERT_TRUE(parsed.violations.empty()) << parsed.violations.front().message;

  SandboxMeta meta = readMeta(sandbox);
  meta.uid = "example";
  const json policy = buildNetworkPolicy(meta, parsed.spec.network);
  ASSERT_EQ(policy["spec"]["egress"].size(), 2u) << "DNS and the one API";
  EXPECT_EQ(policy["spec"]["egress"][1], json::parse(R"({"to": [{"ipBlock": {"cidr": "203.0.113.0/24"}}],
                                                       "ports": [{"protocol": "TCP", "port": 443}]})"));
  EXPECT_FALSE(policy["spec"].contains("ingress"));

  const json pod = buildPod(meta, parsed.spec, "gvisor");
  const json& container = pod["spec"]["containers"][0];
  EXPECT_EQ(container["env"][1]["valueFrom"]["secretKeyRef"]["name"], "analysis-api");
  EXPECT_EQ(pod["spec"]["volumes"][0]["emptyDir"]["sizeLimit"], "1Gi");
  EXPECT_EQ(container["securityContext"]["readOnlyRootFilesystem"], true);
}

// The tools example (the demo and the e2e suite use it) is accepted, reaches its gate alone, and its Pod is told
// where the gate is.
TEST(ExampleSandboxTest, ToolsExampleGoesThroughTheGate) {
  const json sandbox = loadExample("agentsandbox-tools.yaml");
  ASSERT_EQ(sandbox.value("kind", ""), "AgentSandbox");
  const ParsedSpec parsed = parseSpec(sandbox["spec"]);
  ASSERT_TRUE(parsed.violations.empty()) << parsed.violations.front().message;
  ASSERT_TRUE(parsed.spec.usesGate());
  EXPECT_EQ(egressSummary(parsed.spec), "Gate only (2 MCP servers, 2 hosts)");

  SandboxMeta meta = readMeta(sandbox);
  meta.uid = "example";
  const json policy = buildGatedNetworkPolicy(meta, parsed.spec.network);
  ASSERT_EQ(policy["spec"]["egress"].size(), 1u) << "the gate alone, no DNS";
  json pod = buildPod(meta, parsed.spec, "gvisor");
  addGateAccess(pod, "10.96.0.20");
  EXPECT_EQ(pod["spec"]["containers"][0]["env"][1]["value"], "http://10.96.0.20:8080/mcp");
}

}  // namespace
}  // namespace agentguard::op

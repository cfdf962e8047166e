#include "operator/builders/pod_builder.h"

#include <gtest/gtest.h>

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

AgentSandboxSpec specFrom(const std::string& templateText, const std::string& lifecycle = "{}") {
  const ParsedSpec parsed = parseSpec({{"template", json::parse(templateText)}, {"lifecycle", json::parse(lifecycle)}});
  EXPECT_TRUE(parsed.violations.empty()) << parsed.violations.front().message;
  return parsed.spec;
}

const char* kTemplate = R"({
  "metadata": {"labels": {"team": "research"}, "annotations": {"note": "x"}},
  "spec": {
    "initContainers": [{"name": "fetch", "image": "fetch:1"}],
    "containers": [
      {"name": "agent", "image": "agent:1", "args": ["--task", "t"],
       "securityContext": {"runAsUser": 1000, "capabilities": {"drop": ["NET_RAW"]}},
       "env": [{"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "api", "key": "key"}}}],
       "volumeMounts": [{"name": "workspace", "mountPath": "/workspace"}]},
      {"name": "sidecar", "image": "sidecar:1"}],
    "volumes": [{"name": "workspace", "emptyDir": {"sizeLimit": "1Gi"}}],
    "securityContext": {"fsGroup": 2000},
    "serviceAccountName": "agent",
    "terminationGracePeriodSeconds": 5
  }})";

void expectEnforcedContainer(const json& container) {
  const json& sc = container["securityContext"];
  EXPECT_EQ(sc["privileged"], false) << container["name"];
  EXPECT_EQ(sc["allowPrivilegeEscalation"], false) << container["name"];
  EXPECT_EQ(sc["readOnlyRootFilesystem"], true) << container["name"];
  EXPECT_EQ(sc["runAsNonRoot"], true) << container["name"];
  EXPECT_EQ(sc["capabilities"], json::parse(R"({"drop": ["ALL"]})")) << container["name"];
  EXPECT_EQ(sc["seccompProfile"], json::parse(R"({"type": "RuntimeDefault"})")) << container["name"];
}

TEST(PodBuilderTest, SetsEveryEnforcedField) {
  const json pod = buildPod(sandbox(), specFrom(kTemplate), "gvisor");
  EXPECT_EQ(pod["metadata"]["name"], "analyst");
  EXPECT_EQ(pod["metadata"]["namespace"], "agents");
  EXPECT_EQ(pod["metadata"]["labels"], json::parse(R"({"team": "research", "agentguard.io/sandbox": "analyst",
                                                       "app.kubernetes.io/managed-by": "agentguard-operator"})"));
  EXPECT_EQ(pod["metadata"]["annotations"]["agentguard.io/network-policy"], "analyst-isolation");
  EXPECT_EQ(pod["metadata"]["annotations"]["note"], "x");
  const json& owner = pod["metadata"]["ownerReferences"][0];
  EXPECT_EQ(owner, json::parse(R"({"apiVersion": "agentguard.io/v1alpha1", "kind": "AgentSandbox", "name": "analyst",
                                   "uid": "uid-1", "controller": true, "blockOwnerDeletion": true})"));
  const json& spec = pod["spec"];
  EXPECT_EQ(spec["runtimeClassName"], "gvisor");
  EXPECT_EQ(spec["automountServiceAccountToken"], false);
  EXPECT_EQ(spec["enableServiceLinks"], false);
  EXPECT_EQ(spec["hostNetwork"], false);
  EXPECT_EQ(spec["hostPID"], false);
  EXPECT_EQ(spec["hostIPC"], false);
  EXPECT_EQ(spec["dnsPolicy"], "ClusterFirst");
  EXPECT_EQ(spec["restartPolicy"], "Always");
  EXPECT_EQ(spec["securityContext"], json::parse(R"({"fsGroup": 2000, "runAsNonRoot": true,
                                                      "seccompProfile": {"type": "RuntimeDefault"}})"));
  ASSERT_EQ(spec["containers"].size(), 2u);
  for (const json& container : spec["containers"]) expectEnforcedContainer(container);
  ASSERT_EQ(spec["initContainers"].size(), 1u);
  expectEnforcedContainer(spec["initContainers"][0]);
  // What the template says and the operator does not own is kept.
  EXPECT_EQ(spec["containers"][0]["securityContext"]["runAsUser"], 1000);
  EXPECT_EQ(spec["containers"][0]["args"], json::parse(R"(["--task", "t"])"));
  EXPECT_EQ(spec["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"]["name"], "api");
  EXPECT_EQ(spec["volumes"][0]["emptyDir"]["sizeLimit"], "1Gi");
  EXPECT_EQ(spec["serviceAccountName"], "agent");
  EXPECT_EQ(spec["terminationGracePeriodSeconds"], 5);
}

TEST(PodBuilderTest, RestartPolicyFollowsLifecycle) {
  EXPECT_EQ(buildPod(sandbox(), specFrom(kTemplate, R"({"restartPolicy": "Never"})"), "gvisor")["spec"]["restartPolicy"],
            "Never");
  EXPECT_EQ(buildPod(sandbox(), specFrom(kTemplate, R"({"restartPolicy": "OnFailure"})"), "kata")["spec"]["restartPolicy"],
            "OnFailure");
}

TEST(PodBuilderTest, TemplateLabelsCannotUnselectThePod) {
  // validateTemplate refuses a reserved label; even so the builder writes ours last.
  AgentSandboxSpec spec = specFrom(kTemplate);
  spec.podTemplate["metadata"]["labels"]["agentguard.io/sandbox"] = "other";
  EXPECT_EQ(buildPod(sandbox(), spec, "gvisor")["metadata"]["labels"]["agentguard.io/sandbox"], "analyst");
}

}  // namespace
}  // namespace agentguard::op

#include "operator/controller/projecting_client.h"

#include <gtest/gtest.h>

namespace agentguard::op {
namespace {

using nlohmann::json;

TEST(ProjectionTest, PodKeepsOnlyWhatTheReconcilerReads) {
  json pod = json::parse(R"({"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "analyst", "namespace": "agents", "uid": "u", "resourceVersion": "7",
                 "creationTimestamp": "2024-01-01T00:00:00Z", "labels": {"agentguard.io/sandbox": "analyst"},
                 "annotations": {"big": "x"}, "ownerReferences": [{"kind": "AgentSandbox", "uid": "s"}],
                 "managedFields": [{"manager": "m"}]},
    "spec": {"runtimeClassName": "gvisor", "containers": [{"name": "agent", "image": "a"}]},
    "status": {"phase": "Running", "podIP": "10.0.0.5", "hostIP": "192.0.2.1",
               "conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "True",
                               "lastTransitionTime": "2024-01-01T00:00:01Z"}],
               "containerStatuses": [{"name": "agent"}]}})");
  projectPod(pod);
  EXPECT_EQ(pod, json::parse(R"({"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "analyst", "namespace": "agents", "uid": "u", "resourceVersion": "7",
                 "creationTimestamp": "2024-01-01T00:00:00Z", "labels": {"agentguard.io/sandbox": "analyst"},
                 "ownerReferences": [{"kind": "AgentSandbox", "uid": "s"}]},
    "spec": {"runtimeClassName": "gvisor"},
    "status": {"phase": "Running", "podIP": "10.0.0.5", "conditions": [{"type": "Ready", "status": "True"}]}})"));
}

TEST(ProjectionTest, CommonDropsManagedFieldsAndLastApplied) {
  json object = json::parse(R"({"metadata": {"name": "n", "managedFields": [{}],
    "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{...}", "keep": "me"}}, "spec": {"a": 1}})");
  projectCommon(object);
  EXPECT_EQ(object, json::parse(R"({"metadata": {"name": "n", "annotations": {"keep": "me"}}, "spec": {"a": 1}})"));
  json bare = json::parse(R"({"metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "x"}}})");
  projectCommon(bare);
  EXPECT_EQ(bare, json::parse(R"({"metadata": {}})"));
}

TEST(ProjectionTest, SelectingObjectsKeepTheirSelectorsAndWhetherTheyAllow) {
  json policy = json::parse(R"({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
    "metadata": {"name": "open", "namespace": "agents", "uid": "u", "resourceVersion": "3", "labels": {"a": "b"}},
    "spec": {"podSelector": {"matchLabels": {"team": "research"}}, "policyTypes": ["Egress"],
             "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}, {}], "ingress": []}})");
  projectSelecting(policy);
  EXPECT_EQ(policy, json::parse(R"({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
    "metadata": {"name": "open", "namespace": "agents", "uid": "u", "resourceVersion": "3"},
    "spec": {"podSelector": {"matchLabels": {"team": "research"}}, "egress": [{}]}})"));
  json service = json::parse(R"({"kind": "Service", "metadata": {"name": "web"},
    "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}], "clusterIP": "10.0.0.1"}})");
  projectSelecting(service);
  // clusterIP stays: a sandbox that uses agentguard-gate is told the gate Service's address.
  EXPECT_EQ(service, json::parse(R"({"kind": "Service", "metadata": {"name": "web"},
                                     "spec": {"selector": {"app": "web"}, "clusterIP": "10.0.0.1"}})"));
}

}  // namespace
}  // namespace agentguard::op

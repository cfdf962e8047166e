// The AgentSandbox author is untrusted: what it can reach through names (Secrets, claims), through edits of a
// running sandbox, through IPv4 written as IPv6, through orphaning, and through objects the API server refuses.
// Each case runs against the real local API server with the operator running, under the invariant checker.
#include <thread>

#include <gtest/gtest.h>

#include "common/kube/resource.h"
#include "tests/operator/support/operator_cluster_fixture.h"

namespace agentguard::op::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const kube::Resource kClaims{"", "v1", "persistentvolumeclaims", true};
const kube::Resource kVolumes{"", "v1", "persistentvolumes", false};

class ClusterUntrustedAuthorTest : public OperatorClusterTest {
 protected:
  void createSecret(const std::string& name, const std::string& type, const json& annotations = json::object()) {
    json body = {{"apiVersion", "v1"}, {"kind", "Secret"}, {"type", type},
                 {"metadata", {{"name", name}, {"annotations", annotations}}}, {"data", {{"key", "dmFsdWU="}}}};
    auto created = client_->create(kube::resources::secrets(), ns_, body);
    ASSERT_TRUE(created.ok()) << created.error().describe();
  }
  void createTokenSecret(const std::string& name) {
    createSecret(name, "kubernetes.io/service-account-token", {{"kubernetes.io/service-account.name", "default"}});
  }
  // A template whose one container reads Secret `name` in the way `how` says.
  static json templateReading(const std::string& how, const std::string& name) {
    json container = {{"name", "agent"}, {"image", "registry.example/agent:1"}};
    json spec = json::object();
    if (how == "volume") {
      spec["volumes"] = json::array({{{"name", "s"}, {"secret", {{"secretName", name}}}}});
    } else if (how == "projected") {
      spec["volumes"] = json::array({{{"name", "s"}, {"projected", {{"sources", json::array({{{"secret", {{"name", name}}}}})}}}}});
    } else if (how == "env") {
      container["env"] = json::array({{{"name", "T"}, {"valueFrom", {{"secretKeyRef", {{"name", name}, {"key", "token"}}}}}}});
    } else {
      container["envFrom"] = json::array({{{"secretRef", {{"name", name}}}}});
    }
    spec["containers"] = json::array({container});
    return {{"template", {{"spec", spec}}}};
  }
  std::string blockedReason(const std::string& name) const { return condition(name, "Blocked").value("reason", ""); }
  std::string blockedMessage(const std::string& name) const { return condition(name, "Blocked").value("message", ""); }
};

// --- API credentials through Secrets ---

TEST_F(ClusterUntrustedAuthorTest, TokenSecretIsRefusedInEveryReferenceForm) {
  createTokenSecret("admin-token");
  createSecret("plain", "Opaque");
  startOperator();
  for (const std::string how : {"volume", "projected", "env", "envfrom"}) {
    createSandbox("deny-" + how, templateReading(how, "admin-token"));
    createSandbox("allow-" + how, templateReading(how, "plain"));
  }
  for (const std::string how : {"volume", "projected", "env", "envfrom"}) {
    ASSERT_TRUE(waitUntil([&] { return phase("deny-" + how) == "Blocked"; })) << how;
    EXPECT_EQ(blockedReason("deny-" + how), "ForbiddenTemplateField") << how;
    EXPECT_NE(blockedMessage("deny-" + how).find("service-account-token"), std::string::npos) << blockedMessage("deny-" + how);
    EXPECT_NE(blockedMessage("deny-" + how).find("spec.template.spec."), std::string::npos);
    EXPECT_FALSE(pod("deny-" + how).has_value()) << how;
    ASSERT_TRUE(waitUntil([&] { return pod("allow-" + how).has_value(); })) << how << " with an Opaque Secret";
  }
}

TEST_F(ClusterUntrustedAuthorTest, MissingSecretBlocksUntilItExistsAndIsNoToken) {
  startOperator();
  createSandbox("early", templateReading("volume", "later"));
  createSandbox("early-token", templateReading("env", "later-token"));
  ASSERT_TRUE(waitUntil([&] { return blockedReason("early") == "ReferenceNotReady"; }));
  EXPECT_FALSE(pod("early").has_value());
  // It appears as a token Secret: still refused. It appears as an ordinary one: the sandbox proceeds.
  createTokenSecret("later-token");
  createSecret("later", "Opaque");
  ASSERT_TRUE(waitUntil([&] { return pod("early").has_value(); })) << condition("early", "Blocked").dump();
  ASSERT_TRUE(waitUntil([&] { return blockedReason("early-token") == "ForbiddenTemplateField"; }))
      << condition("early-token", "Blocked").dump();
  EXPECT_FALSE(pod("early-token").has_value());
}

// --- hostPath through a claim ---

TEST_F(ClusterUntrustedAuthorTest, ClaimBoundToHostPathVolumeIsRefused) {
  const std::string suffix = ns_.substr(ns_.size() - 6);
  // Each volume is bound to its claim on both sides, so the unbound claim cannot take one of them.
  auto volume = [&](const std::string& name, const json& source, const std::string& claimName) {
    json body = {{"apiVersion", "v1"}, {"kind", "PersistentVolume"}, {"metadata", {{"name", name + "-" + suffix}}},
                 {"spec", {{"capacity", {{"storage", "1Gi"}}}, {"accessModes", json::array({"ReadWriteOnce"})},
                           {"storageClassName", ""}, {"claimRef", {{"namespace", ns_}, {"name", claimName}}}}}};
    for (const auto& [key, value] : source.items()) body["spec"][key] = value;
    ASSERT_TRUE(client_->create(kVolumes, "", body).ok());
  };
  auto claim = [&](const std::string& name, const std::string& volumeName) {
    json body = {{"apiVersion", "v1"}, {"kind", "PersistentVolumeClaim"}, {"metadata", {{"name", name}}},
                 {"spec", {{"accessModes", json::array({"ReadWriteOnce"})}, {"storageClassName", ""},
                           {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}};
    if (!volumeName.empty()) body["spec"]["volumeName"] = volumeName + "-" + suffix;
    ASSERT_TRUE(client_->create(kClaims, ns_, body).ok());
  };
  volume("root", {{"hostPath", {{"path", "/"}}}}, "node-root");
  volume("nfs", {{"nfs", {{"server", "127.0.0.1"}, {"path", "/exports"}}}}, "shared");
  claim("node-root", "root");
  claim("shared", "nfs");
  claim("unbound", "");
  auto mounting = [](const std::string& claimName) {
    return json{{"template", {{"spec", {{"containers", json::array({{{"name", "agent"}, {"image", "a:1"}}})},
                                        {"volumes", json::array({{{"name", "data"},
                                                                  {"persistentVolumeClaim", {{"claimName", claimName}}}}})}}}}}};
  };
  startOperator();
  createSandbox("hostpath", mounting("node-root"));
  createSandbox("network", mounting("shared"));
  createSandbox("pending", mounting("unbound"));
  ASSERT_TRUE(waitUntil([&] { return blockedReason("hostpath") == "ForbiddenTemplateField"; }, 60s))
      << condition("hostpath", "Blocked").dump();
  EXPECT_NE(blockedMessage("hostpath").find("hostPath"), std::string::npos);
  EXPECT_FALSE(pod("hostpath").has_value());
  ASSERT_TRUE(waitUntil([&] { return pod("network").has_value(); }, 60s)) << condition("network", "Blocked").dump();
  // The sandboxes are reconciled in no particular order: "pending" may still be on its way.
  EXPECT_TRUE(waitUntil([&] { return blockedReason("pending") == "ReferenceNotReady"; }, 60s))
      << condition("pending", "Blocked").dump();
  EXPECT_FALSE(pod("pending").has_value());
  for (const char* name : {"root", "nfs"}) (void)client_->remove(kVolumes, "", std::string(name) + "-" + suffix);
}

// --- A refused edit never changes what is enforced ---

TEST_F(ClusterUntrustedAuthorTest, RefusedEditKeepsPolicyAndPodForEgressAndIngress) {
  startOperator();
  createSandbox("edited", json::parse(R"({"network": {
      "egress": [{"cidr": "203.0.113.0/24", "ports": [{"port": 443}]}],
      "ingress": [{"cidr": "198.51.100.0/24", "ports": [{"port": 8080}]}]}})"));
  ASSERT_TRUE(waitUntil([&] { return pod("edited").has_value(); }));
  ASSERT_TRUE(waitUntil([&] { return condition("edited", "NetworkIsolated").value("status", "") == "True"; }));
  const json before = (*networkPolicy("edited"))["spec"];
  const std::string podUid = (*pod("edited"))["metadata"]["uid"];
  // Every port entry invalid (endPort below port passes the schema): before, the destination became "all ports".
  for (const char* edit : {
           R"({"spec": {"network": {"egress": [{"cidr": "0.0.0.0/0", "ports": [{"port": 90, "endPort": 80}]}]}}})",
           R"({"spec": {"network": {"ingress": [{"cidr": "0.0.0.0/0", "ports": [{"port": 9, "endPort": 1}]}]}}})",
           R"({"spec": {"network": {"egress": [{"cidr": "::ffff:0.0.0.0/96"}]}}})"}) {
    ASSERT_TRUE(client_->mergePatch(kube::resources::agentSandboxes(), ns_, "edited", json::parse(edit)).ok());
    ASSERT_TRUE(waitUntil([&] {
      return condition("edited", "NetworkIsolated").value("reason", "") == "PreviousPolicyKept" &&
             condition("edited", "Blocked").value("status", "") == "True";
    })) << edit << condition("edited", "NetworkIsolated").dump();
    EXPECT_EQ(blockedReason("edited"), "InvalidSpec");
    ASSERT_TRUE(reconcileEverySandboxAgain());
    EXPECT_EQ((*networkPolicy("edited"))["spec"], before) << edit;
    ASSERT_TRUE(pod("edited").has_value());
    EXPECT_EQ((*pod("edited"))["metadata"]["uid"], podUid) << "the running Pod was replaced by a refused edit";
    // Back to a good spec before the next refused one.
    ASSERT_TRUE(client_->mergePatch(kube::resources::agentSandboxes(), ns_, "edited", json::parse(R"({"spec": {"network": {
        "egress": [{"cidr": "203.0.113.0/24", "ports": [{"port": 443}]}],
        "ingress": [{"cidr": "198.51.100.0/24", "ports": [{"port": 8080}]}]}}})")).ok());
    ASSERT_TRUE(waitUntil([&] { return condition("edited", "NetworkIsolated").value("reason", "") == "NetworkPolicyApplied"; }));
  }
  // A valid edit still applies at once.
  ASSERT_TRUE(client_->mergePatch(kube::resources::agentSandboxes(), ns_, "edited",
                                  json::parse(R"({"spec": {"network": {"egress": [{"cidr": "192.0.2.0/24"}]}}})")).ok());
  ASSERT_TRUE(waitUntil([&] { return (*networkPolicy("edited"))["spec"] != before; }));
  EXPECT_EQ((*networkPolicy("edited"))["spec"]["egress"].back()["to"][0]["ipBlock"]["cidr"], "192.0.2.0/24");
}

TEST_F(ClusterUntrustedAuthorTest, NewSandboxWithOnlyInvalidPortsAllowsNothing) {
  startOperator();
  createSandbox("widen", json::parse(R"({"network": {"egress": [{"cidr": "0.0.0.0/0", "ports": [{"port": 90, "endPort": 80}]}],
                                                     "ingress": [{"cidr": "::ffff:0.0.0.0/96"}]}})"));
  ASSERT_TRUE(waitUntil([&] { return phase("widen") == "Blocked"; }));
  const json policy = *networkPolicy("widen");
  EXPECT_FALSE(policy["spec"].contains("egress")) << policy["spec"].dump();
  EXPECT_FALSE(policy["spec"].contains("ingress")) << policy["spec"].dump();
  EXPECT_EQ(policy["spec"]["policyTypes"], json::array({"Ingress", "Egress"}));
  EXPECT_FALSE(pod("widen").has_value());
}

// --- Orphans ---

TEST_F(ClusterUntrustedAuthorTest, OrphanDeletionStillTearsDownPodAndPolicy) {
  startOperator();
  createSandbox("orphaned");
  ASSERT_TRUE(waitUntil([&] { return pod("orphaned").has_value(); }));
  kube::DeleteOptions orphan;
  orphan.propagationPolicy = "Orphan";
  ASSERT_TRUE(client_->remove(kube::resources::agentSandboxes(), ns_, "orphaned", orphan).ok());
  ASSERT_TRUE(waitUntil([&] { return !sandbox("orphaned") && !pod("orphaned") && !networkPolicy("orphaned"); }, 60s))
      << "left: sandbox " << sandbox("orphaned").has_value() << " pod " << pod("orphaned").has_value() << " policy "
      << networkPolicy("orphaned").has_value();
}

TEST_F(ClusterUntrustedAuthorTest, PodThatLostItsOwnerIsReplaced) {
  startOperator();
  createSandbox("stripped");
  ASSERT_TRUE(waitUntil([&] { return pod("stripped").has_value(); }));
  const std::string uid = (*pod("stripped"))["metadata"]["uid"];
  ASSERT_TRUE(client_->mergePatch(kube::resources::pods(), ns_, "stripped",
                                  {{"metadata", {{"ownerReferences", nullptr}}}}).ok());
  ASSERT_TRUE(waitUntil([&] {
    const auto current = pod("stripped");
    return current && (*current)["metadata"]["uid"] != uid &&
           (*current)["metadata"].value("ownerReferences", json::array()).size() == 1;
  }, 60s)) << "the Pod without owner was kept";
}

TEST_F(ClusterUntrustedAuthorTest, LeftoversWithoutSandboxAreRemoved) {
  // What an orphan deletion leaves when the operator was not there to tear down: labelled, no owner.
  const json labels = {{"agentguard.io/sandbox", "ghost"}, {"app.kubernetes.io/managed-by", "agentguard-operator"}};
  json policy = {{"apiVersion", "networking.k8s.io/v1"}, {"kind", "NetworkPolicy"},
                 {"metadata", {{"name", "ghost-isolation"}, {"labels", labels},
                               {"finalizers", json::array({"agentguard.io/isolation-teardown"})}}},
                 {"spec", {{"podSelector", {{"matchLabels", {{"agentguard.io/sandbox", "ghost"}}}}},
                           {"policyTypes", json::array({"Ingress", "Egress"})}}}};
  ASSERT_TRUE(client_->create(kube::resources::networkPolicies(), ns_, policy).ok());
  json ghostPod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "ghost"}, {"labels", labels}}},
                   {"spec", {{"containers", json::array({{{"name", "agent"}, {"image", "a:1"}}})}}}};
  ASSERT_TRUE(client_->create(kube::resources::pods(), ns_, ghostPod).ok());
  // A Pod of someone else's, without our managed-by label, is never touched.
  json foreign = ghostPod;
  foreign["metadata"] = {{"name", "bystander"}, {"labels", {{"agentguard.io/sandbox", "bystander"}}}};
  checker_->excuse("bystander");  // not a sandbox's Pod: it has no policy of ours, by design of this case
  ASSERT_TRUE(client_->create(kube::resources::pods(), ns_, foreign).ok());
  startOperator();
  ASSERT_TRUE(waitUntil([&] { return !pod("ghost") && !networkPolicy("ghost"); }, 60s))
      << "pod " << pod("ghost").has_value() << " policy " << networkPolicy("ghost").has_value();
  EXPECT_TRUE(pod("bystander").has_value());
}

// --- Other objects selecting the sandbox's Pod ---

TEST_F(ClusterUntrustedAuthorTest, OtherPoliciesAndServicesMustNotSelectThePod) {
  auto create = [&](const kube::Resource& resource, const char* body) {
    auto created = client_->create(resource, ns_, json::parse(body));
    ASSERT_TRUE(created.ok()) << created.error().describe();
  };
  create(kube::resources::networkPolicies(), R"({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
      "metadata": {"name": "open-research"},
      "spec": {"podSelector": {"matchLabels": {"team": "research"}}, "egress": [{}], "policyTypes": ["Egress"]}})");
  create(kube::resources::networkPolicies(), R"({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
      "metadata": {"name": "default-deny"}, "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}})");
  create(kube::resources::services(), R"({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
      "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})");
  startOperator();
  auto labelled = [](const json& labels) {
    return json{{"template", {{"metadata", {{"labels", labels}}}}}};
  };
  createSandbox("widened", labelled({{"team", "research"}}));
  createSandbox("routed", labelled({{"app", "web"}, {"tier", "agent"}}));
  createSandbox("alone", labelled({{"team", "ops"}, {"app", "agent"}}));  // only the default-deny selects it
  for (const char* name : {"widened", "routed"}) {
    ASSERT_TRUE(waitUntil([&] { return blockedReason(name) == "SelectedByOtherObject"; })) << name;
    EXPECT_FALSE(pod(name).has_value()) << name;
  }
  EXPECT_NE(blockedMessage("widened").find("NetworkPolicy " + ns_ + "/open-research"), std::string::npos);
  EXPECT_NE(blockedMessage("routed").find("Service " + ns_ + "/web"), std::string::npos);
  ASSERT_TRUE(waitUntil([&] { return pod("alone").has_value(); })) << condition("alone", "Blocked").dump();

  // A policy created later that selects a running sandbox's Pod: the Pod goes, and comes back when it is gone.
  create(kube::resources::networkPolicies(), R"({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
      "metadata": {"name": "let-in-ops"},
      "spec": {"podSelector": {"matchExpressions": [{"key": "team", "operator": "In", "values": ["ops"]}]},
               "ingress": [{}], "policyTypes": ["Ingress"]}})");
  ASSERT_TRUE(waitUntil([&] { return blockedReason("alone") == "SelectedByOtherObject" && !pod("alone"); }))
      << condition("alone", "Blocked").dump();
  ASSERT_TRUE(client_->remove(kube::resources::networkPolicies(), ns_, "let-in-ops").ok());
  ASSERT_TRUE(waitUntil([&] { return pod("alone").has_value(); }, 60s)) << condition("alone", "Blocked").dump();

  // Relabelling a blocked sandbox away from the selectors unblocks it.
  ASSERT_TRUE(client_->mergePatch(kube::resources::agentSandboxes(), ns_, "widened",
                                  json::parse(R"({"spec": {"template": {"metadata": {"labels": {"team": "solo"}}}}})")).ok());
  ASSERT_TRUE(waitUntil([&] { return pod("widened").has_value(); })) << condition("widened", "Blocked").dump();
}

// --- Objects the API server refuses; times ---

TEST_F(ClusterUntrustedAuthorTest, RefusedObjectsBlockOnceInsteadOfRetrying) {
  startOperator();
  createSandbox("spaces", json::parse(R"({"template": {"metadata": {"labels": {"team": "research team"}}}})"));
  json egress = json::array();
  for (int i = 0; i < 8; ++i) {
    egress.push_back({{"cidr", "10." + std::to_string(i) + ".0.0/16"}, {"ports", json::array({{{"port", 1000}, {"endPort", 1255}}})}});
  }
  createSandbox("huge", {{"network", {{"egress", egress}}}});
  // Resources the schema lets through and the API server refuses on the Pod (422: request above limit).
  createSandbox("badname", json::parse(R"({"template": {"spec": {"containers": [{"name": "agent", "image": "a:1",
      "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}}]}}})"));
  for (const char* name : {"spaces", "huge", "badname"}) {
    ASSERT_TRUE(waitUntil([&] { return blockedReason(name) == "InvalidSpec"; })) << name << condition(name, "Blocked").dump();
    EXPECT_EQ(condition(name, "Failed").value("status", ""), "False") << name;
    EXPECT_FALSE(pod(name).has_value());
  }
  EXPECT_NE(blockedMessage("spaces").find("spec.template.metadata.labels[team]"), std::string::npos);
  // Not retried: no backoff errors and no further writes.
  const double errorsBefore = operators_[0]->metrics().reconcileCount("error");
  const std::string version = (*sandbox("badname"))["metadata"]["resourceVersion"];
  std::this_thread::sleep_for(2s);  // a window in which a hot retry would show; nothing is awaited
  EXPECT_EQ(operators_[0]->metrics().reconcileCount("error"), errorsBefore);
  EXPECT_EQ((*sandbox("badname"))["metadata"]["resourceVersion"], version);
}

TEST_F(ClusterUntrustedAuthorTest, FarFutureShutdownTimeDoesNotExpire) {
  startOperator();
  createSandbox("forever", json::parse(R"({"lifecycle": {"shutdownTime": "9999-12-31T23:59:59Z"}})"));
  ASSERT_TRUE(waitUntil([&] { return pod("forever").has_value(); }));
  ASSERT_TRUE(reconcileEverySandboxAgain());
  EXPECT_NE(phase("forever"), "Expired");
  EXPECT_EQ((*sandbox("forever"))["status"].value("expiresAt", ""), "2200-01-01T00:00:00Z");
  EXPECT_TRUE(pod("forever").has_value());
}

}  // namespace
}  // namespace agentguard::op::testing

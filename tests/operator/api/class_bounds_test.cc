// The class-bounds check (operator/api/class_bounds.h): every field of AgentSandboxClass, allowed and denied,
// as named table cases. Each case starts from a sandbox and a class that agree, changes one side, and expects
// either no violation or one naming the field (and the class's limit).
#include "common/time/rfc3339.h"
#include "operator/api/class_bounds.h"

#include <gtest/gtest.h>

#include <functional>

namespace agentguard::op {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

json baseClass() {
  return json::parse(R"({"metadata": {"name": "standard"},
    "spec": {"egress": {"allowedCIDRs": ["0.0.0.0/0", "::/0"]},
             "dns": {"mode": "ClusterDNS", "namespace": "kube-system", "podSelector": {"k8s-app": "kube-dns"}}}})");
}

json baseSpec() {
  return json::parse(R"({"template": {"spec": {"containers": [{"name": "agent", "image": "agent:1"}]}}})");
}

struct Case {
  std::string name;
  std::function<void(json& spec, json& sandboxClass)> change;
  std::string violatedPath;  // "" when the sandbox stays within its class
  std::string messagePart = "";
  ReferenceLabels labels = {};
};

BoundSpec check(const json& spec, const json& sandboxClass, const ReferenceLabels& labels = {},
                std::vector<IpBlock> clusterDenied = {}) {
  ClassBoundsInput in;
  in.meta.ns = "agents";
  in.meta.name = "analyst";
  in.meta.creationTimestamp = time::parseRfc3339("2030-01-01T00:00:00Z");
  in.rawSpec = spec;
  const ParsedSpec parsed = parseSpec(spec);
  EXPECT_TRUE(parsed.violations.empty()) << parsed.violations.front().message;
  in.spec = parsed.spec;
  in.sandboxClass = parseClass(sandboxClass);
  in.clusterDenied = std::move(clusterDenied);
  in.defaultRuntimeClass = "gvisor";
  in.labels = labels;
  return applyClassBounds(in);
}

json& container(json& spec) { return spec["template"]["spec"]["containers"][0]; }
json& podSpec(json& spec) { return spec["template"]["spec"]; }

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      // RuntimeClass
      {"runtime: unset takes the class's", [](json&, json& c) { c["spec"]["runtimeClassName"] = "kata"; }, ""},
      {"runtime: the class's own", [](json& s, json& c) { c["spec"]["runtimeClassName"] = "kata"; s["runtimeClassName"] = "kata"; }, ""},
      {"runtime: another than the class's",
       [](json& s, json& c) { c["spec"]["runtimeClassName"] = "gvisor"; s["runtimeClassName"] = "runc"; },
       "spec.runtimeClassName", "runs its sandboxes with gvisor"},
      // Egress
      {"egress: public block on 443", [](json& s, json&) { s["network"]["egress"] = json::parse(R"([{"cidr": "203.0.113.0/24", "ports": [{"port": 443}]}])"); }, ""},
      {"egress: outside allowedCIDRs",
       [](json& s, json& c) {
         c["spec"]["egress"]["allowedCIDRs"] = {"203.0.113.0/24"};
         s["network"]["egress"] = json::parse(R"([{"cidr": "198.51.100.0/24"}])");
       },
       "spec.network.egress[0].cidr", "allowedCIDRs: 203.0.113.0/24"},
      {"egress: class allows none",
       [](json& s, json& c) {
         c["spec"].erase("egress");
         s["network"]["egress"] = json::parse(R"([{"cidr": "203.0.113.0/24"}])");
       },
       "spec.network.egress[0].cidr", "allowedCIDRs: none"},
      {"egress: cloud metadata address",
       [](json& s, json&) { s["network"]["egress"] = json::parse(R"([{"cidr": "169.254.169.254/32"}])"); },
       "spec.network.egress[0].cidr", "169.254.0.0/16"},
      {"egress: AWS IPv6 metadata address",
       [](json& s, json&) { s["network"]["egress"] = json::parse(R"([{"cidr": "fd00:ec2::254/128"}])"); },
       "spec.network.egress[0].cidr", "fd00:ec2::254/128"},
      {"egress: loopback", [](json& s, json&) { s["network"]["egress"] = json::parse(R"([{"cidr": "127.0.0.1/32"}])"); },
       "spec.network.egress[0].cidr", "127.0.0.0/8"},
      {"egress: this network", [](json& s, json&) { s["network"]["egress"] = json::parse(R"([{"cidr": "0.0.0.0/8"}])"); },
       "spec.network.egress[0].cidr", "0.0.0.0/8"},
      // IPv4-mapped and IPv4-compatible IPv6 blocks never reach the class: the spec parser refuses them
      // (agent_sandbox_test.cc), and the class's fixed deny list names ::ffff:0:0/96 as a second line.
      {"egress: class's own denied block",
       [](json& s, json& c) {
         c["spec"]["egress"]["deniedCIDRs"] = {"10.0.0.0/8"};
         s["network"]["egress"] = json::parse(R"([{"cidr": "10.1.0.0/16"}])");
       },
       "spec.network.egress[0].cidr", "10.0.0.0/8"},
      // DNS
      {"dns: repeats the class's targets",
       [](json& s, json&) { s["network"]["dns"] = json::parse(R"({"namespace": "kube-system", "podSelector": {"k8s-app": "kube-dns"}})"); }, ""},
      {"dns: turned off", [](json& s, json&) { s["network"]["dns"] = {{"mode", "None"}}; }, ""},
      {"dns: own namespace",
       [](json& s, json&) { s["network"]["dns"] = {{"namespace", "agents"}}; }, "spec.network.dns.namespace",
       "serves DNS from namespace kube-system"},
      {"dns: own pods",
       [](json& s, json&) { s["network"]["dns"] = {{"podSelector", {{"app", "relay"}}}}; },
       "spec.network.dns.podSelector", "k8s-app"},
      {"dns: own node-local address",
       [](json& s, json&) { s["network"]["dns"] = {{"nodeLocalDNSCacheIP", "198.51.100.53"}}; },
       "spec.network.dns.nodeLocalDNSCacheIP", "no node-local cache"},
      {"dns: the class's node-local address",
       [](json& s, json& c) {
         c["spec"]["dns"]["nodeLocalDNSCacheIP"] = "169.254.20.10";
         s["network"]["dns"] = {{"nodeLocalDNSCacheIP", "169.254.20.10"}};
       }, ""},
      // ServiceAccounts
      {"serviceAccount: none named", [](json&, json&) {}, ""},
      {"serviceAccount: listed by the class",
       [](json& s, json& c) { c["spec"]["serviceAccountNames"] = {"reader"}; podSpec(s)["serviceAccountName"] = "reader"; }, ""},
      {"serviceAccount: default is not implied",
       [](json& s, json&) { podSpec(s)["serviceAccountName"] = "default"; },
       "spec.template.spec.serviceAccountName", "serviceAccountNames: none"},
      {"serviceAccount: not listed",
       [](json& s, json& c) { c["spec"]["serviceAccountNames"] = {"reader"}; podSpec(s)["serviceAccountName"] = "cluster-admin-sa"; },
       "spec.template.spec.serviceAccountName", "serviceAccountNames: reader"},
      {"serviceAccount: deprecated field",
       [](json& s, json&) { podSpec(s)["serviceAccount"] = "builder"; },
       "spec.template.spec.serviceAccountName", "builder"},
      // Secrets and ConfigMaps
      {"secret: env by listed name",
       [](json& s, json& c) {
         c["spec"]["secrets"] = {{"names", {"api"}}};
         container(s)["env"] = json::parse(R"([{"name": "K", "valueFrom": {"secretKeyRef": {"name": "api", "key": "k"}}}])");
       }, ""},
      {"secret: env not allowed",
       [](json& s, json&) {
         container(s)["env"] = json::parse(R"([{"name": "K", "valueFrom": {"secretKeyRef": {"name": "admin-token", "key": "token"}}}])");
       },
       "spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name", "Secret admin-token"},
      {"secret: envFrom not allowed",
       [](json& s, json&) { container(s)["envFrom"] = json::parse(R"([{"secretRef": {"name": "db"}}])"); },
       "spec.template.spec.containers[0].envFrom[0].secretRef.name", "Secret db"},
      {"secret: volume not allowed",
       [](json& s, json&) { podSpec(s)["volumes"] = json::parse(R"([{"name": "v", "secret": {"secretName": "db"}}])"); },
       "spec.template.spec.volumes[0].secret.secretName", "Secret db"},
      {"secret: projected source not allowed",
       [](json& s, json&) {
         podSpec(s)["volumes"] = json::parse(R"([{"name": "v", "projected": {"sources": [{"secret": {"name": "db"}}]}}])");
       },
       "spec.template.spec.volumes[0].projected.sources[0].secret.name", "Secret db"},
      {"secret: init container env not allowed",
       [](json& s, json&) {
         podSpec(s)["initContainers"] = json::parse(R"([{"name": "i", "image": "i:1", "envFrom": [{"secretRef": {"name": "db"}}]}])");
       },
       "spec.template.spec.initContainers[0].envFrom[0].secretRef.name", "Secret db"},
      {"secret: labels match the class's selector",
       [](json& s, json& c) {
         c["spec"]["secrets"] = json::parse(R"({"selector": {"matchLabels": {"agentguard.io/sandbox-use": "true"}}})");
         podSpec(s)["volumes"] = json::parse(R"([{"name": "v", "secret": {"secretName": "tools"}}])");
       },
       "", "", {{"Secret/tools", json{{"agentguard.io/sandbox-use", "true"}}}}},
      {"secret: labels do not match",
       [](json& s, json& c) {
         c["spec"]["secrets"] = json::parse(R"({"selector": {"matchLabels": {"agentguard.io/sandbox-use": "true"}}})");
         podSpec(s)["volumes"] = json::parse(R"([{"name": "v", "secret": {"secretName": "tools"}}])");
       },
       "spec.template.spec.volumes[0].secret.secretName", "labels matching", {{"Secret/tools", json{{"team", "x"}}}}},
      {"secret: selector but the Secret is missing",
       [](json& s, json& c) {
         c["spec"]["secrets"] = json::parse(R"({"selector": {}})");
         podSpec(s)["volumes"] = json::parse(R"([{"name": "v", "secret": {"secretName": "tools"}}])");
       },
       "spec.template.spec.volumes[0].secret.secretName", "Secret tools", {{"Secret/tools", std::nullopt}}},
      {"configMap: volume by listed name",
       [](json& s, json& c) {
         c["spec"]["configMaps"] = {{"names", {"settings"}}};
         podSpec(s)["volumes"] = json::parse(R"([{"name": "v", "configMap": {"name": "settings"}}])");
       }, ""},
      {"configMap: a Secret's name does not allow a ConfigMap",
       [](json& s, json& c) {
         c["spec"]["secrets"] = {{"names", {"settings"}}};
         container(s)["env"] = json::parse(R"([{"name": "K", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "k"}}}])");
       },
       "spec.template.spec.containers[0].env[0].valueFrom.configMapKeyRef.name", "ConfigMap settings"},
      {"configMap: envFrom not allowed",
       [](json& s, json&) { container(s)["envFrom"] = json::parse(R"([{"configMapRef": {"name": "kube-root-ca.crt"}}])"); },
       "spec.template.spec.containers[0].envFrom[0].configMapRef.name", "ConfigMap kube-root-ca.crt"},
      // Priority
      {"priority: an ordinary class", [](json& s, json&) { podSpec(s)["priorityClassName"] = "batch-low"; }, ""},
      {"priority: system-node-critical",
       [](json& s, json&) { podSpec(s)["priorityClassName"] = "system-node-critical"; },
       "spec.template.spec.priorityClassName", "any but system-*"},
      {"priority: system class listed by the class",
       [](json& s, json& c) {
         c["spec"]["scheduling"]["priorityClassNames"] = {"system-cluster-critical"};
         podSpec(s)["priorityClassName"] = "system-cluster-critical";
       }, ""},
      {"priority: not in the class's list",
       [](json& s, json& c) {
         c["spec"]["scheduling"]["priorityClassNames"] = {"agents"};
         podSpec(s)["priorityClassName"] = "batch-high";
       },
       "spec.template.spec.priorityClassName", "priorityClassNames: agents"},
      // Tolerations
      {"toleration: a named taint",
       [](json& s, json&) { podSpec(s)["tolerations"] = json::parse(R"([{"key": "gpu", "operator": "Exists"}])"); }, ""},
      {"toleration: every taint",
       [](json& s, json&) { podSpec(s)["tolerations"] = json::parse(R"([{"operator": "Exists"}])"); },
       "spec.template.spec.tolerations[0]", "allowTolerateAll is false"},
      {"toleration: every taint, allowed by the class",
       [](json& s, json& c) {
         c["spec"]["scheduling"]["allowTolerateAll"] = true;
         podSpec(s)["tolerations"] = json::parse(R"([{"operator": "Exists"}])");
       }, ""},
      {"toleration: the control-plane taint",
       [](json& s, json&) {
         podSpec(s)["tolerations"] = json::parse(R"([{"key": "node-role.kubernetes.io/master", "operator": "Exists", "effect": "NoSchedule"}])");
       },
       "spec.template.spec.tolerations[0].key", "allowControlPlane is false"},
      // Node selection
      {"nodeSelector: an ordinary label", [](json& s, json&) { podSpec(s)["nodeSelector"] = {{"pool", "agents"}}; }, ""},
      {"nodeSelector: control plane",
       [](json& s, json&) { podSpec(s)["nodeSelector"] = {{"node-role.kubernetes.io/control-plane", ""}}; },
       "spec.template.spec.nodeSelector[node-role.kubernetes.io/control-plane]", "control-plane"},
      {"nodeSelector: control plane allowed by the class",
       [](json& s, json& c) {
         c["spec"]["scheduling"]["allowControlPlane"] = true;
         podSpec(s)["nodeSelector"] = {{"node-role.kubernetes.io/control-plane", ""}};
       }, ""},
      {"affinity: towards the control plane",
       [](json& s, json&) {
         podSpec(s)["affinity"] = json::parse(R"({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
           "nodeSelectorTerms": [{"matchExpressions": [{"key": "node-role.kubernetes.io/master", "operator": "Exists"}]}]}}})");
       },
       "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]."
       "matchExpressions[0]", "control-plane"},
      {"affinity: away from the control plane",
       [](json& s, json&) {
         podSpec(s)["affinity"] = json::parse(R"({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
           "nodeSelectorTerms": [{"matchExpressions": [{"key": "node-role.kubernetes.io/control-plane", "operator": "DoesNotExist"}]}]}}})");
       }, ""},
      // Resources
      {"resources: within the ceilings",
       [](json& s, json& c) {
         c["spec"]["resources"] = {{"maxCPU", "2"}, {"maxMemory", "4Gi"}};
         container(s)["resources"] = {{"limits", {{"cpu", "1500m"}, {"memory", "4Gi"}}}};
       }, ""},
      {"resources: cpu above the ceiling",
       [](json& s, json& c) {
         c["spec"]["resources"] = {{"maxCPU", "2"}};
         container(s)["resources"] = {{"limits", {{"cpu", "2500m"}}}};
       },
       "spec.template.spec.containers", "ceiling 2000m"},
      {"resources: containers add up above the memory ceiling",
       [](json& s, json& c) {
         c["spec"]["resources"] = {{"maxMemory", "1Gi"}};
         container(s)["resources"] = {{"limits", {{"memory", "768Mi"}}}};
         podSpec(s)["containers"].push_back({{"name", "side"}, {"image", "s:1"}, {"resources", {{"limits", {{"memory", "512Mi"}}}}}});
       },
       "spec.template.spec.containers", "memory"},
      {"resources: no limit under a ceiling",
       [](json&, json& c) { c["spec"]["resources"] = {{"maxCPU", "2"}}; },
       "spec.template.spec.containers[0].resources.limits.cpu", "every container must set a limit"},
      {"resources: init container above the ceiling",
       [](json& s, json& c) {
         c["spec"]["resources"] = {{"maxCPU", "1"}};
         container(s)["resources"] = {{"limits", {{"cpu", "1"}}}};
         podSpec(s)["initContainers"] = json::parse(R"([{"name": "i", "image": "i:1", "resources": {"limits": {"cpu": "2"}}}])");
       },
       "spec.template.spec.initContainers[0].resources.limits.cpu", "exceeds the cpu ceiling"},
      // Lifetime
      {"lifetime: within the class's", [](json& s, json& c) { c["spec"]["maxLifetime"] = "2h"; s["lifecycle"] = {{"maxLifetime", "1h"}}; }, ""},
      {"lifetime: longer than the class's",
       [](json& s, json& c) { c["spec"]["maxLifetime"] = "2h"; s["lifecycle"] = {{"maxLifetime", "3h"}}; },
       "spec.lifecycle.maxLifetime", "maxLifetime 7200s"},
      {"lifetime: shutdownTime past the class's lifetime",
       [](json& s, json& c) { c["spec"]["maxLifetime"] = "2h"; s["lifecycle"] = {{"shutdownTime", "2030-01-01T03:00:00Z"}}; },
       "spec.lifecycle.shutdownTime", "maxLifetime 7200s"},
      {"lifetime: shutdownTime within it",
       [](json& s, json& c) { c["spec"]["maxLifetime"] = "2h"; s["lifecycle"] = {{"shutdownTime", "2030-01-01T01:00:00Z"}}; }, ""},
      // A class the operator cannot read blocks its sandboxes.
      {"class: unreadable CIDR", [](json&, json& c) { c["spec"]["egress"]["deniedCIDRs"] = {"not-a-cidr"}; },
       "spec.className", "spec.egress.deniedCIDRs[0] is not a CIDR block"},
  };
  return kCases;
}

class ClassBoundsTableTest : public ::testing::TestWithParam<Case> {};

TEST_P(ClassBoundsTableTest, AllowsOrNamesTheField) {
  const Case& c = GetParam();
  json spec = baseSpec();
  json sandboxClass = baseClass();
  c.change(spec, sandboxClass);
  const BoundSpec bound = check(spec, sandboxClass, c.labels);
  if (c.violatedPath.empty()) {
    EXPECT_TRUE(bound.violations.empty()) << bound.violations.front().message;
    return;
  }
  ASSERT_EQ(bound.violations.size(), 1u);
  EXPECT_EQ(bound.violations[0].path, c.violatedPath);
  EXPECT_NE(bound.violations[0].message.find(c.messagePart), std::string::npos) << bound.violations[0].message;
  EXPECT_NE(bound.violations[0].message.find("AgentSandboxClass standard"), std::string::npos)
      << bound.violations[0].message;
}

INSTANTIATE_TEST_SUITE_P(EveryField, ClassBoundsTableTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           std::string name;
                           for (char ch : param.param.name) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           return name;
                         });

TEST(ClassBoundsTest, CarvesDeniedBlocksOutOfWideDestinations) {
  json spec = baseSpec();
  spec["network"]["egress"] = json::parse(R"([{"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"], "ports": [{"port": 443}]},
                                              {"cidr": "::/0"}])");
  json sandboxClass = baseClass();
  sandboxClass["spec"]["egress"]["deniedCIDRs"] = {"10.96.0.0/12", "192.168.0.0/16"};
  const BoundSpec bound = check(spec, sandboxClass, {}, {*IpBlock::parse("10.244.0.0/16")});
  ASSERT_TRUE(bound.violations.empty()) << bound.violations.front().message;
  ASSERT_EQ(bound.spec.network.egress.size(), 2u);
  const auto& v4 = bound.spec.network.egress[0].except;
  // Kept as written, then the operator's floor; blocks inside 10.0.0.0/8 are already covered.
  EXPECT_EQ(v4, (std::vector<std::string>{"10.0.0.0/8", "169.254.0.0/16", "127.0.0.0/8", "0.0.0.0/8",
                                          "192.168.0.0/16"}));
  EXPECT_EQ(bound.spec.network.egress[1].except,
            (std::vector<std::string>{"fd00:ec2::254/128", "::1/128", "::ffff:0.0.0.0/96"}));
}

TEST(ClassBoundsTest, LeavesRefusedDestinationsOutOfTheBoundSpec) {
  json spec = baseSpec();
  spec["network"]["egress"] = json::parse(R"([{"cidr": "169.254.169.254/32"}, {"cidr": "203.0.113.0/24"}])");
  const BoundSpec bound = check(spec, baseClass());
  ASSERT_EQ(bound.violations.size(), 1u);
  ASSERT_EQ(bound.spec.network.egress.size(), 1u);
  EXPECT_EQ(bound.spec.network.egress[0].cidr, "203.0.113.0/24");
}

TEST(ClassBoundsTest, TakesTheClassesDnsTargets) {
  json sandboxClass = baseClass();
  sandboxClass["spec"]["dns"] = json::parse(R"({"namespace": "dns", "podSelector": {"app": "coredns"},
                                                "nodeLocalDNSCacheIP": "169.254.20.10"})");
  const BoundSpec bound = check(baseSpec(), sandboxClass);
  ASSERT_TRUE(bound.violations.empty());
  EXPECT_EQ(bound.spec.network.dns.ns, "dns");
  EXPECT_EQ(bound.spec.network.dns.podSelector, (std::map<std::string, std::string>{{"app", "coredns"}}));
  EXPECT_EQ(bound.spec.network.dns.nodeLocalCacheIp, "169.254.20.10");
  EXPECT_EQ(egressSummary(bound.spec.network), "DNS only (2 targets)");

  json off = baseSpec();
  off["network"]["dns"] = {{"mode", "None"}};
  EXPECT_EQ(check(off, sandboxClass).spec.network.dns.mode, DnsMode::kNone);
  sandboxClass["spec"]["dns"]["mode"] = "None";
  EXPECT_EQ(check(baseSpec(), sandboxClass).spec.network.dns.mode, DnsMode::kNone);
}

TEST(ClassBoundsTest, GivesADedicatedServiceAccountWhenNoneIsNamed) {
  const BoundSpec bound = check(baseSpec(), baseClass());
  EXPECT_TRUE(bound.dedicatedServiceAccount);
  EXPECT_EQ(bound.serviceAccountName, "analyst-sandbox");
  EXPECT_EQ(bound.spec.podTemplate["spec"]["serviceAccountName"], "analyst-sandbox");

  json named = baseSpec();
  named["template"]["spec"]["serviceAccountName"] = "reader";
  json sandboxClass = baseClass();
  sandboxClass["spec"]["serviceAccountNames"] = {"reader"};
  const BoundSpec listed = check(named, sandboxClass);
  EXPECT_FALSE(listed.dedicatedServiceAccount);
  EXPECT_EQ(listed.spec.podTemplate["spec"]["serviceAccountName"], "reader");
}

TEST(ClassBoundsTest, RuntimeAndLifetimeComeFromTheClass) {
  json sandboxClass = baseClass();
  sandboxClass["spec"]["runtimeClassName"] = "kata";
  sandboxClass["spec"]["maxLifetime"] = "8h";
  const BoundSpec bound = check(baseSpec(), sandboxClass);
  EXPECT_EQ(bound.runtimeClassName, "kata");
  EXPECT_EQ(bound.spec.lifecycle.maxLifetime, std::chrono::milliseconds(8h));
  EXPECT_EQ(check(baseSpec(), baseClass()).runtimeClassName, "gvisor");  // the operator's default
}

TEST(ClassBoundsTest, AsksForLabelsOnlyWhereASelectorDecides) {
  json spec = baseSpec();
  spec["template"]["spec"]["volumes"] = json::parse(R"([{"name": "a", "secret": {"secretName": "named"}},
                                                        {"name": "b", "secret": {"secretName": "other"}},
                                                        {"name": "c", "configMap": {"name": "settings"}}])");
  json sandboxClass = baseClass();
  sandboxClass["spec"]["secrets"] = json::parse(R"({"names": ["named"], "selector": {}})");
  const auto needed = referencesNeedingLabels(spec["template"], parseClass(sandboxClass));
  ASSERT_EQ(needed.size(), 1u);
  EXPECT_EQ(referenceKey(needed[0]), "Secret/other");
}

}  // namespace
}  // namespace agentguard::op

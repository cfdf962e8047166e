// Rule-level table tests for the privilege category: precedence between pod and container settings, values of
// the wrong JSON type, objects without pods, Windows pods, and rule parameters.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/policy/parameter_reader.h"
#include "engine/rules/rule_catalog.h"

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

RulePtr buildRule(const std::string& id, const Json* parameters, std::vector<std::string>* problems = nullptr) {
  const RuleDefinition* definition = RuleCatalog::builtin().find(id);
  if (definition == nullptr) {
    ADD_FAILURE() << "no rule " << id;
    return nullptr;
  }
  ParameterReader reader(parameters, "policy.yaml", "spec.rules[0].parameters", [](std::string_view) { return 1; });
  RulePtr rule = definition->create(reader);
  const auto& found = reader.finish();
  if (problems != nullptr) *problems = found;
  else EXPECT_TRUE(found.empty()) << found.front();
  return rule;
}

std::vector<Violation> evaluate(const std::string& id, const Json& object, const Json* parameters = nullptr) {
  std::vector<Violation> out;
  const RulePtr rule = buildRule(id, parameters);
  if (rule == nullptr) return out;
  rule->evaluate(ObjectView(object, "default"), RuleContext{}, out);
  for (const auto& violation : out) {
    EXPECT_FALSE(violation.message.empty()) << violation.path;
    EXPECT_FALSE(violation.fix.empty()) << violation.path;
  }
  return out;
}

std::vector<std::string> paths(const std::vector<Violation>& violations) {
  std::vector<std::string> result;
  for (const auto& violation : violations) result.push_back(violation.path);
  return result;
}

// A Pod whose spec is `spec` (JSON text).
Json pod(const std::string& spec) {
  return Json{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "agent"}}}, {"spec", Json::parse(spec)}};
}

struct RuleCase {
  std::string name;
  std::string rule;  // without the "privilege." prefix
  std::string spec;  // the Pod's spec, JSON
  std::vector<std::string> paths;
};

class PrivilegeRuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(PrivilegeRuleTest, ReportsExactlyThesePaths) {
  const RuleCase& c = GetParam();
  EXPECT_THAT(paths(evaluate("privilege." + c.rule, pod(c.spec))), ElementsAreArray(c.paths));
}

INSTANTIATE_TEST_SUITE_P(
    Precedence, PrivilegeRuleTest,
    ::testing::Values(
        // runAsNonRoot: a container's own value wins; containers that leave it unset are reported once, at the pod.
        RuleCase{"NonRootInheritedFromPod", "run-as-non-root",
                 R"({"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "a"}, {"name": "b"}]})", {}},
        RuleCase{"NonRootUnsetEverywhere", "run-as-non-root", R"({"containers": [{"name": "a"}, {"name": "b"}]})",
                 {"spec.securityContext.runAsNonRoot"}},
        RuleCase{"NonRootContainerTightensPod", "run-as-non-root",
                 R"({"securityContext": {"runAsNonRoot": false},
                     "containers": [{"name": "a", "securityContext": {"runAsNonRoot": true}}]})",
                 {}},
        RuleCase{"NonRootContainerLoosensPod", "run-as-non-root",
                 R"({"securityContext": {"runAsNonRoot": true},
                     "containers": [{"name": "a"}, {"name": "b", "securityContext": {"runAsNonRoot": false}}]})",
                 {"spec.containers[1].securityContext.runAsNonRoot"}},
        RuleCase{"NonRootPodFalseSomeContainersInherit", "run-as-non-root",
                 R"({"securityContext": {"runAsNonRoot": false},
                     "containers": [{"name": "a", "securityContext": {"runAsNonRoot": true}}, {"name": "b"}]})",
                 {"spec.securityContext.runAsNonRoot"}},
        RuleCase{"NonRootSetOnEveryContainer", "run-as-non-root",
                 R"({"initContainers": [{"name": "i", "securityContext": {"runAsNonRoot": true}}],
                     "containers": [{"name": "a", "securityContext": {"runAsNonRoot": true}}],
                     "ephemeralContainers": [{"name": "e", "securityContext": {"runAsNonRoot": true}}]})",
                 {}},
        RuleCase{"NonRootEphemeralContainerInherits", "run-as-non-root",
                 R"({"containers": [{"name": "a", "securityContext": {"runAsNonRoot": true}}],
                     "ephemeralContainers": [{"name": "e"}]})",
                 {"spec.securityContext.runAsNonRoot"}},
        // runAsUser: unset is fine; 0 is not, at either level, when it is the value in effect.
        RuleCase{"UserUnsetEverywhere", "run-as-root-user", R"({"containers": [{"name": "a"}]})", {}},
        RuleCase{"UserPodRootInherited", "run-as-root-user",
                 R"({"securityContext": {"runAsUser": 0}, "containers": [{"name": "a"}]})",
                 {"spec.securityContext.runAsUser"}},
        RuleCase{"UserPodRootOverriddenByEveryContainer", "run-as-root-user",
                 R"({"securityContext": {"runAsUser": 0},
                     "containers": [{"name": "a", "securityContext": {"runAsUser": 1000}}]})",
                 {}},
        RuleCase{"UserContainerRootOverridesPod", "run-as-root-user",
                 R"({"securityContext": {"runAsUser": 1000},
                     "containers": [{"name": "a"}, {"name": "b", "securityContext": {"runAsUser": 0}}]})",
                 {"spec.containers[1].securityContext.runAsUser"}},
        RuleCase{"UserFloatZeroIsRoot", "run-as-root-user",
                 R"({"containers": [{"name": "a", "securityContext": {"runAsUser": 0.0}}]})",
                 {"spec.containers[0].securityContext.runAsUser"}},
        // seccomp (restricted): a container profile replaces the pod's entirely.
        RuleCase{"SeccompFromPod", "seccomp-required",
                 R"({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}, "containers": [{"name": "a"}]})",
                 {}},
        RuleCase{"SeccompOnEveryContainer", "seccomp-required",
                 R"({"containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": "Localhost"}}}],
                     "initContainers": [{"name": "i", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}]})",
                 {}},
        RuleCase{"SeccompMissingOnOneContainer", "seccomp-required",
                 R"({"containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": "Localhost"}}},
                                    {"name": "b"}]})",
                 {"spec.securityContext.seccompProfile.type"}},
        RuleCase{"SeccompContainerUnconfinedOverridesPod", "seccomp-required",
                 R"({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                     "containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}]})",
                 {"spec.containers[0].securityContext.seccompProfile.type"}},
        RuleCase{"SeccompContainerProfileWithoutTypeIsNotMerged", "seccomp-required",
                 R"({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                     "containers": [{"name": "a", "securityContext": {"seccompProfile": {"localhostProfile": "x"}}}]})",
                 {"spec.containers[0].securityContext.seccompProfile.type"}},
        RuleCase{"SeccompPodUnconfinedInheritedOnce", "seccomp-required",
                 R"({"securityContext": {"seccompProfile": {"type": "Unconfined"}},
                     "containers": [{"name": "a"}, {"name": "b"}]})",
                 {"spec.securityContext.seccompProfile.type"}},
        // Baseline controls report every place a forbidden value is written, whatever overrides it.
        RuleCase{"SeccompBaselinePodUnconfinedEvenIfOverridden", "seccomp-unconfined",
                 R"({"securityContext": {"seccompProfile": {"type": "Unconfined"}},
                     "containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}]})",
                 {"spec.securityContext.seccompProfile.type"}},
        RuleCase{"SeccompBaselineUnsetIsFine", "seccomp-unconfined", R"({"containers": [{"name": "a"}]})", {}},
        RuleCase{"SeLinuxPodAndContainer", "selinux",
                 R"({"securityContext": {"seLinuxOptions": {"type": "spc_t"}},
                     "containers": [{"name": "a", "securityContext": {"seLinuxOptions": {"type": "container_init_t",
                                                                                        "role": "sysadm_r"}}}]})",
                 {"spec.securityContext.seLinuxOptions.type", "spec.containers[0].securityContext.seLinuxOptions.role"}},
        RuleCase{"SeLinuxEmptyValuesAndLevel", "selinux",
                 R"({"securityContext": {"seLinuxOptions": {"type": "", "user": "", "role": "", "level": "s0:c1"}},
                     "containers": [{"name": "a"}]})",
                 {}},
        RuleCase{"AppArmorContainerLevel", "apparmor",
                 R"({"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}},
                     "containers": [{"name": "a", "securityContext": {"appArmorProfile": {"type": "Unconfined"}}}]})",
                 {"spec.containers[0].securityContext.appArmorProfile.type"}},
        RuleCase{"WindowsHostProcessPodAndContainer", "windows-host-process",
                 R"({"securityContext": {"windowsOptions": {"hostProcess": true}},
                     "containers": [{"name": "a", "securityContext": {"windowsOptions": {"hostProcess": false}}},
                                    {"name": "b", "securityContext": {"windowsOptions": {"hostProcess": true}}}]})",
                 {"spec.securityContext.windowsOptions.hostProcess",
                  "spec.containers[1].securityContext.windowsOptions.hostProcess"}}),
    [](const auto& tested) { return tested.param.name; });

INSTANTIATE_TEST_SUITE_P(
    WrongTypes, PrivilegeRuleTest,
    ::testing::Values(
        // A control that requires a value is never satisfied by a look-alike of another type.
        RuleCase{"EscalationQuotedFalse", "allow-privilege-escalation",
                 R"({"containers": [{"name": "a", "securityContext": {"allowPrivilegeEscalation": "false"}}]})",
                 {"spec.containers[0].securityContext.allowPrivilegeEscalation"}},
        RuleCase{"EscalationZero", "allow-privilege-escalation",
                 R"({"containers": [{"name": "a", "securityContext": {"allowPrivilegeEscalation": 0}}]})",
                 {"spec.containers[0].securityContext.allowPrivilegeEscalation"}},
        RuleCase{"EscalationSecurityContextIsAString", "allow-privilege-escalation",
                 R"({"containers": [{"name": "a", "securityContext": "allowPrivilegeEscalation: false"}]})",
                 {"spec.containers[0].securityContext.allowPrivilegeEscalation"}},
        RuleCase{"NonRootQuotedTrueOnContainer", "run-as-non-root",
                 R"({"containers": [{"name": "a", "securityContext": {"runAsNonRoot": "true"}}]})",
                 {"spec.containers[0].securityContext.runAsNonRoot"}},
        RuleCase{"NonRootQuotedTrueOnPod", "run-as-non-root",
                 R"({"securityContext": {"runAsNonRoot": "true"}, "containers": [{"name": "a"}]})",
                 {"spec.securityContext.runAsNonRoot"}},
        RuleCase{"NonRootPodContextIsAList", "run-as-non-root",
                 R"({"securityContext": [{"runAsNonRoot": true}], "containers": [{"name": "a"}]})",
                 {"spec.securityContext.runAsNonRoot"}},
        RuleCase{"UserQuotedOnPod", "run-as-root-user",
                 R"({"securityContext": {"runAsUser": "1000"}, "containers": [{"name": "a"}]})",
                 {"spec.securityContext.runAsUser"}},
        RuleCase{"UserFraction", "run-as-root-user",
                 R"({"containers": [{"name": "a", "securityContext": {"runAsUser": 0.5}}]})",
                 {"spec.containers[0].securityContext.runAsUser"}},
        RuleCase{"SeccompProfileIsAString", "seccomp-required",
                 R"({"securityContext": {"seccompProfile": "RuntimeDefault"}, "containers": [{"name": "a"}]})",
                 {"spec.securityContext.seccompProfile"}},
        RuleCase{"SeccompTypeIsANumber", "seccomp-required",
                 R"({"containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": 1}}}]})",
                 {"spec.containers[0].securityContext.seccompProfile.type"}},
        RuleCase{"DropIsAString", "restricted-capabilities",
                 R"({"containers": [{"name": "a", "securityContext": {"capabilities": {"drop": "ALL"}}}]})",
                 {"spec.containers[0].securityContext.capabilities.drop"}},
        RuleCase{"DropListsANumber", "restricted-capabilities",
                 R"({"containers": [{"name": "a", "securityContext": {"capabilities": {"drop": [0]}}}]})",
                 {"spec.containers[0].securityContext.capabilities.drop"}},
        RuleCase{"CapabilitiesIsAList", "restricted-capabilities",
                 R"({"containers": [{"name": "a", "securityContext": {"capabilities": ["ALL"]}}]})",
                 {"spec.containers[0].securityContext.capabilities"}},
        RuleCase{"ReadOnlyQuotedTrue", "read-only-root-filesystem",
                 R"({"containers": [{"name": "a", "securityContext": {"readOnlyRootFilesystem": "true"}}]})",
                 {"spec.containers[0].securityContext.readOnlyRootFilesystem"}},
        RuleCase{"TokenQuotedFalse", "service-account-token",
                 R"({"automountServiceAccountToken": "false", "containers": [{"name": "a"}]})",
                 {"spec.automountServiceAccountToken"}},
        // A forbidden value spelled with the wrong type is still reported; null means unset.
        RuleCase{"PrivilegedQuotedTrue", "privileged-container",
                 R"({"containers": [{"name": "a", "securityContext": {"privileged": "true"}}]})",
                 {"spec.containers[0].securityContext.privileged"}},
        RuleCase{"PrivilegedNull", "privileged-container",
                 R"({"containers": [{"name": "a", "securityContext": {"privileged": null}}]})", {}},
        RuleCase{"HostNetworkNumber", "host-namespaces", R"({"hostNetwork": 1, "containers": []})",
                 {"spec.hostNetwork"}},
        RuleCase{"HostNamespacesFalse", "host-namespaces",
                 R"({"hostNetwork": false, "hostPID": false, "hostIPC": null, "containers": []})", {}},
        RuleCase{"AddIsAString", "baseline-capabilities",
                 R"({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": "SYS_ADMIN"}}}]})",
                 {"spec.containers[0].securityContext.capabilities.add"}},
        RuleCase{"AddListsANumber", "baseline-capabilities",
                 R"({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["CHOWN", 21]}}}]})",
                 {"spec.containers[0].securityContext.capabilities.add[1]"}},
        RuleCase{"ProcMountNumber", "proc-mount",
                 R"({"containers": [{"name": "a", "securityContext": {"procMount": 1}}]})",
                 {"spec.containers[0].securityContext.procMount"}},
        RuleCase{"SysctlsIsAMapping", "sysctls", R"({"securityContext": {"sysctls": {"kernel.msgmax": "1"}},
                                                     "containers": []})",
                 {"spec.securityContext.sysctls"}},
        RuleCase{"SysctlWithoutName", "sysctls", R"({"securityContext": {"sysctls": [{"value": "1"}, "x"]},
                                                     "containers": []})",
                 {"spec.securityContext.sysctls[0].name", "spec.securityContext.sysctls[1].name"}},
        RuleCase{"ProbeHostNumber", "host-probes",
                 R"({"containers": [{"name": "a", "readinessProbe": {"tcpSocket": {"host": 10, "port": 80}}}]})",
                 {"spec.containers[0].readinessProbe.tcpSocket.host"}},
        RuleCase{"ProbeHostLoopbackNamesAreTheNodes", "host-probes",
                 R"({"containers": [{"name": "a", "readinessProbe": {"httpGet": {"host": "LOCALHOST"}},
                                     "livenessProbe": {"httpGet": {"host": ""}, "tcpSocket": {"host": "::1"}},
                                     "lifecycle": {"postStart": {"httpGet": {"host": "127.0.0.1"}}}}]})",
                 {"spec.containers[0].livenessProbe.tcpSocket.host", "spec.containers[0].readinessProbe.httpGet.host",
                  "spec.containers[0].lifecycle.postStart.httpGet.host"}},
        RuleCase{"ProbeHostEmptyOrNull", "host-probes",
                 R"({"containers": [{"name": "a", "readinessProbe": {"httpGet": {"host": ""}},
                                     "livenessProbe": {"tcpSocket": {"host": null}},
                                     "lifecycle": {"preStop": {"httpGet": {"port": 80}}}}]})",
                 {}},
        RuleCase{"ProbeHostInEphemeralContainer", "host-probes",
                 R"({"containers": [], "ephemeralContainers": [{"name": "d",
                                     "lifecycle": {"preStop": {"tcpSocket": {"host": "0.0.0.0"}}}}]})",
                 {"spec.ephemeralContainers[0].lifecycle.preStop.tcpSocket.host"}},
        RuleCase{"ProbeHostWhitespace", "host-probes",
                 R"({"containers": [{"name": "a", "startupProbe": {"httpGet": {"host": " "}}}]})",
                 {"spec.containers[0].startupProbe.httpGet.host"}},
        RuleCase{"SysctlsSinceV132", "sysctls",
                 R"({"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_rmem", "value": "4096 87380 6291456"},
                                                      {"name": "net.ipv4.tcp_wmem", "value": "4096 16384 4194304"}]},
                     "containers": []})",
                 {}},
        RuleCase{"SysctlsNearSafeNames", "sysctls",
                 R"({"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_mem", "value": "1 2 3"},
                                                      {"name": "net.ipv4.tcp_rmem ", "value": "1 2 3"},
                                                      {"name": "net/ipv4/tcp_wmem", "value": "1 2 3"},
                                                      {"name": "net.core.rmem_max", "value": "1"}]},
                     "containers": []})",
                 {"spec.securityContext.sysctls[0].name", "spec.securityContext.sysctls[1].name",
                  "spec.securityContext.sysctls[2].name", "spec.securityContext.sysctls[3].name"}},
        RuleCase{"AppArmorProfileIsAString", "apparmor",
                 R"({"securityContext": {"appArmorProfile": "RuntimeDefault"}, "containers": []})",
                 {"spec.securityContext.appArmorProfile"}},
        RuleCase{"SeLinuxUserNumber", "selinux",
                 R"({"containers": [{"name": "a", "securityContext": {"seLinuxOptions": {"user": 0}}}]})",
                 {"spec.containers[0].securityContext.seLinuxOptions.user"}},
        RuleCase{"HostProcessQuoted", "windows-host-process",
                 R"({"securityContext": {"windowsOptions": {"hostProcess": "true"}}, "containers": []})",
                 {"spec.securityContext.windowsOptions.hostProcess"}},
        RuleCase{"VolumeEntryIsAString", "volume-types", R"({"volumes": ["scratch"], "containers": []})",
                 {"spec.volumes[0]"}},
        RuleCase{"VolumeWithoutTypeIsEmptyDir", "volume-types",
                 R"({"volumes": [{"name": "scratch"}, {"name": "n", "nfs": null}], "containers": []})", {}},
        RuleCase{"HostPathIsAString", "container-runtime-socket",
                 R"({"volumes": [{"name": "s", "hostPath": "/var/run/docker.sock"}], "containers": []})",
                 {"spec.volumes[0].hostPath"}},
        RuleCase{"HostPathWithoutPath", "container-runtime-socket",
                 R"({"volumes": [{"name": "s", "hostPath": {"type": "Socket"}}], "containers": []})",
                 {"spec.volumes[0].hostPath.path"}},
        RuleCase{"HostPathOutsideRuntime", "container-runtime-socket",
                 R"({"volumes": [{"name": "logs", "hostPath": {"path": "/var/log"}}], "containers": []})", {}}),
    [](const auto& tested) { return tested.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Windows, PrivilegeRuleTest,
    ::testing::Values(
        // Linux-only restricted controls do not apply to Windows pods; the others still do.
        RuleCase{"EscalationSkipped", "allow-privilege-escalation",
                 R"({"os": {"name": "windows"}, "containers": [{"name": "a"}]})", {}},
        RuleCase{"SeccompSkipped", "seccomp-required", R"({"os": {"name": "windows"}, "containers": [{"name": "a"}]})",
                 {}},
        RuleCase{"CapabilitiesSkipped", "restricted-capabilities",
                 R"({"os": {"name": "windows"}, "containers": [{"name": "a"}]})", {}},
        RuleCase{"ReadOnlySkipped", "read-only-root-filesystem",
                 R"({"os": {"name": "windows"}, "containers": [{"name": "a"}]})", {}},
        RuleCase{"NonRootStillApplies", "run-as-non-root",
                 R"({"os": {"name": "windows"}, "containers": [{"name": "a"}]})",
                 {"spec.securityContext.runAsNonRoot"}},
        RuleCase{"LinuxPodIsChecked", "allow-privilege-escalation",
                 R"({"os": {"name": "linux"}, "containers": [{"name": "a"}]})",
                 {"spec.containers[0].securityContext.allowPrivilegeEscalation"}}),
    [](const auto& tested) { return tested.param.name; });

TEST(PrivilegeRulesTest, EveryRuleIgnoresObjectsWithoutPods) {
  const Json configMap = Json::parse(R"({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                                         "data": {"privileged": "true"}})");
  const Json podWithoutSpec = Json::parse(R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}})");
  int rules = 0;
  for (const auto& definition : RuleCatalog::builtin().all()) {
    if (definition.info.category != "privilege") continue;
    ++rules;
    EXPECT_TRUE(evaluate(definition.info.id, configMap).empty()) << definition.info.id;
    EXPECT_TRUE(evaluate(definition.info.id, podWithoutSpec).empty()) << definition.info.id;
  }
  // The Pod Security Standards' controls and ours, privilege.persistent-volume-host-path and
  // privilege.sandbox-token-audience included.
  EXPECT_EQ(rules, 22);
}

TEST(PrivilegeRulesTest, MessagesNameTheContainerAndFixesNameTheSetting) {
  const auto out = evaluate("privilege.allow-privilege-escalation",
                            pod(R"({"initContainers": [{"name": "setup"}], "containers": [{"name": "app"}]})"));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_THAT(out[0].message, HasSubstr("container \"app\""));
  EXPECT_EQ(out[0].fix, "set securityContext.allowPrivilegeEscalation: false on container \"app\"");
  EXPECT_THAT(out[1].message, HasSubstr("init container \"setup\""));

  const auto inherited = evaluate(
      "privilege.run-as-root-user",
      pod(R"({"securityContext": {"runAsUser": 0}, "containers": [{"name": "a"}, {"name": "b"}]})"));
  ASSERT_EQ(inherited.size(), 1u);
  EXPECT_THAT(inherited[0].message, HasSubstr("containers \"a\" and \"b\" inherit it"));
}

TEST(PrivilegeRulesTest, WorkloadPathsPointIntoTheTemplate) {
  const Json cronJob = Json::parse(R"({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
      "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "a",
          "securityContext": {"privileged": true}}]}}}}}})");
  EXPECT_THAT(paths(evaluate("privilege.privileged-container", cronJob)),
              ElementsAreArray({"spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged"}));
}

TEST(PrivilegeRulesTest, AppArmorAnnotationsLiveOnThePodTemplate) {
  const Json deployment = Json::parse(R"({"apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": {"name": "d", "annotations": {"container.apparmor.security.beta.kubernetes.io/a": "unconfined"}},
      "spec": {"template": {"metadata": {"annotations": {
          "container.apparmor.security.beta.kubernetes.io/a": "localhost/agent",
          "container.apparmor.security.beta.kubernetes.io/b": "unconfined",
          "container.apparmor.security.beta.kubernetes.io/c": "",
          "container.apparmor.security.beta.kubernetes.io/d": true,
          "example.com/unconfined": "unconfined"}},
        "spec": {"containers": [{"name": "a"}]}}}})");
  EXPECT_THAT(paths(evaluate("privilege.apparmor", deployment)),
              ElementsAreArray({R"(spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/b"])",
                                R"(spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/d"])"}));
}

TEST(PrivilegeRulesTest, CapabilityAllowListIsAParameter) {
  const Json object = pod(R"({"containers": [{"name": "a", "securityContext": {"capabilities":
      {"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "NET_RAW"]}}}]})");
  EXPECT_THAT(paths(evaluate("privilege.restricted-capabilities", object)),
              ElementsAreArray({"spec.containers[0].securityContext.capabilities.add[1]"}));
  const Json allowRaw = Json::parse(R"({"allowedCapabilities": ["NET_BIND_SERVICE", "NET_RAW"]})");
  EXPECT_TRUE(evaluate("privilege.restricted-capabilities", object, &allowRaw).empty());
  EXPECT_TRUE(evaluate("privilege.baseline-capabilities", object, &allowRaw).empty());
}

TEST(PrivilegeRulesTest, RejectsCapabilityParametersWithThePrefix) {
  const Json parameters = Json::parse(R"({"allowedCapabilities": ["CAP_NET_RAW"]})");
  std::vector<std::string> problems;
  buildRule("privilege.baseline-capabilities", &parameters, &problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], HasSubstr("without the CAP_ prefix"));
}

TEST(PrivilegeRulesTest, RejectsRelativeRuntimePaths) {
  const Json parameters = Json::parse(R"({"runtimePaths": ["/run/custom.sock", "run/other.sock"]})");
  std::vector<std::string> problems;
  buildRule("privilege.container-runtime-socket", &parameters, &problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], HasSubstr("\"run/other.sock\" is not an absolute path"));
}

TEST(PrivilegeRulesTest, SysctlAndVolumeAllowListsAreParameters) {
  const Json object = pod(R"({"securityContext": {"sysctls": [{"name": "net.core.somaxconn", "value": "1024"}]},
                              "volumes": [{"name": "shared", "nfs": {"server": "nfs", "path": "/"}}],
                              "containers": []})");
  EXPECT_EQ(evaluate("privilege.sysctls", object).size(), 1u);
  EXPECT_EQ(evaluate("privilege.volume-types", object).size(), 1u);
  const Json sysctls = Json::parse(R"({"allowedSysctls": ["net.core.somaxconn"]})");
  const Json volumes = Json::parse(R"({"allowedTypes": ["nfs"]})");
  EXPECT_TRUE(evaluate("privilege.sysctls", object, &sysctls).empty());
  EXPECT_TRUE(evaluate("privilege.volume-types", object, &volumes).empty());
}

TEST(PrivilegeRulesTest, SlashSpelledSafeSysctlGetsAHint) {
  const auto out = evaluate("privilege.sysctls", pod(R"({"securityContext": {"sysctls": [
      {"name": "net/ipv4/tcp_syncookies", "value": "1"}]}, "containers": []})"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_THAT(out[0].message, HasSubstr("write it with dots, as net.ipv4.tcp_syncookies"));
}

}  // namespace
}  // namespace agentguard::engine

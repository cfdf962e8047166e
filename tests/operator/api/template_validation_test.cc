#include "operator/api/template_validation.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace agentguard::op {
namespace {

using nlohmann::json;

json baseTemplate() {
  return json::parse(R"({
    "metadata": {"labels": {"team": "research"}},
    "spec": {
      "containers": [{"name": "agent", "image": "registry.example/agent:1",
                      "volumeMounts": [{"name": "workspace", "mountPath": "/workspace"}]}],
      "volumes": [{"name": "workspace", "emptyDir": {"sizeLimit": "1Gi"}}]
    }
  })");
}

struct ForbiddenCase {
  std::string name;
  std::string pointer;  // JSON pointer into the template to set
  json value;
  std::string expectedPath;
  std::string expectedReason = "ForbiddenTemplateField";
};

class ForbiddenFieldTest : public ::testing::TestWithParam<ForbiddenCase> {};

TEST_P(ForbiddenFieldTest, ReportsExactPath) {
  const ForbiddenCase& c = GetParam();
  json podTemplate = baseTemplate();
  podTemplate[json::json_pointer(c.pointer)] = c.value;
  const auto violations = validateTemplate(podTemplate);
  // Several rules may speak about one field (privilege.baseline-capabilities and the operator's own check of
  // capabilities.add): every violation must lie at or under the field, and name its path first.
  ASSERT_FALSE(violations.empty()) << c.name << ": " << json(podTemplate).dump();
  bool exact = false;
  for (const Violation& violation : violations) {
    EXPECT_EQ(violation.path.rfind(c.expectedPath, 0), 0u) << c.name << ": " << violation.message;
    EXPECT_EQ(violation.reason, c.expectedReason) << violation.message;
    EXPECT_EQ(violation.message.rfind(violation.path + " ", 0), 0u) << violation.message;
    exact = exact || violation.path == c.expectedPath || violation.path.rfind(c.expectedPath + ".", 0) == 0 ||
            violation.path.rfind(c.expectedPath + "[", 0) == 0;
  }
  EXPECT_TRUE(exact) << c.name;
}

const std::vector<ForbiddenCase> kForbidden = {
    {"Privileged", "/spec/containers/0/securityContext/privileged", true,
     "spec.template.spec.containers[0].securityContext.privileged"},
    {"PrivilegeEscalation", "/spec/containers/0/securityContext/allowPrivilegeEscalation", true,
     "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation"},
    {"WritableRoot", "/spec/containers/0/securityContext/readOnlyRootFilesystem", false,
     "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem"},
    {"ContainerRunAsRootAllowed", "/spec/containers/0/securityContext/runAsNonRoot", false,
     "spec.template.spec.containers[0].securityContext.runAsNonRoot"},
    {"ContainerRunAsUserZero", "/spec/containers/0/securityContext/runAsUser", 0,
     "spec.template.spec.containers[0].securityContext.runAsUser"},
    {"AddedCapabilities", "/spec/containers/0/securityContext/capabilities/add", json::array({"NET_ADMIN"}),
     "spec.template.spec.containers[0].securityContext.capabilities.add"},
    {"UnmaskedProc", "/spec/containers/0/securityContext/procMount", "Unmasked",
     "spec.template.spec.containers[0].securityContext.procMount"},
    {"ContainerSeccompUnconfined", "/spec/containers/0/securityContext/seccompProfile", {{"type", "Unconfined"}},
     "spec.template.spec.containers[0].securityContext.seccompProfile.type"},
    {"ContainerSeLinux", "/spec/containers/0/securityContext/seLinuxOptions", {{"type", "spc_t"}},
     "spec.template.spec.containers[0].securityContext.seLinuxOptions"},
    {"HostPort", "/spec/containers/0/ports", json::array({{{"containerPort", 80}, {"hostPort", 80}}}),
     "spec.template.spec.containers[0].ports[0].hostPort"},
    {"HostIP", "/spec/containers/0/ports", json::array({{{"containerPort", 80}, {"hostIP", "0.0.0.0"}}}),
     "spec.template.spec.containers[0].ports[0].hostIP"},
    {"MountPropagation", "/spec/containers/0/volumeMounts/0/mountPropagation", "Bidirectional",
     "spec.template.spec.containers[0].volumeMounts[0].mountPropagation"},
    {"InitContainerPrivileged", "/spec/initContainers",
     json::array({{{"name", "setup"}, {"image", "busybox"}, {"securityContext", {{"privileged", true}}}}}),
     "spec.template.spec.initContainers[0].securityContext.privileged"},
    {"SecondContainer", "/spec/containers/1",
     {{"name", "sidecar"}, {"image", "busybox"}, {"securityContext", {{"allowPrivilegeEscalation", true}}}},
     "spec.template.spec.containers[1].securityContext.allowPrivilegeEscalation"},
    {"HostNetwork", "/spec/hostNetwork", true, "spec.template.spec.hostNetwork"},
    {"HostPID", "/spec/hostPID", true, "spec.template.spec.hostPID"},
    {"HostIPC", "/spec/hostIPC", true, "spec.template.spec.hostIPC"},
    {"TemplateRuntimeClass", "/spec/runtimeClassName", "runc", "spec.template.spec.runtimeClassName"},
    {"TemplateRestartPolicy", "/spec/restartPolicy", "Always", "spec.template.spec.restartPolicy"},
    {"ServiceAccountToken", "/spec/automountServiceAccountToken", true,
     "spec.template.spec.automountServiceAccountToken"},
    {"NodeName", "/spec/nodeName", "node-1", "spec.template.spec.nodeName"},
    {"DnsPolicy", "/spec/dnsPolicy", "Default", "spec.template.spec.dnsPolicy"},
    {"DnsConfig", "/spec/dnsConfig", {{"nameservers", json::array({"8.8.8.8"})}}, "spec.template.spec.dnsConfig"},
    {"HostAliases", "/spec/hostAliases", json::array({{{"ip", "1.2.3.4"}}}), "spec.template.spec.hostAliases"},
    {"EphemeralContainers", "/spec/ephemeralContainers", json::array({{{"name", "debug"}}}),
     "spec.template.spec.ephemeralContainers"},
    {"PodRunAsRootAllowed", "/spec/securityContext/runAsNonRoot", false,
     "spec.template.spec.securityContext.runAsNonRoot"},
    {"PodRunAsUserZero", "/spec/securityContext/runAsUser", 0, "spec.template.spec.securityContext.runAsUser"},
    {"PodSeccompLocalhost", "/spec/securityContext/seccompProfile",
     {{"type", "Localhost"}}, "spec.template.spec.securityContext.seccompProfile.type"},
    {"PodSysctls", "/spec/securityContext/sysctls", json::array({{{"name", "net.core.somaxconn"}, {"value", "1"}}}),
     "spec.template.spec.securityContext.sysctls"},
    {"PodSeLinux", "/spec/securityContext/seLinuxOptions", {{"type", "spc_t"}},
     "spec.template.spec.securityContext.seLinuxOptions"},
    {"PodSeLinuxUser", "/spec/securityContext/seLinuxOptions", {{"user", "system_u"}},
     "spec.template.spec.securityContext.seLinuxOptions"},
    {"HostPathVolume", "/spec/volumes/1", {{"name", "host"}, {"hostPath", {{"path", "/"}}}},
     "spec.template.spec.volumes[1]"},
    {"ContainerAppArmorField", "/spec/containers/0/securityContext/appArmorProfile", {{"type", "Unconfined"}},
     "spec.template.spec.containers[0].securityContext.appArmorProfile"},
    {"ProbeHost", "/spec/containers/0/livenessProbe",
     {{"httpGet", {{"host", "169.254.169.254"}, {"port", 80}, {"path", "/"}}}},
     "spec.template.spec.containers[0].livenessProbe"},
    {"ProjectedToken", "/spec/volumes/1",
     {{"name", "token"}, {"projected", {{"sources", json::array({{{"serviceAccountToken", {{"path", "t"}}}}})}}}},
     "spec.template.spec.volumes[1].projected.sources[0].serviceAccountToken"},
    // The operator's own projection (audience agentguard-gate) is added to the Pod, never taken from the template.
    {"ProjectedGateToken", "/spec/volumes/1",
     {{"name", "token"},
      {"projected", {{"sources", json::array({{{"serviceAccountToken", {{"path", "t"}, {"audience", "agentguard-gate"}}}}})}}}},
     "spec.template.spec.volumes[1].projected.sources[0].serviceAccountToken"},
    {"ReservedGateVolume", "/spec/volumes/1", {{"name", "agentguard-gate-token"}, {"emptyDir", json::object()}},
     "spec.template.spec.volumes[1].name"},
    {"ReservedGateMountPath", "/spec/containers/0/volumeMounts/0/mountPath", "/var/run/secrets/agentguard.io/gate",
     "spec.template.spec.containers[0].volumeMounts[0].mountPath"},
    {"GatePodNameLabel", "/metadata/labels/app.kubernetes.io~1name", "agentguard-gate",
     "spec.template.metadata.labels[app.kubernetes.io/name]"},
    {"ReservedLabel", "/metadata/labels/agentguard.io~1sandbox", "other",
     "spec.template.metadata.labels[agentguard.io/sandbox]"},
    {"ManagedByLabel", "/metadata/labels/app.kubernetes.io~1managed-by", "me",
     "spec.template.metadata.labels[app.kubernetes.io/managed-by]"},
    {"SeccompAnnotation", "/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod", "unconfined",
     "spec.template.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]"},
    {"AppArmorAnnotation", "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1agent",
     "unconfined", "spec.template.metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/agent\"]"},
    {"TwoVolumeSources", "/spec/volumes/0/configMap", {{"name", "cm"}}, "spec.template.spec.volumes[0]",
     "InvalidSpec"},
    {"UnknownVolumeMount", "/spec/containers/0/volumeMounts/0/name", "missing",
     "spec.template.spec.containers[0].volumeMounts[0].name", "InvalidSpec"},
    {"DuplicateContainer", "/spec/containers/1", {{"name", "agent"}, {"image", "busybox"}},
     "spec.template.spec.containers[1].name", "InvalidSpec"},
    {"ValueAndValueFrom", "/spec/containers/0/env",
     json::array({{{"name", "K"}, {"value", "v"}, {"valueFrom", {{"secretKeyRef", {{"name", "s"}, {"key", "k"}}}}}}}),
     "spec.template.spec.containers[0].env[0]", "InvalidSpec"},
    {"NoContainers", "/spec/containers", json::array(), "spec.template.spec.containers", "InvalidSpec"},
    // What the API server answers with 422 on the Pod is reported up front, not retried for ever.
    {"LabelValueWithSpaces", "/metadata/labels/team", "research team", "spec.template.metadata.labels[team]",
     "InvalidSpec"},
    {"LabelValueTooLong", "/metadata/labels/team", std::string(64, 'a'), "spec.template.metadata.labels[team]",
     "InvalidSpec"},
    {"LabelValueNotString", "/metadata/labels/team", 3, "spec.template.metadata.labels[team]", "InvalidSpec"},
    {"LabelKeyBadPrefix", "/metadata/labels/Example.COM~1team", "a", "spec.template.metadata.labels[Example.COM/team]",
     "InvalidSpec"},
    {"LabelKeyWithSpace", "/metadata/labels/my team", "a", "spec.template.metadata.labels[my team]", "InvalidSpec"},
    {"AnnotationKeyInvalid", "/metadata/annotations/-notes", "x", "spec.template.metadata.annotations[-notes]",
     "InvalidSpec"},
    {"AnnotationsTooLarge", "/metadata/annotations/notes", std::string(300 * 1024, 'x'),
     "spec.template.metadata.annotations", "InvalidSpec"},
};

INSTANTIATE_TEST_SUITE_P(Template, ForbiddenFieldTest, ::testing::ValuesIn(kForbidden),
                         [](const ::testing::TestParamInfo<ForbiddenCase>& param) { return param.param.name; });

struct AcceptedCase {
  std::string name;
  std::string pointer;
  json value;
};

class AcceptedFieldTest : public ::testing::TestWithParam<AcceptedCase> {};

TEST_P(AcceptedFieldTest, HasNoViolation) {
  json podTemplate = baseTemplate();
  podTemplate[json::json_pointer(GetParam().pointer)] = GetParam().value;
  const auto violations = validateTemplate(podTemplate);
  EXPECT_TRUE(violations.empty()) << violations.front().message;
}

const std::vector<AcceptedCase> kAccepted = {
    {"Baseline", "/metadata/labels/team", "research"},
    {"CompatibleContainerContext", "/spec/containers/0/securityContext",
     {{"privileged", false},
      {"allowPrivilegeEscalation", false},
      {"readOnlyRootFilesystem", true},
      {"runAsNonRoot", true},
      {"runAsUser", 1000},
      {"capabilities", {{"drop", json::array({"ALL"})}}},
      {"seccompProfile", {{"type", "RuntimeDefault"}}},
      {"procMount", "Default"}}},
    {"CompatiblePodContext", "/spec/securityContext",
     {{"runAsNonRoot", true}, {"runAsUser", 1000}, {"fsGroup", 2000}, {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
    {"HostFlagsFalse", "/spec/hostNetwork", false},
    {"NoTokenMount", "/spec/automountServiceAccountToken", false},
    {"ContainerPortWithoutHost", "/spec/containers/0/ports", json::array({{{"containerPort", 8080}, {"hostPort", 0}}})},
    {"SecretEnv", "/spec/containers/0/env",
     json::array({{{"name", "API_KEY"}, {"valueFrom", {{"secretKeyRef", {{"name", "api"}, {"key", "key"}}}}}}})},
    {"PropagationNone", "/spec/containers/0/volumeMounts/0/mountPropagation", "None"},
    {"AppArmorRuntimeDefault", "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1agent",
     "runtime/default"},
    {"ProjectedConfig", "/spec/volumes/1",
     {{"name", "config"}, {"projected", {{"sources", json::array({{{"configMap", {{"name", "c"}}}}})}}}}},
    {"Tolerations", "/spec/tolerations", json::array({{{"key", "sandbox"}, {"operator", "Exists"}}})},
    {"PrefixedLabel", "/metadata/labels/example.com~1team", "research-1.a_b"},
    {"EmptyLabelValue", "/metadata/labels/team", ""},
    {"LongestLabelValue", "/metadata/labels/team", std::string(63, 'a')},
    {"FreeTextAnnotation", "/metadata/annotations/example.com~1notes", "any text, with spaces: fine"},
    // The Pod Security Standards' verdict, as the webhook and the CLI give it.
    {"SeLinuxLevel", "/spec/securityContext/seLinuxOptions", {{"level", "s0:c123,c456"}}},
    {"SafeSysctl", "/spec/securityContext/sysctls", json::array({{{"name", "net.ipv4.ip_local_port_range"}, {"value", "1024 65535"}}})},
    {"AppArmorLocalhost", "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1agent",
     "localhost/agent-profile"},
    {"CapabilitiesDropSubset", "/spec/containers/0/securityContext/capabilities", {{"drop", json::array({"NET_RAW"})}}},
};

INSTANTIATE_TEST_SUITE_P(Template, AcceptedFieldTest, ::testing::ValuesIn(kAccepted),
                         [](const ::testing::TestParamInfo<AcceptedCase>& param) { return param.param.name; });

TEST(TemplateValidationTest, ReportsEveryViolation) {
  json podTemplate = baseTemplate();
  podTemplate["spec"]["hostNetwork"] = true;
  podTemplate["spec"]["containers"][0]["securityContext"] = {{"privileged", true}, {"runAsUser", 0}};
  const auto violations = validateTemplate(podTemplate);
  std::vector<std::string> paths;
  for (const auto& violation : violations) paths.push_back(violation.path);
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, (std::vector<std::string>{"spec.template.spec.containers[0].securityContext.privileged",
                                             "spec.template.spec.containers[0].securityContext.runAsUser",
                                             "spec.template.spec.hostNetwork"}));
}

TEST(TemplateValidationTest, EngineAndOperatorReportAFieldOnce) {
  json podTemplate = baseTemplate();
  podTemplate["spec"]["containers"][0]["securityContext"] = {{"seccompProfile", {{"type", "Unconfined"}}}};
  const auto violations = validateTemplate(podTemplate);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].path, "spec.template.spec.containers[0].securityContext.seccompProfile.type");
}

TEST(TemplateValidationTest, MissingSpecIsInvalid) {
  const auto violations = validateTemplate(json::object());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].path, "spec.template.spec");
  EXPECT_EQ(violations[0].reason, "InvalidSpec");
}

}  // namespace
}  // namespace agentguard::op

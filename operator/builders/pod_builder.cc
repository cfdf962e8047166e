#include "operator/builders/pod_builder.h"

#include "operator/builders/owned_objects.h"

namespace agentguard::op {
namespace {

using nlohmann::json;

const json kRuntimeDefaultSeccomp = {{"type", "RuntimeDefault"}};

json enforcedContainer(json container) {
  json securityContext = container.value("securityContext", json::object());
  if (!securityContext.is_object()) securityContext = json::object();
  securityContext["privileged"] = false;
  securityContext["allowPrivilegeEscalation"] = false;
  securityContext["readOnlyRootFilesystem"] = true;
  securityContext["runAsNonRoot"] = true;
  securityContext["capabilities"] = {{"drop", json::array({"ALL"})}};
  securityContext["seccompProfile"] = kRuntimeDefaultSeccomp;
  securityContext.erase("procMount");
  container["securityContext"] = std::move(securityContext);
  return container;
}

}  // namespace

json buildPod(const SandboxMeta& sandbox, const AgentSandboxSpec& spec, const std::string& runtimeClassName) {
  const json& podTemplate = spec.podTemplate;
  const json templateMetadata = podTemplate.value("metadata", json::object());
  json labels = templateMetadata.value("labels", json::object());
  if (!labels.is_object()) labels = json::object();
  const json ownLabels = sandboxLabels(sandbox);
  for (const auto& [key, value] : ownLabels.items()) labels[key] = value;
  json annotations = templateMetadata.value("annotations", json::object());
  if (!annotations.is_object()) annotations = json::object();
  annotations["agentguard.io/network-policy"] = networkPolicyName(sandbox);

  json podSpec = podTemplate.value("spec", json::object());
  for (const char* list : {"initContainers", "containers"}) {
    if (!podSpec.contains(list) || !podSpec[list].is_array()) continue;
    for (json& container : podSpec[list]) container = enforcedContainer(std::move(container));
  }
  podSpec["runtimeClassName"] = runtimeClassName;
  podSpec["automountServiceAccountToken"] = false;
  podSpec["enableServiceLinks"] = false;
  podSpec["hostNetwork"] = false;
  podSpec["hostPID"] = false;
  podSpec["hostIPC"] = false;
  podSpec["dnsPolicy"] = "ClusterFirst";
  podSpec["restartPolicy"] = std::string(restartPolicyName(spec.lifecycle.restartPolicy));
  json podSecurity = podSpec.value("securityContext", json::object());
  if (!podSecurity.is_object()) podSecurity = json::object();
  podSecurity["runAsNonRoot"] = true;
  podSecurity["seccompProfile"] = kRuntimeDefaultSeccomp;
  podSpec["securityContext"] = std::move(podSecurity);

  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", podName(sandbox)},
            {"namespace", sandbox.ns},
            {"labels", std::move(labels)},
            {"annotations", std::move(annotations)},
            {"ownerReferences", json::array({controllerReference(sandbox)})}}},
          {"spec", std::move(podSpec)}};
}

}  // namespace agentguard::op

// Volumes: hostPath, the container runtime's sockets and state, and the volume types restricted allows.
#include <string>

#include "common/manifest/field_path.h"
#include "engine/policy/parameter_reader.h"
#include "engine/rules/check_rule.h"
#include "engine/rules/privilege/allowed_values.h"
#include "engine/rules/privilege/privilege_rules.h"
#include "engine/rules/privilege/runtime_socket_paths.h"
#include "engine/rules/privilege/security_context.h"

namespace agentguard::engine::privilege {
namespace {

using Json = nlohmann::json;

std::string volumePath(const PodTemplateRef& pod, size_t index) {
  return pod.specPath + ".volumes[" + std::to_string(index) + "]";
}

std::string volumeLabel(const Json& volume) {
  std::string label = "volume ";
  label += describeValue(Json(stringField(&volume, "name").value_or("")));
  return label;
}

RuleDefinition hostPathRule() {
  RuleDefinition d;
  d.info = {"privilege.host-path", "privilege", "hostPath volumes",
            "A hostPath volume mounts a file or directory of the node into the pod: node credentials, other pods' "
            "data, or the paths the node trusts (Pod Security Standards baseline: HostPath Volumes).",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makePodRule([](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      const Json* volumes = arrayField(pod.spec, "volumes");
      if (volumes == nullptr) return;
      for (size_t i = 0; i < volumes->size(); ++i) {
        const Json& volume = (*volumes)[i];
        const Json* hostPath = presentField(&volume, "hostPath");
        if (hostPath == nullptr) continue;
        const std::string label = volumeLabel(volume);
        const auto path = stringSetting(hostPath, "path");
        out.push_back({volumePath(pod, i) + ".hostPath",
                       path.value ? label + " mounts the node's path " + describeValue(*path.raw) + " into the pod"
                                  : label + " mounts a path of the node into the pod",
                       "replace hostPath " + label + " with an emptyDir, configMap, secret or persistentVolumeClaim "
                       "volume"});
      }
    });
  };
  return d;
}

std::string describeExposure(const RuntimeMatch& match, const Json& path) {
  const std::string runtime(match.runtimePath);
  const std::string mounted = describeValue(path);
  switch (match.exposure) {
    case Exposure::kSame:
      if (path.get_ref<const std::string&>() == runtime) return "mounts the container runtime's " + mounted;
      return "mounts the node's " + mounted + ", which is the container runtime's " + runtime;
    case Exposure::kContains:
      return "mounts the node's " + mounted + ", which contains the container runtime's " + runtime;
    case Exposure::kInside:
      break;
  }
  return "mounts the node's " + mounted + ", inside the container runtime's " + runtime;
}

RuleDefinition containerRuntimeSocketRule() {
  RuleDefinition d;
  d.info = {"privilege.container-runtime-socket", "privilege", "Container runtime sockets",
            "A hostPath volume that reaches the node's container runtime (docker.sock, containerd, CRI-O, their "
            "state directories, or a parent such as /var/run or /) lets the pod start privileged containers and take "
            "over the node. Checked separately from privilege.host-path so it still applies where hostPath is "
            "exempted.",
            Severity::kCritical, Action::kDeny};
  d.parametersHelp =
      "runtimePaths: absolute host paths of container runtime sockets and state directories (docker, containerd, "
      "CRI-O, cri-dockerd, podman, k3s)";
  d.create = [](ParameterReader& params) -> RulePtr {
    const auto configured = params.stringList("runtimePaths", defaultRuntimePaths());
    for (const auto& path : configured) {
      if (path.empty() || path.front() != '/') params.fail("runtimePaths", "\"" + path + "\" is not an absolute path");
    }
    const RuntimeSocketPaths runtimePaths(configured);
    return makePodRule([runtimePaths](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      const Json* volumes = arrayField(pod.spec, "volumes");
      if (volumes == nullptr) return;
      for (size_t i = 0; i < volumes->size(); ++i) {
        const Json& volume = (*volumes)[i];
        const Json* hostPath = presentField(&volume, "hostPath");
        if (hostPath == nullptr) continue;
        const auto path = stringSetting(hostPath, "path");
        std::string message;
        bool atPath = true;  // report at hostPath.path, or at hostPath when that is not a mapping
        if (path.value) {
          const auto match = runtimePaths.exposedBy(*path.value);
          if (!match) continue;
          message = volumeLabel(volume) + " " + describeExposure(*match, *path.raw) +
                    ": whoever reaches the runtime can start privileged containers and take over the node";
        } else if (!hostPath->is_object()) {
          // Without a readable path the mount cannot be shown to avoid the runtime (fail closed).
          message = volumeLabel(volume) + " sets hostPath to " + describeMistyped(*hostPath, "a mapping") +
                    ", so it cannot be shown to avoid the container runtime's socket";
          atPath = false;
        } else {
          message = volumeLabel(volume) +
                    (path.raw != nullptr ? " sets hostPath.path to " + describeMistyped(*path.raw, "a string")
                                         : std::string(" does not set hostPath.path")) +
                    ", so it cannot be shown to avoid the container runtime's socket";
        }
        out.push_back({volumePath(pod, i) + (atPath ? ".hostPath.path" : ".hostPath"), std::move(message),
                       "remove " + volumeLabel(volume) + " and its volumeMounts; build or run images through a "
                       "service outside the node instead of the node's container runtime"});
      }
    });
  };
  return d;
}

std::string replacementAdvice(const std::string& label, const std::string& type) {
  if (type == "hostPath") {
    return "replace " + label + " with an emptyDir, configMap, secret or persistentVolumeClaim volume";
  }
  if (type == "gitRepo") {
    return "replace " + label + " with an emptyDir and clone the repository into it from an init container";
  }
  return "replace " + label + " with a persistentVolumeClaim; " + type +
         " storage belongs in a PersistentVolume that an administrator provides";
}

RuleDefinition volumeTypesRule() {
  RuleDefinition d;
  d.info = {"privilege.volume-types", "privilege", "Volume types",
            "Pods may use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected "
            "and secret volumes; other types (hostPath, nfs, iscsi, gitRepo, ...) reach storage outside the "
            "cluster's control and belong behind a PersistentVolume (Pod Security Standards restricted: Volume "
            "Types). A volume that names no type is an emptyDir.",
            Severity::kMedium, Action::kDeny};
  d.parametersHelp = "allowedTypes: volume source fields a pod may use (the Pod Security Standards restricted set)";
  d.create = [](ParameterReader& params) -> RulePtr {
    const NameList allowed(params.stringList("allowedTypes", restrictedVolumeTypes()));
    return makePodRule([allowed](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      const Json* volumes = arrayField(pod.spec, "volumes");
      if (volumes == nullptr) return;
      for (size_t i = 0; i < volumes->size(); ++i) {
        const Json& volume = (*volumes)[i];
        if (!volume.is_object()) {
          out.push_back({volumePath(pod, i), "volume entry " + std::to_string(i) + " is " +
                                                  describeMistyped(volume, "a mapping"),
                         "write each volume as a mapping with a name and one of: " + allowed.joined()});
          continue;
        }
        for (const auto& [type, source] : volume.items()) {
          if (type == "name" || source.is_null() || allowed.contains(type)) continue;
          const std::string label = volumeLabel(volume);
          out.push_back({manifest::FieldPath(volumePath(pod, i)).key(type).str(),
                         label + " has type " + type + ", which is not allowed; allowed volume types: " +
                             allowed.joined(),
                         replacementAdvice(label, type)});
        }
      }
    });
  };
  return d;
}

}  // namespace

void addVolumeRules(RuleCatalog& catalog) {
  catalog.add(hostPathRule());
  catalog.add(containerRuntimeSocketRule());
  catalog.add(volumeTypesRule());
}

}  // namespace agentguard::engine::privilege

#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "engine/workload/object_view.h"

// The places of an object where a credential does not belong, each with its field path and a phrase
// that names it for messages. Shared by every credentials rule so they agree on what they look at.
namespace agentguard::engine::credentials {

enum class PlaceKind {
  kEnvValue,          // env[].value of a container
  kEnvConfigMapRef,   // env[].valueFrom.configMapKeyRef of a container (no text: the value lives in a ConfigMap)
  kArgument,          // args[i] of a container
  kCommand,           // command[i] of a container
  kHookCommand,       // exec.command[i] of a probe or lifecycle hook
  kHttpHeader,        // httpGet.httpHeaders[i].value of a probe or lifecycle hook
  kHttpPath,          // httpGet.path of a probe or lifecycle hook (its query string)
  kConfigMapValue,    // data[key] of a ConfigMap
  kConfigMapBinary,   // binaryData[key] of a ConfigMap, decoded from base64
  kVolumeAttribute,   // csi.volumeAttributes[key] of a pod volume or a PersistentVolume
  kAnnotation,        // metadata.annotations[key] of the object (or of a CronJob's jobTemplate)
  kPodAnnotation,     // annotations of a workload's pod template
  kField,             // a string anywhere in a custom resource's fields (not metadata or status)
};

// A place is only valid during the visit; its path is built on demand, since most places are fine.
struct TextPlace {
  PlaceKind kind = PlaceKind::kEnvValue;
  std::string_view text;       // the text itself; never put it in a message
  std::string_view key;        // env var name, ConfigMap key, annotation key or header name
  std::string_view container;  // container name for places inside a container, else ""
  std::string_view hook;       // "livenessProbe", "lifecycle.postStart", ... for hook places
  size_t index = 0;            // position in env, args, command, exec.command or httpHeaders
  std::string_view base;       // path of the container, volume or metadata holding the text; for kField the
                               // text's own path
  bool transient = false;      // the text was made for the visit (decoded binaryData, $(VAR) expanded):
                               // copy it to keep it

  // Field path of the text, e.g. spec.template.spec.containers[0].env[2].value.
  std::string path() const;
  // "env var \"DB_PASSWORD\" of container \"api\"", "args[2] of container \"agent\"",
  // "ConfigMap key \"settings.json\"", "annotation \"example.com/token\"".
  std::string describe() const;
  // Whether this is kubectl's last-applied-configuration annotation, which holds the whole manifest.
  bool isLastAppliedConfiguration() const;
};

constexpr std::string_view kLastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

// Calls `visit` for every text of the object where a credential does not belong:
//  - metadata.annotations of every object, the annotations of a workload's pod template and of a
//    CronJob's spec.jobTemplate.metadata;
//  - for pod-embedding kinds, each container's (init and ephemeral too) env[].value, args, command,
//    probe and lifecycle exec commands, HTTP header values and httpGet.path; env[].valueFrom is a
//    reference, never a value: only a configMapKeyRef is visited (with no text), since its value lies in a
//    ConfigMap. $(VAR) in env values, args and command is expanded
//    as the kubelet does, with the literal values of the container's env vars (a reference to a
//    valueFrom var stays a reference); the pod's CSI volumes' volumeAttributes;
//  - for other kinds (custom resources that embed containers), the same container fields wherever an
//    object with an "image" or an "env" list appears under the object (not metadata or status); for
//    custom resources (an API group outside *.k8s.io) every other string under the object too;
//  - for ConfigMaps, every data value and every binaryData value, decoded;
//  - for PersistentVolumes, spec.csi.volumeAttributes.
// Only core v1 Secrets are skipped: that is where credentials belong. A custom resource of kind Secret in
// another group is walked like any custom resource.
// Returns the path of the first subtree of a custom resource left unwalked because it nests deeper than
// kMaxWalkDepth, or "" when the whole object was walked. The callers report it: never a silent gap.
std::string forEachTextPlace(const ObjectView& object, const std::function<void(const TextPlace&)>& visit);

// How deep the walk through a custom resource goes: deeper than the manifest parser allows (100), so a
// parsed manifest is always walked whole; only objects built some other way can be deeper.
constexpr int kMaxWalkDepth = 128;

}  // namespace agentguard::engine::credentials

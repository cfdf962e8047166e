#include "engine/workload/object_view.h"

#include <array>

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;

// Matches the API group of any apiVersion: the built-in kinds are recognised by kind alone, so a custom
// resource that borrows their kind is still judged as the workload it claims to be.
constexpr std::string_view kAnyGroup = "*";

struct TemplateLocation {
  std::string_view group;  // API group of apiVersion ("" for core v1), or kAnyGroup
  std::string_view kind;
  std::array<std::string_view, 4> path;  // keys from the root to the pod template object ("" = root)
};

// Where each pod-embedding kind keeps its pod: the object holding `metadata` and `spec` of the pod.
// kubernetes-sigs/agent-sandbox (k8s/crds/): Sandbox and SandboxTemplate inline a SandboxBlueprint whose
// podTemplate is {metadata, spec}, the same in v1alpha1 and v1beta1.
constexpr std::array<TemplateLocation, 12> kTemplateLocations = {{
    {kAnyGroup, "Pod", {"", "", "", ""}},
    {kAnyGroup, "PodTemplate", {"template", "", "", ""}},
    {kAnyGroup, "Deployment", {"spec", "template", "", ""}},
    {kAnyGroup, "ReplicaSet", {"spec", "template", "", ""}},
    {kAnyGroup, "StatefulSet", {"spec", "template", "", ""}},
    {kAnyGroup, "DaemonSet", {"spec", "template", "", ""}},
    {kAnyGroup, "ReplicationController", {"spec", "template", "", ""}},
    {kAnyGroup, "Job", {"spec", "template", "", ""}},
    {kAnyGroup, "CronJob", {"spec", "jobTemplate", "spec", "template"}},
    {"agents.x-k8s.io", "Sandbox", {"spec", "podTemplate", "", ""}},
    {"extensions.agents.x-k8s.io", "SandboxTemplate", {"spec", "podTemplate", "", ""}},
    {"agentguard.io", "AgentSandbox", {"spec", "template", "", ""}},  // judged as run (agent_sandbox_view.h)
}};

constexpr std::array<std::string_view, 20> kClusterScopedKinds = {
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "StorageClass", "PriorityClass", "RuntimeClass", "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration", "APIService", "CSIDriver", "CSINode", "VolumeAttachment",
    "PodSecurityPolicy", "IngressClass", "ClusterIssuer", "ValidatingAdmissionPolicy", "FlowSchema"};

std::string stringOr(const Json* object, std::string_view key) {
  const auto value = stringField(object, key);
  return value ? std::string(*value) : std::string();
}

void addContainers(PodTemplateRef& pod, std::string_view listName, ContainerList list) {
  const Json* containers = arrayField(pod.spec, listName);
  if (containers == nullptr) return;
  for (size_t i = 0; i < containers->size(); ++i) {
    const Json& container = (*containers)[i];
    if (!container.is_object()) continue;
    ContainerRef ref;
    ref.container = &container;
    ref.path = pod.specPath + "." + std::string(listName) + "[" + std::to_string(i) + "]";
    ref.list = list;
    ref.name = stringOr(&container, "name");
    pod.containers.push_back(std::move(ref));
  }
}

}  // namespace

const Json* field(const Json* object, std::string_view key) {
  if (object == nullptr || !object->is_object()) return nullptr;
  const auto it = object->find(key);
  return it == object->end() ? nullptr : &*it;
}

const Json* objectField(const Json* object, std::string_view key) {
  const Json* value = field(object, key);
  return value != nullptr && value->is_object() ? value : nullptr;
}

const Json* arrayField(const Json* object, std::string_view key) {
  const Json* value = field(object, key);
  return value != nullptr && value->is_array() ? value : nullptr;
}

std::optional<bool> boolField(const Json* object, std::string_view key) {
  const Json* value = field(object, key);
  if (value == nullptr || !value->is_boolean()) return std::nullopt;
  return value->get<bool>();
}

std::optional<int64_t> intField(const Json* object, std::string_view key) {
  const Json* value = field(object, key);
  if (value == nullptr) return std::nullopt;
  if (value->is_number_integer()) return value->get<int64_t>();
  if (value->is_number_float()) {
    const double number = value->get<double>();
    if (number == static_cast<double>(static_cast<int64_t>(number))) return static_cast<int64_t>(number);
  }
  return std::nullopt;
}

std::optional<std::string_view> stringField(const Json* object, std::string_view key) {
  const Json* value = field(object, key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::string_view(value->get_ref<const std::string&>());
}

std::string_view apiGroup(std::string_view apiVersion) {
  const size_t slash = apiVersion.find('/');
  return slash == std::string_view::npos ? std::string_view() : apiVersion.substr(0, slash);
}

bool isClusterScopedKind(std::string_view kind) {
  for (const auto scoped : kClusterScopedKinds) {
    if (scoped == kind) return true;
  }
  return false;
}

ObjectView::ObjectView(const Json& body, std::string_view defaultNamespace) : body_(&body) {
  apiVersion_ = stringOr(&body, "apiVersion");
  kind_ = stringOr(&body, "kind");
  const Json* metadata = objectField(&body, "metadata");
  name_ = stringOr(metadata, "name");
  if (name_.empty()) name_ = stringOr(metadata, "generateName");
  if (!isClusterScopedKind(kind_)) {
    namespaceName_ = stringOr(metadata, "namespace");
    if (namespaceName_.empty()) namespaceName_ = std::string(defaultNamespace);
  }
  labels_ = objectField(metadata, "labels");
  annotations_ = objectField(metadata, "annotations");

  const std::string_view group = apiGroup(apiVersion_);
  for (const auto& location : kTemplateLocations) {
    if (location.kind != kind_ || (location.group != kAnyGroup && location.group != group)) continue;
    const Json* holder = &body;
    std::string path;
    for (const auto key : location.path) {
      if (key.empty()) break;
      holder = objectField(holder, key);
      path += (path.empty() ? "" : ".") + std::string(key);
    }
    const Json* spec = objectField(holder, "spec");
    if (spec == nullptr) break;
    PodTemplateRef pod;
    pod.metadata = objectField(holder, "metadata");
    pod.spec = spec;
    pod.metadataPath = path.empty() ? "metadata" : path + ".metadata";
    pod.specPath = path.empty() ? "spec" : path + ".spec";
    addContainers(pod, "containers", ContainerList::kContainers);
    addContainers(pod, "initContainers", ContainerList::kInitContainers);
    addContainers(pod, "ephemeralContainers", ContainerList::kEphemeralContainers);
    pod_ = std::move(pod);
    break;
  }
}

}  // namespace agentguard::engine

#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/workload/object_memo.h"

namespace agentguard::engine {

// Which list of a pod spec a container comes from.
enum class ContainerList { kContainers, kInitContainers, kEphemeralContainers };

struct ContainerRef {
  const nlohmann::json* container = nullptr;  // the container object (always a JSON object)
  std::string path;                           // e.g. spec.template.spec.containers[0]
  ContainerList list = ContainerList::kContainers;
  std::string name;                           // the container's name, "" if unset
};

// The pod an object creates: a Pod's own spec, or the template inside a workload.
struct PodTemplateRef {
  const nlohmann::json* metadata = nullptr;  // pod metadata (labels, annotations); may be null
  const nlohmann::json* spec = nullptr;      // pod spec; always an object when the ref exists
  std::string metadataPath;                  // e.g. spec.template.metadata
  std::string specPath;                      // e.g. spec.template.spec
  std::vector<ContainerRef> containers;      // containers, then initContainers, then ephemeralContainers
};

// An object prepared once for every rule: identity fields and, for pod-embedding kinds, where the pod
// spec lives. Pod-embedding kinds: Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
// ReplicationController, PodTemplate (by kind, in any group), and the agent-sandbox kinds Sandbox
// (agents.x-k8s.io) and SandboxTemplate (extensions.agents.x-k8s.io), and agentguard.io's AgentSandbox. Fields of the wrong JSON type are treated as absent; the API
// server rejects such objects on its own. A view, like its memo, is used by one thread at a time.
class ObjectView {
 public:
  // `body` must outlive the view. `defaultNamespace` is used when a namespaced object names none.
  ObjectView(const nlohmann::json& body, std::string_view defaultNamespace);

  const nlohmann::json& body() const { return *body_; }
  const std::string& apiVersion() const { return apiVersion_; }
  const std::string& kind() const { return kind_; }
  const std::string& namespaceName() const { return namespaceName_; }
  const std::string& name() const { return name_; }
  const nlohmann::json* labels() const { return labels_; }            // metadata.labels, may be null
  const nlohmann::json* annotations() const { return annotations_; }  // metadata.annotations, may be null

  const PodTemplateRef* podTemplate() const { return pod_ ? &*pod_ : nullptr; }

  // Results derived from this object that several rules use, computed once (see ObjectMemo). Like the
  // view itself, for one evaluation on one thread.
  const ObjectMemo& memo() const { return memo_; }

 private:
  const nlohmann::json* body_;
  std::string apiVersion_;
  std::string kind_;
  std::string namespaceName_;
  std::string name_;
  const nlohmann::json* labels_ = nullptr;
  const nlohmann::json* annotations_ = nullptr;
  std::optional<PodTemplateRef> pod_;
  ObjectMemo memo_;
};

// Typed accessors that treat a missing field or a field of the wrong type as absent.
const nlohmann::json* field(const nlohmann::json* object, std::string_view key);
const nlohmann::json* objectField(const nlohmann::json* object, std::string_view key);
const nlohmann::json* arrayField(const nlohmann::json* object, std::string_view key);
std::optional<bool> boolField(const nlohmann::json* object, std::string_view key);
std::optional<int64_t> intField(const nlohmann::json* object, std::string_view key);
std::optional<std::string_view> stringField(const nlohmann::json* object, std::string_view key);

// The API group of an apiVersion: "apps" for "apps/v1", "" for the core group's "v1".
std::string_view apiGroup(std::string_view apiVersion);

// Whether a namespaced kind's namespace applies (cluster-scoped kinds have none).
bool isClusterScopedKind(std::string_view kind);

}  // namespace agentguard::engine

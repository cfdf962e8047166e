#include "operator/controller/projecting_client.h"

namespace agentguard::op {

using nlohmann::json;

Result<json> ProjectingClient::get(const kube::Resource& resource, std::string_view ns, std::string_view name,
                                   std::string_view subresource) {
  auto object = inner_.get(resource, ns, name, subresource);
  if (object.ok()) project_(*object);
  return object;
}

Result<kube::ObjectList> ProjectingClient::list(const kube::Resource& resource, std::string_view ns,
                                                const kube::ListOptions& options) {
  auto listed = inner_.list(resource, ns, options);
  if (listed.ok()) {
    for (json& item : listed->items) project_(item);
  }
  return listed;
}

Status ProjectingClient::watch(const kube::Resource& resource, std::string_view ns, const kube::WatchOptions& options,
                               const std::function<bool(kube::WatchEvent&&)>& onEvent, const kube::StopSignal& stop) {
  return inner_.watch(
      resource, ns, options,
      [this, &onEvent](kube::WatchEvent&& event) {
        if (event.type != kube::WatchEventType::kBookmark) project_(event.object);
        return onEvent(std::move(event));
      },
      stop);
}

void projectCommon(json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) return;
  json& metadata = object["metadata"];
  metadata.erase("managedFields");
  if (metadata.contains("annotations") && metadata["annotations"].is_object()) {
    metadata["annotations"].erase("kubectl.kubernetes.io/last-applied-configuration");
    if (metadata["annotations"].empty()) metadata.erase("annotations");
  }
}

namespace {

// apiVersion, kind and the named metadata keys of `object`, moved out of it.
json identity(json& object, std::initializer_list<const char*> metadataKeys) {
  json out = json::object();
  for (const char* key : {"apiVersion", "kind"}) {
    if (object.contains(key)) out[key] = std::move(object[key]);
  }
  if (object.contains("metadata") && object["metadata"].is_object()) {
    json& metadata = object["metadata"];
    json kept = json::object();
    for (const char* key : metadataKeys) {
      if (metadata.contains(key)) kept[key] = std::move(metadata[key]);
    }
    out["metadata"] = std::move(kept);
  }
  return out;
}

}  // namespace

void projectPod(json& object) {
  if (!object.is_object()) return;
  json out = identity(object, {"name", "namespace", "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
                               "labels", "ownerReferences", "finalizers"});
  if (object.contains("spec") && object["spec"].is_object() && object["spec"].contains("runtimeClassName")) {
    out["spec"] = {{"runtimeClassName", std::move(object["spec"]["runtimeClassName"])}};
  }
  if (object.contains("status") && object["status"].is_object()) {
    json& status = object["status"];
    json kept = json::object();
    for (const char* key : {"phase", "podIP"}) {
      if (status.contains(key)) kept[key] = std::move(status[key]);
    }
    if (status.contains("conditions") && status["conditions"].is_array()) {
      for (json& condition : status["conditions"]) {
        if (condition.is_object() && condition.value("type", "") == "Ready") {
          kept["conditions"] = json::array({{{"type", "Ready"}, {"status", condition.value("status", "")}}});
        }
      }
    }
    out["status"] = std::move(kept);
  }
  object = std::move(out);
}

void projectSelecting(json& object) {
  if (!object.is_object()) return;
  json out = identity(object, {"name", "namespace", "uid", "resourceVersion"});
  if (object.contains("spec") && object["spec"].is_object()) {
    json& spec = object["spec"];
    json kept = json::object();
    // clusterIP: a sandbox that uses agentguard-gate is told the gate Service's address.
    for (const char* key : {"podSelector", "selector", "clusterIP"}) {
      if (spec.contains(key)) kept[key] = std::move(spec[key]);
    }
    for (const char* direction : {"ingress", "egress"}) {
      if (spec.contains(direction) && spec[direction].is_array() && !spec[direction].empty()) {
        kept[direction] = json::array({json::object()});
      }
    }
    out["spec"] = std::move(kept);
  }
  object = std::move(out);
}

}  // namespace agentguard::op

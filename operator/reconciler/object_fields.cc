#include "operator/reconciler/object_fields.h"

#include <algorithm>

#include "operator/api/agent_sandbox.h"

namespace agentguard::op {

using nlohmann::json;

namespace {

const json* field(const json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

const json& metadataOf(const json& object) {
  static const json kEmpty = json::object();
  const json* metadata = field(object, "metadata");
  return metadata != nullptr && metadata->is_object() ? *metadata : kEmpty;
}

}  // namespace

bool isDeleting(const json& object) { return field(metadataOf(object), "deletionTimestamp") != nullptr; }

std::vector<std::string> finalizersOf(const json& object) {
  std::vector<std::string> out;
  if (const json* list = field(metadataOf(object), "finalizers"); list != nullptr && list->is_array()) {
    for (const json& item : *list) {
      if (item.is_string()) out.push_back(item.get<std::string>());
    }
  }
  return out;
}

bool hasOurFinalizer(const json& object) {
  const auto list = finalizersOf(object);
  return std::find(list.begin(), list.end(), kFinalizer) != list.end();
}

std::vector<std::string> finalizersWithoutOurs(const json& object) {
  auto list = finalizersOf(object);
  list.erase(std::remove(list.begin(), list.end(), kFinalizer), list.end());
  return list;
}

std::string resourceVersionOf(const json& object) { return metadataOf(object).value("resourceVersion", ""); }
std::string uidOf(const json& object) { return metadataOf(object).value("uid", ""); }

std::string podPhase(const json& pod) {
  const json* status = field(pod, "status");
  return status == nullptr ? std::string() : status->value("phase", "");
}

PodObservation observePod(const json& pod) {
  PodObservation out;
  out.name = metadataOf(pod).value("name", "");
  out.creationTimestamp = metadataOf(pod).value("creationTimestamp", "");
  if (const json* spec = field(pod, "spec")) out.runtimeClassName = spec->value("runtimeClassName", "");
  if (const json* status = field(pod, "status")) {
    out.phase = status->value("phase", "");
    out.podIP = status->value("podIP", "");
    if (const json* conditions = field(*status, "conditions"); conditions != nullptr && conditions->is_array()) {
      for (const json& condition : *conditions) {
        if (condition.value("type", "") == "Ready" && condition.value("status", "") == "True") out.ready = true;
      }
    }
  }
  return out;
}

}  // namespace agentguard::op

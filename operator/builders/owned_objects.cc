#include "operator/builders/owned_objects.h"

namespace agentguard::op {

using nlohmann::json;

std::string podName(const SandboxMeta& sandbox) { return sandbox.name; }
std::string networkPolicyName(const SandboxMeta& sandbox) { return sandbox.name + "-isolation"; }

json sandboxLabels(const SandboxMeta& sandbox) {
  return {{std::string(kSandboxLabel), sandbox.name}, {std::string(kManagedByLabel), std::string(kManagedByValue)}};
}

json controllerReference(const SandboxMeta& sandbox) {
  return {{"apiVersion", std::string(kApiVersion)},
          {"kind", std::string(kKind)},
          {"name", sandbox.name},
          {"uid", sandbox.uid},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

namespace {
const json* controllerOf(const json& object) {
  if (!object.is_object() || !object.contains("metadata")) return nullptr;
  const json& metadata = object["metadata"];
  if (!metadata.is_object() || !metadata.contains("ownerReferences")) return nullptr;
  const json& owners = metadata["ownerReferences"];
  if (!owners.is_array()) return nullptr;
  for (const json& owner : owners) {
    if (owner.value("controller", false) && owner.value("kind", "") == kKind &&
        owner.value("apiVersion", "").rfind(std::string(kGroup) + "/", 0) == 0) {
      return &owner;
    }
  }
  return nullptr;
}
}  // namespace

bool isControlledBy(const json& object, const SandboxMeta& sandbox) {
  const json* owner = controllerOf(object);
  return owner != nullptr && owner->value("uid", "") == sandbox.uid;
}

bool isLeftoverOf(const json& object, const SandboxMeta& sandbox) {
  if (controllerOf(object) != nullptr || !object.is_object()) return false;
  const json labels = object.value("metadata", json::object()).value("labels", json::object());
  return labels.is_object() && labels.value(std::string(kSandboxLabel), "") == sandbox.name &&
         labels.value(std::string(kManagedByLabel), "") == kManagedByValue;
}

std::string controllingSandboxName(const json& object) {
  const json* owner = controllerOf(object);
  return owner == nullptr ? std::string() : owner->value("name", "");
}

}  // namespace agentguard::op

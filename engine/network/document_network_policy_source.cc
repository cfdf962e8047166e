#include "engine/network/document_network_policy_source.h"

#include "engine/workload/object_view.h"

namespace agentguard::engine {

DocumentNetworkPolicySource::DocumentNetworkPolicySource(const std::vector<SharedObject>& objects,
                                                         std::string_view defaultNamespace)
    : none_(std::make_shared<const NamespacePolicies>(std::vector<SharedObject>{})) {
  std::map<std::string, std::vector<SharedObject>, std::less<>> objectsByNamespace;
  for (const auto& object : objects) {
    if (!object || !object->is_object()) continue;
    if (stringField(object.get(), "kind").value_or("") != "NetworkPolicy") continue;
    if (stringField(object.get(), "apiVersion").value_or("") != "networking.k8s.io/v1") continue;
    const ObjectView view(*object, defaultNamespace);
    objectsByNamespace[view.namespaceName()].push_back(object);
  }
  for (auto& [ns, policies] : objectsByNamespace) {
    byNamespace_.emplace(ns, std::make_shared<const NamespacePolicies>(std::move(policies)));
  }
}

namespace {

// Non-owning pointers to the manifests' bodies (aliasing shared_ptrs with no control block).
std::vector<SharedObject> bodiesOf(const std::vector<manifest::ManifestObject>& objects) {
  std::vector<SharedObject> bodies;
  bodies.reserve(objects.size());
  for (const auto& object : objects) bodies.emplace_back(std::shared_ptr<const nlohmann::json>(), &object.body);
  return bodies;
}

}  // namespace

DocumentNetworkPolicySource::DocumentNetworkPolicySource(const std::vector<manifest::ManifestObject>& objects,
                                                         std::string_view defaultNamespace)
    : DocumentNetworkPolicySource(bodiesOf(objects), defaultNamespace) {}

Result<NamespacePoliciesPtr> DocumentNetworkPolicySource::policiesIn(std::string_view ns) const {
  const auto it = byNamespace_.find(ns);
  if (it == byNamespace_.end()) return none_;
  return it->second;
}

}  // namespace agentguard::engine

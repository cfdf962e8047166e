#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/manifest/manifest_object.h"
#include "engine/network/network_policy_source.h"

namespace agentguard::engine {

// NetworkPolicies taken from the documents being checked (offline `agentguard check`): the input is
// the namespace's whole set of policies.
class DocumentNetworkPolicySource final : public NetworkPolicySource {
 public:
  // Keeps every networking.k8s.io/v1 NetworkPolicy among `objects`; those naming no namespace belong
  // to `defaultNamespace`.
  DocumentNetworkPolicySource(const std::vector<SharedObject>& objects, std::string_view defaultNamespace);
  // The same over parsed manifests, without copying them: `objects` must outlive this source.
  DocumentNetworkPolicySource(const std::vector<manifest::ManifestObject>& objects, std::string_view defaultNamespace);

  Result<NamespacePoliciesPtr> policiesIn(std::string_view ns) const override;

 private:
  std::map<std::string, NamespacePoliciesPtr, std::less<>> byNamespace_;
  NamespacePoliciesPtr none_;
};

}  // namespace agentguard::engine

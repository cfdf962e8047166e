#pragma once

#include <memory>
#include <string_view>

#include "common/result/result.h"
#include "engine/network/namespace_policies.h"

namespace agentguard::engine {

using NamespacePoliciesPtr = std::shared_ptr<const NamespacePolicies>;

// Where the network-isolation rules find the NetworkPolicies of a namespace.
class NetworkPolicySource {
 public:
  virtual ~NetworkPolicySource() = default;
  // Every networking.k8s.io/v1 NetworkPolicy in `ns`, indexed; never null. Unavailable when the source
  // cannot answer (cache not synced, API server unreachable): the rules then fail closed.
  virtual Result<NamespacePoliciesPtr> policiesIn(std::string_view ns) const = 0;
};

}  // namespace agentguard::engine

#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result/result.h"

namespace agentguard::engine {

using SharedObject = std::shared_ptr<const nlohmann::json>;

// Where the network-isolation rule finds the NetworkPolicies of a namespace.
class NetworkPolicySource {
 public:
  virtual ~NetworkPolicySource() = default;
  // Every networking.k8s.io/v1 NetworkPolicy in `ns`. Unavailable when the source cannot answer
  // (cache not synced, API server unreachable): the rule then fails closed.
  virtual Result<std::vector<SharedObject>> policiesIn(std::string_view ns) const = 0;
};

}  // namespace agentguard::engine

#pragma once

#include <string_view>
#include <vector>

#include "common/result/result.h"
#include "engine/network/network_policy_source.h"

namespace agentguard::engine {

// Where a rule finds the workloads already admitted to a namespace: the objects that run pods there
// (Pods and the kinds with a pod template), each with apiVersion and kind set. Only the admission
// webhook has one (it reads the cluster); offline there is none.
class WorkloadSource {
 public:
  virtual ~WorkloadSource() = default;
  // Unavailable when the source cannot answer; the rule that asked then fails closed.
  virtual Result<std::vector<SharedObject>> workloadsIn(std::string_view ns) const = 0;
};

}  // namespace agentguard::engine

#pragma once

#include <string>
#include <vector>

#include "common/kube/informer.h"

namespace agentguard::op {

// The reconciler's read side: the informers' caches. What the caches say may lag the API server; the reconciler
// confirms with a GET before any decision that a stale cache could make wrong (a Pod believed gone, a
// NetworkPolicy believed in place).
class ClusterView {
 public:
  virtual ~ClusterView() = default;
  virtual kube::SharedObject sandbox(const std::string& ns, const std::string& name) const = 0;
  // Every AgentSandbox of a namespace (to tell whether another one still uses the namespace's agentguard-gate).
  virtual std::vector<kube::SharedObject> sandboxes(const std::string& ns) const = 0;
  virtual kube::SharedObject pod(const std::string& ns, const std::string& name) const = 0;
  virtual kube::SharedObject networkPolicy(const std::string& ns, const std::string& name) const = 0;
  virtual kube::SharedObject runtimeClass(const std::string& name) const = 0;
  // The NetworkPolicies and Services of a namespace that the operator did not make (they may select a sandbox's Pod).
  virtual std::vector<kube::SharedObject> otherNetworkPolicies(const std::string& ns) const = 0;
  virtual std::vector<kube::SharedObject> services(const std::string& ns) const = 0;
  // Every AgentSandboxClass (cluster-scoped).
  virtual std::vector<kube::SharedObject> sandboxClasses() const = 0;
};

}  // namespace agentguard::op

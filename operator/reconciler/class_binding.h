#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/kube_client.h"
#include "common/result/result.h"
#include "operator/api/agent_sandbox.h"
#include "operator/api/class_bounds.h"
#include "operator/reconciler/cluster_view.h"
#include "operator/status/sandbox_status.h"

namespace agentguard::op {

// A sandbox bound to its AgentSandboxClass: the spec the operator acts on, and what blocks it.
struct ClassBinding {
  std::string className;            // recorded in status.className; "" until a class was found
  BoundSpec bound;                  // the spec narrowed to the class
  std::optional<Problem> blocker;   // ClassNotFound, ClassNameImmutable, InvalidClass or ExceedsClass
  std::optional<Error> error;       // a lookup failed: no Pod is created (nor deleted) until a retry decides
};

// Chooses the class (spec.className, else the one recorded in status, else the default), reads the labels of
// the Secrets and ConfigMaps the class allows by selector, and applies the class's bounds. Without a class the
// spec is narrowed to nothing: no egress, no DNS, and the sandbox is blocked.
ClassBinding bindClass(const nlohmann::json& sandbox, const ParsedSpec& parsed, const ClusterView& view,
                       kube::KubeClient& client, const std::vector<IpBlock>& clusterDenied,
                       const std::string& defaultRuntimeClass);

// Creates the sandbox's dedicated ServiceAccount, or confirms the one there is its own. A ServiceAccount of that
// name that the sandbox does not control is a NameConflict; a failed write is an error to retry.
std::optional<Problem> ensureDedicatedServiceAccount(kube::KubeClient& client, const SandboxMeta& sandbox,
                                                     const std::string& name, std::optional<Error>& error);

}  // namespace agentguard::op

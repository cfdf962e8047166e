#pragma once

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "operator/api/ip_block.h"
#include "operator/builders/gate_builder.h"

namespace agentguard::op {

struct ReconcilerOptions {
  std::string defaultRuntimeClass = "gvisor";
  std::set<std::string> allowedRuntimeClasses{"gvisor"};
  // The cluster's pod and service ranges: no AgentSandboxClass may open them (--cluster-cidrs).
  std::vector<IpBlock> clusterCidrs;
  // While tearing down, how soon to look again for a Pod that is still terminating (its deletion also wakes us).
  std::chrono::milliseconds teardownRecheck{2000};
  // While a Secret or PersistentVolumeClaim the template names is missing or unbound, how soon to look again
  // (they are not watched).
  std::chrono::milliseconds referenceRecheck{10000};
  // agentguard-gate, for sandboxes with spec.tools or spec.network.egressHosts.
  GateSettings gate;
  // While the gate Service has no ClusterIP yet, how soon to look again before the sandbox's Pod is created.
  std::chrono::milliseconds gateRecheck{1000};
};

}  // namespace agentguard::op

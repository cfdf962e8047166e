#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result/result.h"
#include "operator/api/agent_sandbox.h"
#include "operator/builders/gate_builder.h"
#include "operator/reconciler/class_binding.h"
#include "operator/reconciler/cluster_access.h"
#include "operator/status/sandbox_status.h"

namespace agentguard::op {

// The settings planFor() decides with (from ReconcilerOptions).
struct PlanSettings {
  std::set<std::string> allowedRuntimeClasses;
  std::chrono::milliseconds teardownRecheck{2000};
  GateSettings gate;
  std::vector<std::string> clusterCidrs;  // canonical
  std::chrono::milliseconds gateRecheck{1000};
};

// The namespace's agentguard-gate, as far as a reconcile of one sandbox needs it.
struct GateObservation {
  bool used = false;                // this sandbox's spec declares tools or egressHosts
  bool usedByOthers = false;        // another sandbox of the namespace, not being deleted, does
  std::set<int> publicPorts{443};   // the public ports every such sandbox needs (addGatePorts)
  std::optional<nlohmann::json> service;  // the gate Service, from the cache
};

// One immutable snapshot of what a reconcile of one AgentSandbox decides on. The caches are read through
// RecentWrites (what this operator wrote moments ago counts); the API server is asked directly only where a stale
// cache would make a decision wrong.
struct Observed {
  nlohmann::json sandbox;
  SandboxMeta meta;
  PlanSettings settings;

  // --- A sandbox that is not being deleted ---
  SandboxStatus previous;  // status as stored
  ParsedSpec parsed;       // the spec as written, with what is wrong in it
  ClassBinding binding;    // the spec bound to its AgentSandboxClass (reads the labels of what the class allows)
  // The Pod named after the sandbox, from the cache: controlled by the sandbox, ours without an owner, or foreign.
  std::optional<nlohmann::json> pod;
  std::optional<nlohmann::json> leftoverPod;
  bool foreignPod = false;
  // When the cache has no Pod but the sandbox had one (status.startTime) and has not finished: the API server's
  // answer, so that a Pod created moments ago is not taken for gone.
  std::optional<nlohmann::json> podOnServer;
  std::optional<Error> podReadError;
  std::optional<nlohmann::json> networkPolicy;  // from the cache
  bool runtimeClassExists = false;              // the bound spec's RuntimeClass
  std::vector<kube::SharedObject> otherNetworkPolicies;
  std::vector<kube::SharedObject> services;
  GateObservation gate;  // also read for a sandbox being deleted

  // --- A sandbox being deleted that still holds the finalizer: read from the API server, not the caches ---
  std::optional<nlohmann::json> podToTearDown;     // the Pod, if there is one
  std::optional<nlohmann::json> policyToTearDown;  // the NetworkPolicy, read once the Pod is not ours
  std::optional<Error> teardownReadError;
};

// Reads what a reconcile of `sandbox` (the cached object) needs.
Observed observe(const ClusterAccess& cluster, const nlohmann::json& sandbox);

}  // namespace agentguard::op

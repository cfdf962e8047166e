#pragma once

#include <set>
#include <string>
#include <vector>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/kube/resource.h"
#include "operator/api/agent_sandbox.h"

namespace agentguard::op {

// agentguard-gate: the policy point between a namespace's sandboxes and their tools (MCP servers) and HTTPS egress.
// The operator runs one per namespace that holds a sandbox with spec.tools or spec.network.egressHosts, as a
// Deployment outside the sandboxes (a sidecar shares the Pod's network identity, so a NetworkPolicy could not
// tell the agent from its gate). Every object is named kGateName in the sandbox's namespace.
constexpr std::string_view kGateName = "agentguard-gate";
constexpr std::string_view kAppNameLabel = "app.kubernetes.io/name";
constexpr int kGateMcpPort = 8080;
constexpr int kGateProxyPort = 3128;
constexpr int kGateMetricsPort = 9090;
// The projected token a sandbox Pod presents to its gate (audience kGateAudience; the gate checks it with a
// TokenReview). It is no credential for the API server.
constexpr std::string_view kGateAudience = "agentguard-gate";
constexpr std::string_view kGateTokenVolume = "agentguard-gate-token";
constexpr std::string_view kGateTokenDirectory = "/var/run/secrets/agentguard.io/gate";
constexpr int64_t kGateTokenSeconds = 3600;
// Says which operator settings the gate objects were made from; a change makes them be written again.
constexpr std::string_view kGateConfigAnnotation = "agentguard.io/gate-config";

// What the operator's flags say about the gate.
struct GateSettings {
  std::string image;                // --gate-image; empty: sandboxes that use the gate are blocked
  int replicas = 2;                 // --gate-replicas
  nlohmann::json resources;         // --gate-resources (a ResourceRequirements object), may be null
  std::string clusterRole;          // --gate-cluster-role: bound in the namespace by the RoleBinding
  std::string tokenReviewBinding;   // --gate-token-review-binding: the ClusterRoleBinding whose subjects we keep
};

namespace gate_resources {
const kube::Resource& deployments();
const kube::Resource& roleBindings();
const kube::Resource& clusterRoleBindings();
const kube::Resource& podDisruptionBudgets();
}  // namespace gate_resources

// Where the gate itself may connect. Its egress is not left open: the admission webhook refuses Pods whose
// policies open every port to the internet (network-isolation.egress-allow-all), and no skip annotation can help
// Pods that a ReplicaSet creates. So the gate may reach the cluster (private and CGNAT ranges, the cluster's own
// CIDRs: the API server, DNS, in-cluster MCP servers) on every port, and the internet only on the ports its
// namespace's sandboxes name (egressHosts and MCP server URLs, and 443 always); it refuses private destinations
// of the agents' connections itself.
struct GateEgress {
  std::set<int> publicPorts{443};
  std::vector<std::string> clusterCidrs;  // --cluster-cidrs, canonical
};

// The public ports the gate needs for one sandbox's spec: each egressHosts port and each MCP server URL's port
// (80 or 443 when the URL names none).
void addGatePorts(const AgentSandboxSpec& spec, std::set<int>& ports);

// One object of the gate, with the resource it is written to.
struct GateObject {
  const kube::Resource* resource = nullptr;
  nlohmann::json body;
};

// The namespace's gate objects, in the order they are written: ServiceAccount, RoleBinding, NetworkPolicy,
// Service, Deployment, PodDisruptionBudget (the Deployment last but one, so its Pods find their identity, rights
// and network rules in place). Each carries kGateConfigAnnotation = gateConfig(settings).
std::vector<GateObject> buildGateObjects(const std::string& ns, const GateSettings& settings, const GateEgress& egress);
std::string gateConfig(const GateSettings& settings);

// The labels the gate's Pods and objects carry, and the selector that picks the gate's Pods and never a
// sandbox's (a sandbox Pod always carries agentguard.io/sandbox).
nlohmann::json gateLabels();
nlohmann::json gatePodSelector();

// The subject the TokenReview ClusterRoleBinding lists for the gate of namespace `ns`.
nlohmann::json gateSubject(const std::string& ns);

// The gate Service's ClusterIP as stored, or "" while it has none (or is headless).
std::string gateClusterIp(const nlohmann::json& service);

// Gives every container of a sandbox `pod` the way to its gate: the projected token (audience agentguard-gate,
// mounted read-only at kGateTokenDirectory) and MCP_GATEWAY_URL, HTTPS_PROXY, https_proxy, NO_PROXY, no_proxy
// and AGENTGUARD_GATE_TOKEN_FILE pointing at `clusterIp`. What the operator sets wins over the template's env.
void addGateAccess(nlohmann::json& pod, const std::string& clusterIp);

// The sandbox's NetworkPolicy when it uses the gate: egress only to the gate's Pods on 8080 and 3128 (no DNS:
// the Pod is given the gate's address), ingress only from spec.network.ingress.
nlohmann::json buildGatedNetworkPolicy(const SandboxMeta& sandbox, const NetworkSpec& network);

}  // namespace agentguard::op

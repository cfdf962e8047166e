#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/api/time_format.h"

namespace agentguard::op {

constexpr std::string_view kGroup = "agentguard.io";
constexpr std::string_view kApiVersion = "agentguard.io/v1alpha1";
constexpr std::string_view kKind = "AgentSandbox";
constexpr std::string_view kFinalizer = "agentguard.io/isolation-teardown";
constexpr std::string_view kSandboxLabel = "agentguard.io/sandbox";
constexpr std::string_view kManagedByLabel = "app.kubernetes.io/managed-by";
constexpr std::string_view kManagedByValue = "agentguard-operator";
constexpr std::string_view kFieldManager = "agentguard-operator";
// Most ports one endPort range may expand to in the NetworkPolicy.
constexpr int kMaxPortRange = 256;
// Ports the NetworkPolicy may list in all (ranges are written out port by port): a bound that keeps the policy
// far below the API server's request size limit.
constexpr int kMaxPolicyPorts = 1024;

struct PortRange {
  int port = 0;
  std::optional<int> endPort;
  std::string protocol = "TCP";
};

struct EgressDestination {
  std::string cidr;
  std::vector<std::string> except;
  std::vector<PortRange> ports;
};

struct IngressSource {
  std::optional<std::string> cidr;
  std::vector<std::string> except;
  std::optional<nlohmann::json> podSelector;        // a LabelSelector, as written
  std::optional<nlohmann::json> namespaceSelector;  // a LabelSelector, as written
  std::vector<PortRange> ports;
};

enum class DnsMode { kClusterDns, kNone };

struct DnsSpec {
  DnsMode mode = DnsMode::kClusterDns;
  std::string ns = "kube-system";
  std::map<std::string, std::string> podSelector{{"k8s-app", "kube-dns"}};
  std::optional<std::string> nodeLocalCacheIp;
};

struct NetworkSpec {
  std::vector<EgressDestination> egress;
  std::vector<IngressSource> ingress;
  DnsSpec dns;
  std::vector<std::string> egressHosts;  // host:port, reached through the gate's CONNECT proxy
};

// spec.tools as far as the operator needs it: that the sandbox uses the gate. The gate reads the rest (methods,
// arguments) itself and refuses a policy it cannot read.
enum class ToolsMode { kEnforce, kAudit };

struct ToolServer {
  std::string name;
  std::string url;
};

struct ToolsSpec {
  ToolsMode mode = ToolsMode::kEnforce;
  std::vector<ToolServer> servers;
};

enum class OnExpiry { kDeletePod, kDeleteSandbox };
enum class RestartPolicy { kNever, kOnFailure, kAlways };

std::string_view restartPolicyName(RestartPolicy policy);

struct LifecycleSpec {
  std::optional<std::chrono::milliseconds> maxLifetime;
  std::optional<WallTime> shutdownTime;
  OnExpiry onExpiry = OnExpiry::kDeletePod;
  std::optional<int64_t> ttlSecondsAfterFinished;
  RestartPolicy restartPolicy = RestartPolicy::kAlways;
};

struct AgentSandboxSpec {
  std::optional<std::string> runtimeClassName;
  nlohmann::json podTemplate = nlohmann::json::object();  // spec.template as written
  NetworkSpec network;
  LifecycleSpec lifecycle;
  std::optional<ToolsSpec> tools;

  // The sandbox reaches the outside through the namespace's agentguard-gate: it declares tools or egressHosts.
  bool usesGate() const { return tools.has_value() || !network.egressHosts.empty(); }
};

// The parts of metadata the operator reads.
struct SandboxMeta {
  std::string ns;
  std::string name;
  std::string uid;
  int64_t generation = 0;
  std::optional<WallTime> creationTimestamp;
  bool deleting = false;  // metadata.deletionTimestamp is set
  std::vector<std::string> finalizers;
  std::string resourceVersion;

  std::string key() const { return ns + "/" + name; }
  bool hasFinalizer(std::string_view finalizer) const;
};

SandboxMeta readMeta(const nlohmann::json& object);

// Why a spec cannot be acted on. `reason` is ForbiddenTemplateField or InvalidSpec.
struct Violation {
  std::string path;     // spec.template.spec.containers[0].securityContext.privileged
  std::string message;  // what is wrong and the fix
  std::string reason;
};

constexpr std::string_view kReasonForbiddenTemplateField = "ForbiddenTemplateField";
constexpr std::string_view kReasonInvalidSpec = "InvalidSpec";

struct ParsedSpec {
  AgentSandboxSpec spec;
  std::vector<Violation> violations;  // empty when the spec can be acted on
};

// Reads spec (as stored: the API server has applied the schema's defaults) into the typed view, reporting
// everything the schema cannot check: forbidden template fields, CIDRs, port ranges, durations.
ParsedSpec parseSpec(const nlohmann::json& spec);

// The most MCP servers and egress hosts one sandbox may list (the CRD's maxItems).
constexpr size_t kMaxToolServers = 32;
constexpr size_t kMaxEgressHosts = 64;

// Reads only spec.tools and spec.network.egressHosts (for looking at the other sandboxes of a namespace without
// judging their templates).
ParsedSpec parseGateFields(const nlohmann::json& spec);

// "Isolated" when nothing is reachable, "DNS only (1 target)", or "2 destinations + DNS (2 targets)": every DNS
// target (the DNS pods, the node-local cache) is a destination too.
// A sandbox that uses the gate: "Gate only", "Gate (2 MCP servers, 1 host)".
std::string egressSummary(const NetworkSpec& network);
std::string egressSummary(const AgentSandboxSpec& spec);

}  // namespace agentguard::op

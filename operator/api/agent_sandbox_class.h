#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/api/agent_sandbox.h"
#include "operator/api/ip_block.h"

namespace agentguard::op {

// AgentSandboxClass (agentguard.io/v1alpha1, cluster-scoped): the bounds the platform team sets for every
// sandbox of the class. The sandbox author is untrusted; whatever the class does not allow blocks the sandbox.
constexpr std::string_view kClassKind = "AgentSandboxClass";
// A class annotated with this set to "true" is used by sandboxes that name no class (the IngressClass pattern).
constexpr std::string_view kDefaultClassAnnotation = "agentsandboxclass.agentguard.io/is-default-class";

// Secrets or ConfigMaps a template may reference: by name, or by the object's labels.
struct ObjectAllowList {
  std::set<std::string> names;
  std::optional<nlohmann::json> selector;  // a LabelSelector; absent = names only

  bool empty() const { return names.empty() && !selector; }
};

struct ResourceCeiling {
  std::optional<int64_t> cpuMillis;   // resources.maxCPU, in millicores
  std::optional<int64_t> memoryBytes;  // resources.maxMemory, in bytes
};

struct AgentSandboxClassSpec {
  std::optional<std::string> runtimeClassName;  // unset: the operator's --default-runtime-class
  std::vector<IpBlock> allowedCidrs;           // every egress destination must lie inside one; empty: none
  std::vector<IpBlock> deniedCidrs;            // carved out of every destination (on top of the operator's floor)
  DnsSpec dns;                                 // the DNS targets of every sandbox of the class
  std::set<std::string> serviceAccounts;       // names a template may set; else a dedicated one per sandbox
  ObjectAllowList secrets;
  ObjectAllowList configMaps;
  std::set<std::string> priorityClassNames;  // empty: any but system-*; else only these
  bool allowTolerateAll = false;             // a toleration with operator Exists and no key
  bool allowControlPlane = false;            // control-plane nodeSelector, affinity and tolerations
  ResourceCeiling resources;                 // sum of the containers' limits
  std::optional<std::chrono::milliseconds> maxLifetime;
};

struct ParsedClass {
  std::string name;
  bool isDefault = false;
  AgentSandboxClassSpec spec;
  std::vector<std::string> errors;  // "spec.egress.allowedCIDRs[0] is not a CIDR block"; a class with errors blocks
};

// Reads an AgentSandboxClass object as stored (the schema's defaults applied). Fails closed: a field it cannot
// read is an error, and a class with errors blocks its sandboxes.
ParsedClass parseClass(const nlohmann::json& object);

// Blocks no class may open: link-local and cloud metadata (169.254.0.0/16, fd00:ec2::254/128), loopback
// (127.0.0.0/8, ::1/128), "this network" (0.0.0.0/8) and IPv4-mapped IPv6 (::ffff:0:0/96, which NetworkPolicy
// implementations read as IPv4).
const std::vector<IpBlock>& builtInDeniedBlocks();

// Which class a sandbox is bound to. `specClassName` is spec.className, `boundClassName` is status.className
// (the class the operator bound it to first; the binding never changes). `classes` are every class object.
struct ClassChoice {
  std::string name;                        // the class's name ("" when none could be chosen)
  std::optional<ParsedClass> parsed;       // set when the class was found
  std::optional<Violation> problem;        // ClassNotFound or ClassNameImmutable
};
ClassChoice chooseClass(const std::string& specClassName, const std::string& boundClassName,
                        const std::vector<nlohmann::json>& classes);

constexpr std::string_view kReasonClassNotFound = "ClassNotFound";
constexpr std::string_view kReasonClassNameImmutable = "ClassNameImmutable";
constexpr std::string_view kReasonExceedsClass = "ExceedsClass";
constexpr std::string_view kReasonInvalidClass = "InvalidClass";

}  // namespace agentguard::op

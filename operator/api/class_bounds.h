#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/api/agent_sandbox.h"
#include "operator/api/agent_sandbox_class.h"

namespace agentguard::op {

// A Secret or ConfigMap a template references: spec.template.spec.volumes[0].secret.secretName, a projected
// source, env[].valueFrom.secretKeyRef / configMapKeyRef, envFrom[].secretRef / configMapRef (containers and
// init containers). imagePullSecrets are not counted: the kubelet uses them, the agent never sees them.
struct ObjectReference {
  std::string kind;  // Secret | ConfigMap
  std::string name;
  std::string path;  // where the template names it
};
std::vector<ObjectReference> referencedObjects(const nlohmann::json& podTemplate);

// The labels of referenced objects, keyed "Secret/<name>" or "ConfigMap/<name>"; nullopt when it does not exist.
using ReferenceLabels = std::map<std::string, std::optional<nlohmann::json>>;
std::string referenceKey(const ObjectReference& reference);
// The references whose labels decide (not allowed by name, and the class has a selector for the kind).
std::vector<ObjectReference> referencesNeedingLabels(const nlohmann::json& podTemplate, const ParsedClass& sandboxClass);

struct ClassBoundsInput {
  SandboxMeta meta;
  nlohmann::json rawSpec;  // spec as stored: what the author wrote (DNS targets, runtimeClassName)
  AgentSandboxSpec spec;   // parseSpec's reading of it
  ParsedClass sandboxClass;
  std::vector<IpBlock> clusterDenied;  // the operator's --cluster-cidrs (pod and service ranges)
  std::string defaultRuntimeClass;
  ReferenceLabels labels;
};

// The spec the operator acts on, narrowed to the class, and what the sandbox asks beyond it.
struct BoundSpec {
  AgentSandboxSpec spec;  // class RuntimeClass, class DNS, egress with denied blocks carved out, lifetime bound
  std::string runtimeClassName;
  std::string serviceAccountName;
  bool dedicatedServiceAccount = false;  // the operator creates and owns it
  std::vector<Violation> violations;     // reason ExceedsClass (or InvalidClass); each names the field and limit
};

// Pure: checks the sandbox against its class, field by field (see docs/agentsandbox.md, "Classes").
BoundSpec applyClassBounds(const ClassBoundsInput& in);

// <sandbox>-sandbox: the permissionless ServiceAccount a sandbox gets when its template names none.
std::string dedicatedServiceAccountName(const SandboxMeta& sandbox);

}  // namespace agentguard::op

#include "operator/reconciler/class_binding.h"

#include "common/kube/resource.h"
#include "operator/builders/owned_objects.h"
#include "operator/builders/service_account_builder.h"

namespace agentguard::op {

using nlohmann::json;

namespace {

std::string joinedMessages(const std::string& key, const std::vector<Violation>& violations) {
  std::string message = "AgentSandbox " + key + ": ";
  for (size_t i = 0; i < violations.size(); ++i) message += (i > 0 ? "; " : "") + violations[i].message;
  return message;
}

}  // namespace

ClassBinding bindClass(const json& sandbox, const ParsedSpec& parsed, const ClusterView& view, kube::KubeClient& client,
                       const std::vector<IpBlock>& clusterDenied, const std::string& defaultRuntimeClass) {
  ClassBinding out;
  const SandboxMeta meta = readMeta(sandbox);
  const json spec = sandbox.value("spec", json::object());
  const std::string specClass = spec.is_object() ? spec.value("className", "") : "";
  const json status = sandbox.value("status", json::object());
  const std::string boundClass = status.is_object() ? status.value("className", "") : "";
  std::vector<json> classes;
  for (const kube::SharedObject& object : view.sandboxClasses()) classes.push_back(*object);
  const ClassChoice choice = chooseClass(specClass, boundClass, classes);
  out.className = choice.parsed ? choice.name : boundClass;
  if (!choice.parsed || choice.problem) {
    // Nothing to bound the sandbox with: nothing reachable, no Pod.
    out.bound.spec = parsed.spec;
    out.bound.spec.network.egress.clear();
    out.bound.spec.network.dns.mode = DnsMode::kNone;
    out.bound.runtimeClassName = defaultRuntimeClass;
    out.blocker = Problem{choice.problem->reason, joinedMessages(meta.key(), {*choice.problem})};
    return out;
  }
  ClassBoundsInput input{meta, spec, parsed.spec, *choice.parsed, clusterDenied, defaultRuntimeClass, {}};
  for (const ObjectReference& reference : referencesNeedingLabels(parsed.spec.podTemplate, *choice.parsed)) {
    const auto& resource = reference.kind == "Secret" ? kube::resources::secrets() : kube::resources::configMaps();
    auto fetched = client.get(resource, meta.ns, reference.name);
    if (fetched.ok()) {
      input.labels[referenceKey(reference)] = fetched->value("metadata", json::object()).value("labels", json::object());
    } else if (fetched.error().code == ErrorCode::kNotFound) {
      input.labels[referenceKey(reference)] = std::nullopt;
    } else {
      out.error = fetched.error();
      input.labels[referenceKey(reference)] = std::nullopt;  // undecided counts as not allowed
    }
  }
  out.bound = applyClassBounds(input);
  if (out.error) return out;  // undecided: neither blocked nor allowed until a lookup succeeds
  if (!out.bound.violations.empty()) {
    const bool invalidClass = out.bound.violations.front().reason == kReasonInvalidClass;
    out.blocker = Problem{std::string(invalidClass ? kReasonInvalidClass : kReasonExceedsClass),
                          joinedMessages(meta.key(), out.bound.violations)};
  }
  return out;
}

std::optional<Problem> ensureDedicatedServiceAccount(kube::KubeClient& client, const SandboxMeta& sandbox,
                                                     const std::string& name, std::optional<Error>& error) {
  kube::WriteOptions options;
  options.fieldManager = std::string(kFieldManager);
  auto created = client.create(kube::resources::serviceAccounts(), sandbox.ns, buildServiceAccount(sandbox, name), options);
  if (created.ok()) return std::nullopt;
  if (created.error().code != ErrorCode::kAlreadyExists) {
    error = created.error();
    return std::nullopt;
  }
  auto live = client.get(kube::resources::serviceAccounts(), sandbox.ns, name);
  if (!live.ok()) {
    error = live.error();
    return std::nullopt;
  }
  if (isControlledBy(*live, sandbox)) return std::nullopt;
  if (controllingSandboxName(*live) == sandbox.name) {
    // Left by an earlier AgentSandbox of the same name; garbage collection removes it.
    error = makeError(ErrorCode::kUnavailable, "Waiting for ServiceAccount " + name + " of an earlier AgentSandbox " +
                                                   sandbox.name + " to be removed");
    return std::nullopt;
  }
  return Problem{std::string(reasons::kNameConflict), "ServiceAccount " + sandbox.ns + "/" + name +
                                     " exists and is not controlled by this AgentSandbox; delete it, or name an "
                                     "allowed ServiceAccount in spec.template.spec.serviceAccountName"};
}

}  // namespace agentguard::op

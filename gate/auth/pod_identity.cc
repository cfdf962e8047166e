#include "gate/auth/pod_identity.h"

#include <string>

namespace agentguard::gate {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kSandboxApiVersion = "agentguard.io/v1alpha1";
constexpr std::string_view kSandboxKind = "AgentSandbox";

Error forbidden(std::string message) { return makeError(ErrorCode::kForbidden, std::move(message)); }

std::string stringAt(const Json& object, const Json::json_pointer& pointer) {
  if (!object.contains(pointer)) return {};
  const Json& value = object.at(pointer);
  return value.is_string() ? value.get<std::string>() : std::string();
}

}  // namespace

bool podHasIp(const Json& pod, std::string_view ip) {
  if (stringAt(pod, Json::json_pointer("/status/podIP")) == ip) return true;
  const Json::json_pointer podIps("/status/podIPs");
  if (!pod.contains(podIps) || !pod.at(podIps).is_array()) return false;
  for (const auto& entry : pod.at(podIps)) {
    if (stringAt(entry, Json::json_pointer("/ip")) == ip) return true;
  }
  return false;
}

Result<Caller> callerFromPod(const Json& pod, std::string_view sourceIp, std::string_view expectedUid) {
  Caller caller;
  caller.namespaceName = stringAt(pod, Json::json_pointer("/metadata/namespace"));
  caller.pod = stringAt(pod, Json::json_pointer("/metadata/name"));
  caller.podUid = stringAt(pod, Json::json_pointer("/metadata/uid"));
  caller.serviceAccount = stringAt(pod, Json::json_pointer("/spec/serviceAccountName"));
  caller.sourceIp = std::string(sourceIp);
  const std::string name = "pod " + caller.namespaceName + "/" + caller.pod;
  if (caller.pod.empty() || caller.podUid.empty()) return forbidden("pod object has no metadata.name or metadata.uid");
  if (!expectedUid.empty() && caller.podUid != expectedUid) {
    return forbidden(name + " has UID " + caller.podUid + ", the token was issued for UID " +
                     std::string(expectedUid) + " (a deleted Pod's token)");
  }
  const std::string phase = stringAt(pod, Json::json_pointer("/status/phase"));
  if (phase != "Running") return forbidden(name + " is " + (phase.empty() ? "without a phase" : phase) + ", not Running");
  if (!podHasIp(pod, sourceIp)) {
    const std::string podIp = stringAt(pod, Json::json_pointer("/status/podIP"));
    return forbidden(name + " has IP " + (podIp.empty() ? "(none)" : podIp) + ", the request came from " +
                     std::string(sourceIp));
  }
  const Json::json_pointer ownersPointer("/metadata/ownerReferences");
  const Json* controller = nullptr;
  if (pod.contains(ownersPointer) && pod.at(ownersPointer).is_array()) {
    for (const auto& owner : pod.at(ownersPointer)) {
      const Json::json_pointer controllerFlag("/controller");
      if (owner.is_object() && owner.contains(controllerFlag) && owner.at(controllerFlag) == true) controller = &owner;
    }
  }
  if (controller == nullptr) return forbidden(name + " has no controller; only AgentSandbox Pods may call the gate");
  const std::string apiVersion = stringAt(*controller, Json::json_pointer("/apiVersion"));
  const std::string kind = stringAt(*controller, Json::json_pointer("/kind"));
  if (apiVersion != kSandboxApiVersion || kind != kSandboxKind) {
    return forbidden(name + " is controlled by " + kind + " (" + apiVersion +
                     "), not an AgentSandbox; only AgentSandbox Pods may call the gate");
  }
  caller.sandbox = stringAt(*controller, Json::json_pointer("/name"));
  caller.sandboxUid = stringAt(*controller, Json::json_pointer("/uid"));
  if (caller.sandbox.empty() || caller.sandboxUid.empty()) {
    return forbidden(name + " has an AgentSandbox controller reference without name or uid");
  }
  if (caller.serviceAccount.empty()) caller.serviceAccount = "default";
  return caller;
}

}  // namespace agentguard::gate

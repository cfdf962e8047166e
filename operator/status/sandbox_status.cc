#include "operator/status/sandbox_status.h"
#include "common/time/rfc3339.h"

#include <algorithm>

namespace agentguard::op {

using nlohmann::json;

namespace {
void putString(json& out, const char* key, const std::string& value) {
  if (!value.empty()) out[key] = value;
}
std::string getString(const json& in, const char* key) {
  const auto it = in.find(key);
  return it != in.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

json SandboxStatus::toJson() const {
  json out = json::object();
  putString(out, "phase", phase);
  putString(out, "podName", podName);
  putString(out, "podIP", podIP);
  putString(out, "runtimeClassName", runtimeClassName);
  putString(out, "className", className);
  putString(out, "networkPolicyName", networkPolicyName);
  putString(out, "egress", egress);
  putString(out, "gateAddress", gateAddress);
  putString(out, "startTime", startTime);
  putString(out, "finishTime", finishTime);
  putString(out, "expiresAt", expiresAt);
  if (observedGeneration != 0) out["observedGeneration"] = observedGeneration;
  json list = json::array();
  for (const Condition& condition : conditions) {
    json item = {{"type", condition.type},
                 {"status", condition.status},
                 {"reason", condition.reason},
                 {"lastTransitionTime", condition.lastTransitionTime}};
    putString(item, "message", condition.message);
    if (condition.observedGeneration != 0) item["observedGeneration"] = condition.observedGeneration;
    list.push_back(std::move(item));
  }
  if (!list.empty()) out["conditions"] = std::move(list);
  return out;
}

SandboxStatus SandboxStatus::fromJson(const json& status) {
  SandboxStatus out;
  if (!status.is_object()) return out;
  out.phase = getString(status, "phase");
  out.podName = getString(status, "podName");
  out.podIP = getString(status, "podIP");
  out.runtimeClassName = getString(status, "runtimeClassName");
  out.className = getString(status, "className");
  out.networkPolicyName = getString(status, "networkPolicyName");
  out.egress = getString(status, "egress");
  out.gateAddress = getString(status, "gateAddress");
  out.startTime = getString(status, "startTime");
  out.finishTime = getString(status, "finishTime");
  out.expiresAt = getString(status, "expiresAt");
  if (const auto it = status.find("observedGeneration"); it != status.end() && it->is_number_integer()) {
    out.observedGeneration = it->get<int64_t>();
  }
  if (const auto it = status.find("conditions"); it != status.end() && it->is_array()) {
    for (const json& item : *it) {
      if (!item.is_object()) continue;
      Condition condition;
      condition.type = getString(item, "type");
      condition.status = getString(item, "status");
      condition.reason = getString(item, "reason");
      condition.message = getString(item, "message");
      condition.lastTransitionTime = getString(item, "lastTransitionTime");
      if (const auto generation = item.find("observedGeneration");
          generation != item.end() && generation->is_number_integer()) {
        condition.observedGeneration = generation->get<int64_t>();
      }
      out.conditions.push_back(std::move(condition));
    }
  }
  return out;
}

const Condition* SandboxStatus::condition(std::string_view type) const {
  for (const Condition& condition : conditions) {
    if (condition.type == type) return &condition;
  }
  return nullptr;
}

void setCondition(std::vector<Condition>& conditions, Condition condition, const std::string& now) {
  auto existing = std::find_if(conditions.begin(), conditions.end(),
                               [&](const Condition& c) { return c.type == condition.type; });
  if (existing == conditions.end()) {
    condition.lastTransitionTime = now;
    conditions.push_back(std::move(condition));
    return;
  }
  condition.lastTransitionTime = existing->status == condition.status && !existing->lastTransitionTime.empty()
                                     ? existing->lastTransitionTime
                                     : now;
  *existing = std::move(condition);
}

namespace {

std::string_view terminalReason(Terminal terminal) {
  switch (terminal) {
    case Terminal::kSucceeded: return reasons::kSucceeded;
    case Terminal::kPodFailed: return reasons::kPodFailed;
    case Terminal::kPodDeleted: return reasons::kPodDeleted;
    case Terminal::kExpired: return reasons::kExpired;
    case Terminal::kNone: break;
  }
  return "";
}

std::string_view terminalPhase(Terminal terminal) {
  switch (terminal) {
    case Terminal::kSucceeded: return "Succeeded";
    case Terminal::kPodFailed:
    case Terminal::kPodDeleted: return "Failed";
    case Terminal::kExpired: return "Expired";
    case Terminal::kNone: break;
  }
  return "";
}

bool isRuntimeClassReason(const std::string& reason) {
  return reason == reasons::kRuntimeClassNotFound || reason == reasons::kRuntimeClassNotAllowed;
}

}  // namespace

SandboxStatus computeStatus(const StatusInputs& in, const SandboxStatus& previous, WallTime now) {
  const std::string nowText = time::formatRfc3339(now);
  SandboxStatus out;
  out.runtimeClassName = in.runtimeClassName;
  out.className = in.className;
  out.networkPolicyName = in.networkPolicyName;
  out.egress = in.egressSummary;
  out.gateAddress = in.gateAddress;
  out.observedGeneration = in.generation;
  out.conditions = previous.conditions;
  out.expiresAt = in.expiresAt ? time::formatRfc3339(*in.expiresAt) : std::string();
  if (in.pod) {
    out.podName = in.pod->name;
    out.podIP = in.pod->podIP;
  }
  out.startTime = !previous.startTime.empty() ? previous.startTime : (in.pod ? in.pod->creationTimestamp : "");

  const bool terminal = in.terminal != Terminal::kNone;
  if (terminal) {
    out.phase = std::string(terminalPhase(in.terminal));
    out.finishTime = previous.finished() && !previous.finishTime.empty() ? previous.finishTime : nowText;
  } else if (in.blocker && !in.pod) {
    out.phase = "Blocked";
  } else if (in.pod && in.pod->phase == "Running") {
    out.phase = "Running";
  } else {
    out.phase = "Pending";
  }

  const int64_t generation = in.generation;
  auto set = [&](std::string_view type, bool status, std::string_view reason, std::string message) {
    setCondition(out.conditions,
                 Condition{std::string(type), status ? "True" : "False", std::string(reason), std::move(message),
                           generation, ""},
                 nowText);
  };

  // Ready
  if (terminal) {
    set(kConditionReady, false, terminalReason(in.terminal), in.terminalMessage);
  } else if (in.blocker && !in.pod) {
    set(kConditionReady, false, in.blocker->reason, "No Pod is created while the sandbox is blocked");
  } else if (!in.pod) {
    set(kConditionReady, false, "PodNotCreated", "The Pod has not been created yet");
  } else if (in.pod->phase == "Running" && in.pod->ready) {
    set(kConditionReady, true, "PodReady", "Pod " + in.pod->name + " is running and ready");
  } else if (in.pod->phase == "Running") {
    set(kConditionReady, false, "PodNotReady", "Pod " + in.pod->name + " is running but not ready");
  } else {
    set(kConditionReady, false, "PodPending", "Pod " + in.pod->name + " is " + (in.pod->phase.empty() ? "Pending" : in.pod->phase));
  }

  // NetworkIsolated
  switch (in.network) {
    case NetworkState::kApplied:
      set(kConditionNetworkIsolated, true, "NetworkPolicyApplied",
          !in.networkMessage.empty() ? in.networkMessage
                                     : "NetworkPolicy " + in.networkPolicyName +
                                           " denies all traffic but the allow-lists (" + in.egressSummary + ")");
      break;
    case NetworkState::kKept:
      set(kConditionNetworkIsolated, true, "PreviousPolicyKept", in.networkMessage);
      break;
    case NetworkState::kPending:
      set(kConditionNetworkIsolated, false, "NetworkPolicyPending",
          in.networkMessage.empty() ? "NetworkPolicy " + in.networkPolicyName + " is not in place yet" : in.networkMessage);
      break;
    case NetworkState::kFailed:
      set(kConditionNetworkIsolated, false, reasons::kApiError, in.networkMessage);
      break;
  }

  // RuntimeSandboxed
  if (in.blocker && isRuntimeClassReason(in.blocker->reason)) {
    set(kConditionRuntimeSandboxed, false, in.blocker->reason, in.blocker->message);
  } else if (in.pod && in.pod->runtimeClassName == in.runtimeClassName) {
    set(kConditionRuntimeSandboxed, true, "RuntimeClassApplied",
        "Pod " + in.pod->name + " runs with RuntimeClass " + in.runtimeClassName);
  } else if (in.pod) {
    set(kConditionRuntimeSandboxed, false, "RuntimeClassMismatch",
        "Pod " + in.pod->name + " runs with RuntimeClass '" + in.pod->runtimeClassName + "', not " + in.runtimeClassName);
  } else {
    set(kConditionRuntimeSandboxed, false, "PodNotCreated", "No Pod runs");
  }

  // Blocked
  if (in.blocker) {
    set(kConditionBlocked, true, in.blocker->reason, in.blocker->message);
  } else {
    set(kConditionBlocked, false, "NotBlocked", "");
  }

  // Failed
  if (terminal && in.terminal != Terminal::kSucceeded) {
    set(kConditionFailed, true, terminalReason(in.terminal), in.terminalMessage);
  } else if (!terminal && in.failure) {
    set(kConditionFailed, true, in.failure->reason, in.failure->message);
  } else {
    set(kConditionFailed, false, "NotFailed", "");
  }
  return out;
}

}  // namespace agentguard::op

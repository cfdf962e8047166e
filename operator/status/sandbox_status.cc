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

// A condition's status, reason and message; computeStatus stamps the generation and the time.
struct ConditionValue {
  bool status = false;
  std::string reason;
  std::string message;
};

std::string phaseOf(const StatusInputs& in) {
  if (in.terminal != Terminal::kNone) return std::string(terminalPhase(in.terminal));
  if (in.blocker && !in.pod) return "Blocked";
  if (in.pod && in.pod->phase == "Running") return "Running";
  return "Pending";
}

ConditionValue readyCondition(const StatusInputs& in) {
  if (in.terminal != Terminal::kNone) return {false, std::string(terminalReason(in.terminal)), in.terminalMessage};
  if (in.blocker && !in.pod) return {false, in.blocker->reason, "No Pod is created while the sandbox is blocked"};
  if (!in.pod) return {false, "PodNotCreated", "The Pod has not been created yet"};
  if (in.pod->phase == "Running" && in.pod->ready) {
    return {true, "PodReady", "Pod " + in.pod->name + " is running and ready"};
  }
  if (in.pod->phase == "Running") return {false, "PodNotReady", "Pod " + in.pod->name + " is running but not ready"};
  return {false, "PodPending", "Pod " + in.pod->name + " is " + (in.pod->phase.empty() ? "Pending" : in.pod->phase)};
}

ConditionValue networkIsolatedCondition(const StatusInputs& in) {
  switch (in.network) {
    case NetworkState::kApplied:
      return {true, "NetworkPolicyApplied",
              !in.networkMessage.empty() ? in.networkMessage
                                         : "NetworkPolicy " + in.networkPolicyName +
                                               " denies all traffic but the allow-lists (" + in.egressSummary + ")"};
    case NetworkState::kKept:
      return {true, "PreviousPolicyKept", in.networkMessage};
    case NetworkState::kPending:
      return {false, "NetworkPolicyPending",
              in.networkMessage.empty() ? "NetworkPolicy " + in.networkPolicyName + " is not in place yet"
                                        : in.networkMessage};
    case NetworkState::kFailed:
      return {false, std::string(reasons::kApiError), in.networkMessage};
  }
  return {false, std::string(reasons::kApiError), in.networkMessage};
}

ConditionValue runtimeSandboxedCondition(const StatusInputs& in) {
  if (in.blocker && isRuntimeClassReason(in.blocker->reason)) return {false, in.blocker->reason, in.blocker->message};
  if (!in.pod) return {false, "PodNotCreated", "No Pod runs"};
  if (in.pod->runtimeClassName == in.runtimeClassName) {
    return {true, "RuntimeClassApplied", "Pod " + in.pod->name + " runs with RuntimeClass " + in.runtimeClassName};
  }
  return {false, "RuntimeClassMismatch",
          "Pod " + in.pod->name + " runs with RuntimeClass '" + in.pod->runtimeClassName + "', not " + in.runtimeClassName};
}

ConditionValue blockedCondition(const StatusInputs& in) {
  if (in.blocker) return {true, in.blocker->reason, in.blocker->message};
  return {false, "NotBlocked", ""};
}

ConditionValue failedCondition(const StatusInputs& in) {
  const bool terminal = in.terminal != Terminal::kNone;
  if (terminal && in.terminal != Terminal::kSucceeded) {
    return {true, std::string(terminalReason(in.terminal)), in.terminalMessage};
  }
  if (!terminal && in.failure) return {true, in.failure->reason, in.failure->message};
  return {false, "NotFailed", ""};
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
  out.phase = phaseOf(in);
  if (in.terminal != Terminal::kNone) {
    out.finishTime = previous.finished() && !previous.finishTime.empty() ? previous.finishTime : nowText;
  }

  const std::pair<std::string_view, ConditionValue> conditions[] = {
      {kConditionReady, readyCondition(in)},
      {kConditionNetworkIsolated, networkIsolatedCondition(in)},
      {kConditionRuntimeSandboxed, runtimeSandboxedCondition(in)},
      {kConditionBlocked, blockedCondition(in)},
      {kConditionFailed, failedCondition(in)},
  };
  for (const auto& [type, value] : conditions) {
    setCondition(out.conditions,
                 Condition{std::string(type), value.status ? "True" : "False", value.reason, value.message,
                           in.generation, ""},
                 nowText);
  }
  return out;
}

}  // namespace agentguard::op

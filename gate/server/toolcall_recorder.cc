#include "gate/server/toolcall_recorder.h"

#include <ctime>

namespace agentguard::gate::server {
namespace {

constexpr std::string_view kVerifierId = "https://agentguard.io/gate";
constexpr std::string_view kDigestPrefix = "sha256:";

std::string rfc3339(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

ToolCallRecorder::ToolCallRecorder(decision::DecisionLogQueue* log,
                                   std::function<std::chrono::system_clock::time_point()> now)
    : log_(log), now_(std::move(now)) {}

Result<std::string> ToolCallRecorder::record(const Caller& caller, const std::string& server,
                                             const CallDecision& decision) {
  if (log_ == nullptr) return std::string();
  decision::Decision record;
  record.verifierId = std::string(kVerifierId);
  record.timeVerified = rfc3339(now_());
  record.policyUri = "agentsandbox:" + caller.namespaceName + "/" + caller.sandbox;
  record.policyDigest = decision.policyDigest;
  record.passed = !decision.refused;
  record.action = !decision.refused ? "allow" : decision.enforce ? "deny" : "audit";
  record.mode = decision.enforce ? "enforce" : "audit";
  record.toolCall = decision::ToolCall{server,
                                       decision.tool,
                                       decision.method,
                                       caller.namespaceName,
                                       caller.sandbox,
                                       caller.pod,
                                       caller.serviceAccount,
                                       caller.sourceIp,
                                       decision.refused ? decision.rule : "",
                                       decision.refused ? decision.reason : "",
                                       decision.argumentsDigest};
  Result<std::string> digest = log_->record(std::move(record));
  if (!digest) return digest.error();
  std::string id = std::move(*digest);
  if (id.rfind(kDigestPrefix, 0) == 0) id.erase(0, kDigestPrefix.size());
  return id;
}

}  // namespace agentguard::gate::server

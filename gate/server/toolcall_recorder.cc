#include "gate/server/toolcall_recorder.h"

#include "common/time/rfc3339.h"

namespace agentguard::gate::server {
namespace {

constexpr std::string_view kVerifierId = "https://agentguard.io/gate";
constexpr std::string_view kDigestPrefix = "sha256:";

}  // namespace

ToolCallRecorder::ToolCallRecorder(decision::DecisionLogQueue* log,
                                   const time::Clock& clock)
    : log_(log), clock_(clock) {}

Result<std::string> ToolCallRecorder::record(const Caller& caller, const std::string& server,
                                             const CallDecision& decision) {
  if (log_ == nullptr) return std::string();
  decision::Decision record;
  record.verifierId = std::string(kVerifierId);
  record.timeVerified = time::formatRfc3339(clock_.wallNow());
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

#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/decision/decision_log_queue.h"
#include "common/time/clock.h"
#include "gate/server/call_ports.h"

namespace agentguard::gate::server {

// Writes each call's decision as a signed record of kind "toolcall" (docs/decision-log.md) through the
// decision log's queue: subject = the call's arguments digest, caller = namespace/sandbox/pod/
// serviceAccount, the action (allow | deny | audit), rule and reason. Without a log (null) records are
// off and every call gets "" as its record id.
class ToolCallRecorder final : public CallRecorder {
 public:
  explicit ToolCallRecorder(decision::DecisionLogQueue* log,
                            const time::Clock& clock = time::systemClock());

  // The record's id: the hex SHA-256 of its line in the log (as `agentguard log` names records).
  Result<std::string> record(const Caller& caller, const std::string& server, const CallDecision& decision) override;

 private:
  decision::DecisionLogQueue* log_;
  const time::Clock& clock_;
};

}  // namespace agentguard::gate::server

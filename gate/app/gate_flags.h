#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/decision/decision_log_queue.h"
#include "common/log/logger.h"
#include "common/result/result.h"

namespace agentguard::gate::app {

// agentguard-gate's command line (docs/tool-gate.md). The decision-log flags have the webhook's names
// and meaning.
struct GateFlags {
  std::string ns;                        // --namespace: the sandboxes' namespace, which the gate serves alone
  std::string mcpListen = ":8080";       // the MCP proxy, /mcp/<server>
  std::string proxyListen = ":3128";     // the HTTPS CONNECT proxy; "0" disables it
  std::string metricsListen = ":9090";   // /metrics, /healthz, /readyz
  std::string tokenAudience = "agentguard-gate";
  std::string kubeconfig;                // empty: $KUBECONFIG, in-cluster, then ~/.kube/config
  log::Level logLevel = log::Level::kInfo;
  size_t maxRequestBytes = 1024u * 1024u;
  std::chrono::milliseconds upstreamTimeout = std::chrono::seconds(120);
  // Signed decision records; both empty (records off) or both set.
  std::string decisionLogFile;
  std::string decisionSigningKey;
  bool decisionSigningKeyCreate = false;  // create decisionSigningKey (Ed25519) when it does not exist
  decision::OnRecordFailure decisionLogOnFailure = decision::OnRecordFailure::kDeny;
  std::chrono::milliseconds decisionLogWait = std::chrono::seconds(1);
  std::uint64_t decisionCheckpointRecords = 1000;
  std::chrono::milliseconds decisionCheckpointInterval = std::chrono::seconds(10);
  std::string decisionCheckpointFile;
  bool help = false;
};

// Parses `--name value` and `--name=value` (common/flags; durations in common/time's grammar);
// InvalidArgument names the flag, what is wrong and the fix.
Result<GateFlags> parseGateFlags(const std::vector<std::string>& args);
std::string gateUsage();
// Every flag parseGateFlags reads ("--namespace", ...), for the test that gateUsage lists them all.
std::vector<std::string> gateFlagNames();

}  // namespace agentguard::gate::app

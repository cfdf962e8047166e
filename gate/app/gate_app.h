#pragma once

#include <memory>
#include <optional>

#include "common/decision/decision_log.h"
#include "common/http/server.h"
#include "common/kube/informer.h"
#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "common/metrics/decision_log_metrics.h"
#include "gate/app/denial_events.h"
#include "gate/app/gate_flags.h"
#include "gate/app/gate_metrics.h"
#include "gate/app/kube_ports.h"
#include "gate/app/sandbox_policies.h"
#include "gate/auth/caller_authenticator.h"
#include "gate/auth/caller_lookup.h"
#include "gate/egress/connect_proxy.h"
#include "gate/server/call_pipeline.h"
#include "gate/server/mcp_server.h"
#include "gate/server/toolcall_recorder.h"

namespace agentguard::gate::app {

// agentguard-gate assembled: the AgentSandbox informer and the policies it keeps, caller
// authentication, the decision log, the MCP proxy, the CONNECT proxy, metrics, health and Events.
class GateApp {
 public:
  GateApp(const GateFlags& flags, kube::KubeClient& client, log::Logger& logger);
  ~GateApp();  // stops

  // Opens the decision log, starts the informer and the listeners; the first failure, named.
  Status start();
  void stop();
  // The AgentSandbox cache has synced and the Pod cache is in step with the API server: calls can be decided.
  bool ready() const;

 private:
  class Observers;

  Status openDecisionLog();
  Status startProxy();
  Status startHealth();

  const GateFlags flags_;
  kube::KubeClient& client_;
  log::Logger& logger_;
  GateMetrics metrics_;
  SandboxPolicies policies_;
  std::unique_ptr<decision::DecisionLog> decisionLog_;
  std::optional<metrics::DecisionLogMetrics> decisionMetrics_;  // with the log
  std::unique_ptr<server::ToolCallRecorder> recorder_;
  std::unique_ptr<PodInformerLookup> lookup_;
  std::unique_ptr<gate::CallerAuthenticator> authenticator_;
  std::unique_ptr<TokenCallers> callers_;
  std::unique_ptr<SecretCredentials> credentials_;
  std::unique_ptr<DenialEvents> events_;
  std::unique_ptr<Observers> observers_;
  std::unique_ptr<server::CallPipeline> pipeline_;
  std::unique_ptr<kube::Informer> sandboxes_;
  std::unique_ptr<server::McpServer> mcp_;
  std::unique_ptr<egress::ConnectProxy> proxy_;
  std::unique_ptr<http::Server> health_;
};

}  // namespace agentguard::gate::app

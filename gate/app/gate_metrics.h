#pragma once

#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "common/metrics/process_collector.h"
#include "gate/egress/connect_proxy.h"
#include "gate/server/call_ports.h"

namespace agentguard::gate::app {

// The gate's Prometheus metrics (docs/tool-gate.md):
//   agentguard_gate_decisions_total{server,tool,result}   result: allowed | denied | audited
//   agentguard_gate_decision_duration_seconds             authentication excluded, policy and parsing in
//   agentguard_gate_upstream_duration_seconds             from connecting upstream to its answer's headers
//   agentguard_gate_egress_connections_total{result}      CONNECT outcomes (gate/egress)
// and agentguard_build_info with the process_* metrics (common/metrics). GateApp adds the decision log's
// (common/metrics/decision_log_metrics.h) to the same registry when its log is on.
// Label values come from the sandbox's policy, never from what the agent sent alone: a refused call's
// server or tool is "-" unless the policy lists it, so a caller cannot grow the label sets.
class GateMetrics final : public server::CallObserver {
 public:
  GateMetrics();

  void decided(const server::Caller& caller, const std::string& server, const server::CallDecision& decision,
               std::chrono::nanoseconds took) override;
  void upstreamAnswered(const std::string& server, std::chrono::nanoseconds took) override;
  void egressOutcome(const egress::EgressOutcome& outcome);

  std::string render() const;
  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  metrics::ProcessCollector process_;
  prometheus::Family<prometheus::Counter>& decisions_;
  prometheus::Histogram& decisionDuration_;
  prometheus::Histogram& upstreamDuration_;
  prometheus::Family<prometheus::Counter>& egress_;
};

}  // namespace agentguard::gate::app

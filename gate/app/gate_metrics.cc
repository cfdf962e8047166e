#include "gate/app/gate_metrics.h"

namespace agentguard::gate::app {
namespace {

const prometheus::Histogram::BucketBoundaries& latencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                                  0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                                  1,      2.5,     5,      10,    30,     120};
  return buckets;
}

double seconds(std::chrono::nanoseconds took) { return std::chrono::duration<double>(took).count(); }

}  // namespace

GateMetrics::GateMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      decisions_(prometheus::BuildCounter()
                     .Name("agentguard_gate_decisions_total")
                     .Help("MCP calls decided by the gate, by server, tool and result (allowed, denied, audited)")
                     .Register(*registry_)),
      decisionDuration_(prometheus::BuildHistogram()
                            .Name("agentguard_gate_decision_duration_seconds")
                            .Help("Time to authenticate, parse and decide one MCP call")
                            .Register(*registry_)
                            .Add({}, latencyBuckets())),
      upstreamDuration_(prometheus::BuildHistogram()
                            .Name("agentguard_gate_upstream_duration_seconds")
                            .Help("Time from connecting to the upstream MCP server to its answer's headers")
                            .Register(*registry_)
                            .Add({}, latencyBuckets())),
      egress_(prometheus::BuildCounter()
                  .Name("agentguard_gate_egress_connections_total")
                  .Help("CONNECT requests of the HTTPS egress proxy, by outcome")
                  .Register(*registry_)) {}

void GateMetrics::decided(const server::Caller&, const std::string& server, const server::CallDecision& decision,
                          std::chrono::nanoseconds took) {
  const std::string result = !decision.refused ? "allowed" : decision.enforce ? "denied" : "audited";
  // Names the policy vouched for: the server when it is listed (it has an upstream), the tool when the
  // call was allowed or refused for its arguments only.
  const bool listedServer = !decision.upstream.url.empty();
  const bool listedTool = !decision.tool.empty() && (!decision.refused || decision.rule == "tools.argument");
  decisions_.Add({{"server", listedServer ? server : "-"}, {"tool", listedTool ? decision.tool : "-"}, {"result", result}})
      .Increment();
  decisionDuration_.Observe(seconds(took));
}

void GateMetrics::upstreamAnswered(const std::string&, std::chrono::nanoseconds took) {
  upstreamDuration_.Observe(seconds(took));
}

void GateMetrics::egressOutcome(const egress::EgressOutcome& outcome) {
  egress_.Add({{"result", std::string(egress::egressResultName(outcome.result))}}).Increment();
}

std::string GateMetrics::render() const { return metrics::textExposition({registry_.get(), &process_}); }

}  // namespace agentguard::gate::app

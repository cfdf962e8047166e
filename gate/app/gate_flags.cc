#include "gate/app/gate_flags.h"

#include "common/flags/flag_set.h"

namespace agentguard::gate::app {
namespace {

// Every flag and what reads its value.
void declareGateFlags(flags::FlagSet& set, GateFlags& flags) {
  set.help(flags.help);
  set.value("namespace", flags::text(flags.ns));
  set.value("mcp-listen", flags::text(flags.mcpListen));
  set.value("proxy-listen", flags::text(flags.proxyListen));
  set.value("metrics-listen", flags::text(flags.metricsListen));
  set.value("token-audience", flags::nonEmptyText(flags.tokenAudience, "an audience name"));
  set.value("kubeconfig", flags::text(flags.kubeconfig));
  set.value("log-level", flags::logLevel(flags.logLevel));
  set.value("max-request-bytes", flags::count(flags.maxRequestBytes, 1024, 64u * 1024u * 1024u, "expected 1024 to 67108864"));
  set.value("upstream-timeout", flags::duration(flags.upstreamTimeout));
  set.value("decision-log-file", flags::text(flags.decisionLogFile));
  set.value("decision-signing-key", flags::text(flags.decisionSigningKey));
  set.toggle("decision-signing-key-create", flags.decisionSigningKeyCreate);
  set.value("decision-log-on-failure", flags::choice(flags.decisionLogOnFailure,
                                                     {{"deny", decision::OnRecordFailure::kDeny},
                                                      {"allow", decision::OnRecordFailure::kAllow}}));
  set.value("decision-log-wait", flags::duration(flags.decisionLogWait));
  set.value("decision-checkpoint-records",
            flags::count(flags.decisionCheckpointRecords, 1, 1'000'000'000, "expected a number from 1"));
  set.value("decision-checkpoint-interval", flags::duration(flags.decisionCheckpointInterval));
  set.value("decision-checkpoint-file", flags::text(flags.decisionCheckpointFile));
}

}  // namespace

std::string gateUsage() {
  return R"(Usage: agentguard-gate --namespace NS [flags]

The tool-call gate of the AgentSandboxes in one namespace (docs/tool-gate.md): an MCP reverse proxy that
authenticates each sandbox Pod, decides every call on its AgentSandbox's spec.tools and writes a signed
record, and an HTTPS CONNECT proxy limited to spec.network.egressHosts.

  --namespace NS                  the namespace whose AgentSandboxes the gate serves (required)
  --mcp-listen HOST:PORT          the MCP proxy, POST/GET/DELETE /mcp/<server> (default :8080)
  --proxy-listen HOST:PORT        the HTTPS CONNECT proxy (default :3128; "0" disables it)
  --metrics-listen HOST:PORT      /metrics, /healthz and /readyz (default :9090)
  --token-audience NAME           the audience sandbox tokens must carry (default agentguard-gate)
  --kubeconfig PATH               cluster credentials (default: $KUBECONFIG, in-cluster, ~/.kube/config)
  --max-request-bytes N           the largest MCP request body (default 1048576; larger: -32018)
  --upstream-timeout DURATION     longest wait for the next byte of an upstream answer (default 120s)
  --decision-log-file PATH        append a signed record of every tool call to PATH
                                  (docs/decision-log.md); a call in Enforce mode whose record cannot
                                  be written is refused (-32016)
  --decision-signing-key FILE     the Ed25519 or ECDSA P-256 private key (PKCS#8 PEM) that signs
                                  the records; required with --decision-log-file
  --decision-signing-key-create   when FILE does not exist, create it: a new Ed25519 key (mode 0600),
                                  its public half in FILE.pub, so the key never leaves the gate's volume
  --decision-log-on-failure deny|allow
                                  when a record cannot be written within --decision-log-wait:
                                  deny refuses the call (default), allow forwards it unrecorded
  --decision-log-wait DURATION    how long a call waits for its record to be written (default 1s)
  --decision-checkpoint-records N sign a checkpoint of the log every N records (default 1000)
  --decision-checkpoint-interval DURATION
                                  and at the first record this long after the last one (default 10s)
  --decision-checkpoint-file PATH append every checkpoint to PATH as well
  --log-level debug|info|warn|error  (default info)
  --help                          print this help
)";
}

Result<GateFlags> parseGateFlags(const std::vector<std::string>& args) {
  GateFlags flags;
  flags::FlagSet set;
  declareGateFlags(set, flags);
  if (Status parsed = set.parse(args); !parsed.ok()) return parsed.error();
  if (flags.help) return flags;
  if (flags.ns.empty()) return flags::flagError("--namespace", "is required: the namespace of the AgentSandboxes to serve");
  if (flags.decisionLogFile.empty() != flags.decisionSigningKey.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "--decision-log-file and --decision-signing-key go together");
  }
  if (flags.decisionSigningKeyCreate && flags.decisionSigningKey.empty()) {
    return flags::flagError("--decision-signing-key-create", "creates the file --decision-signing-key names; set that flag too");
  }
  if (!flags.decisionCheckpointFile.empty() && flags.decisionLogFile.empty()) {
    return flags::flagError("--decision-checkpoint-file", "publishes the decision log's checkpoints; it needs --decision-log-file");
  }
  return flags;
}

std::vector<std::string> gateFlagNames() {
  GateFlags unused;
  flags::FlagSet set;
  declareGateFlags(set, unused);
  return set.names();
}

}  // namespace agentguard::gate::app

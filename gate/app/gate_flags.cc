#include "gate/app/gate_flags.h"

#include <charconv>
#include <set>

namespace agentguard::gate::app {
namespace {

Error flagError(const std::string& flag, const std::string& what) {
  return makeError(ErrorCode::kInvalidArgument, "--" + flag + ": " + what + " (see --help)");
}

// "500ms", "10s", "2m", "1h": the webhook's duration grammar (webhook/options), kept to whole units.
bool parseDuration(const std::string& text, std::chrono::milliseconds& out) {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data() || value > 1'000'000'000) return false;
  const std::string unit(end, text.data() + text.size());
  if (unit == "ms") {
    out = std::chrono::milliseconds(value);
  } else if (unit == "s") {
    out = std::chrono::seconds(value);
  } else if (unit == "m") {
    out = std::chrono::minutes(value);
  } else if (unit == "h") {
    out = std::chrono::hours(value);
  } else {
    return false;
  }
  return true;
}

bool parseCount(const std::string& text, uint64_t min, uint64_t max, uint64_t& out) {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min || value > max) return false;
  out = value;
  return true;
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
  --max-request-bytes N           the largest MCP request body (default 1048576; larger: -32008)
  --upstream-timeout DURATION     longest wait for the next byte of an upstream answer (default 120s)
  --decision-log-file PATH        append a signed record of every tool call to PATH
                                  (docs/decision-log.md); a call in Enforce mode whose record cannot
                                  be written is refused (-32006)
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
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) return makeError(ErrorCode::kInvalidArgument, "unexpected argument '" + arg + "' (see --help)");
    std::string name = arg.substr(2);
    std::string value;
    bool hasValue = false;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      hasValue = true;
    }
    if (name == "help") {
      flags.help = true;
      continue;
    }
    if (name == "decision-signing-key-create") {
      if (hasValue && value != "true" && value != "false") return flagError(name, "expected true or false");
      flags.decisionSigningKeyCreate = !hasValue || value == "true";
      continue;
    }
    if (!hasValue) {
      if (i + 1 >= args.size()) return flagError(name, "needs a value");
      value = args[++i];
    }
    uint64_t number = 0;
    if (name == "namespace") {
      flags.ns = value;
    } else if (name == "mcp-listen") {
      flags.mcpListen = value;
    } else if (name == "proxy-listen") {
      flags.proxyListen = value;
    } else if (name == "metrics-listen") {
      flags.metricsListen = value;
    } else if (name == "token-audience") {
      if (value.empty()) return flagError(name, "needs an audience name");
      flags.tokenAudience = value;
    } else if (name == "kubeconfig") {
      flags.kubeconfig = value;
    } else if (name == "log-level") {
      if (!log::parseLevel(value, flags.logLevel)) return flagError(name, "expected debug, info, warn or error");
    } else if (name == "max-request-bytes") {
      if (!parseCount(value, 1024, 64u * 1024u * 1024u, number)) return flagError(name, "expected 1024 to 67108864");
      flags.maxRequestBytes = static_cast<size_t>(number);
    } else if (name == "upstream-timeout" || name == "decision-log-wait" || name == "decision-checkpoint-interval") {
      std::chrono::milliseconds duration{};
      if (!parseDuration(value, duration) || duration.count() == 0) {
        return flagError(name, "expected a positive duration such as 500ms, 10s, 2m or 1h");
      }
      (name == "upstream-timeout"    ? flags.upstreamTimeout
       : name == "decision-log-wait" ? flags.decisionLogWait
                                     : flags.decisionCheckpointInterval) = duration;
    } else if (name == "decision-log-file") {
      flags.decisionLogFile = value;
    } else if (name == "decision-signing-key") {
      flags.decisionSigningKey = value;
    } else if (name == "decision-log-on-failure") {
      if (value == "deny") {
        flags.decisionLogOnFailure = decision::OnRecordFailure::kDeny;
      } else if (value == "allow") {
        flags.decisionLogOnFailure = decision::OnRecordFailure::kAllow;
      } else {
        return flagError(name, "expected deny or allow");
      }
    } else if (name == "decision-checkpoint-records") {
      if (!parseCount(value, 1, 1'000'000'000, number)) return flagError(name, "expected a number from 1");
      flags.decisionCheckpointRecords = number;
    } else if (name == "decision-checkpoint-file") {
      flags.decisionCheckpointFile = value;
    } else {
      return makeError(ErrorCode::kInvalidArgument, "unknown flag --" + name + " (see --help)");
    }
  }
  if (flags.help) return flags;
  if (flags.ns.empty()) return flagError("namespace", "is required: the namespace of the AgentSandboxes to serve");
  if (flags.decisionLogFile.empty() != flags.decisionSigningKey.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "--decision-log-file and --decision-signing-key go together");
  }
  if (flags.decisionSigningKeyCreate && flags.decisionSigningKey.empty()) {
    return flagError("decision-signing-key-create", "creates the file --decision-signing-key names; set that flag too");
  }
  if (!flags.decisionCheckpointFile.empty() && flags.decisionLogFile.empty()) {
    return flagError("decision-checkpoint-file", "publishes the decision log's checkpoints; it needs --decision-log-file");
  }
  return flags;
}

}  // namespace agentguard::gate::app

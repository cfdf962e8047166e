#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result/result.h"
#include "gate/policy/argument_matcher.h"
#include "gate/policy/egress_hosts.h"

namespace agentguard::gate::policy {

// spec.tools.mode: Enforce refuses what the policy does not allow; Audit decides and records the same
// way but forwards anyway.
enum class ToolsMode { kEnforce, kAudit };

// spec.tools.servers[].credentialsSecretRef: the Secret key whose value the gate sends upstream as
// "Authorization: Bearer <value>".
struct SecretKeyRef {
  std::string name;
  std::string key;
};

// spec.tools.servers[].methods[]: a JSON-RPC method beyond the base protocol and, for methods that name
// what they act on (tools/call, prompts/get: params.name; resources/read, resources/subscribe,
// resources/unsubscribe: params.uri), the names allowed.
struct MethodRule {
  std::string name;
  std::vector<std::string> params;

  bool allows(std::string_view target) const;
};

// spec.tools.servers[]: one upstream MCP server, reached by the agent at $MCP_GATEWAY_URL/<name>.
struct ToolServer {
  std::string name;
  std::string url;
  std::optional<SecretKeyRef> credentialsSecretRef;
  std::vector<MethodRule> methods;
  // Per tool, the matchers its arguments must pass, in the order the policy lists them.
  std::map<std::string, std::vector<ArgumentMatcher>, std::less<>> arguments;

  // The rule for `method`, or nullptr when the policy does not list it.
  const MethodRule* method(std::string_view method) const;
  // Whether tools/call of `tool` is allowed (listed in methods[name=tools/call].params).
  bool toolAllowed(std::string_view tool) const;
};

// What one AgentSandbox allows its agent to call through the gate.
struct SandboxToolPolicy {
  std::string namespaceName;
  std::string sandboxName;
  std::string sandboxUid;
  ToolsMode mode = ToolsMode::kEnforce;
  std::vector<ToolServer> servers;  // empty when the sandbox has no spec.tools
  std::vector<EgressHostPattern> egressHosts;

  const ToolServer* server(std::string_view name) const;
};

// Reads spec.tools and spec.network.egressHosts of an AgentSandbox (the whole object as the API server
// returns it). InvalidArgument whose message names the sandbox, the first problem's field path and the
// fix ("AgentSandbox agents/analyst: spec.tools.servers[1].arguments.fetch_page./url.regex: ..."), with
// every problem in causes. Nothing is defaulted that could widen what is allowed.
Result<SandboxToolPolicy> parseSandboxToolPolicy(const nlohmann::json& sandbox);

}  // namespace agentguard::gate::policy

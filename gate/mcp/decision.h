#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gate/mcp/json_rpc_message.h"
#include "gate/mcp/request_headers.h"
#include "gate/policy/sandbox_tool_policy.h"

namespace agentguard::gate::mcp {

// The gate's decision on one message, everything its record, metrics, Event and answer need.
struct Verdict {
  bool allowed = false;  // forward it (true also when audited)
  bool audited = false;  // mode Audit and the policy would have refused it: forwarded, recorded as such
  int code = 0;          // the denial's JSON-RPC code (also set when audited); 0 when allowed outright
  std::string rule;      // the denial's rule id (kRule...); empty when allowed outright
  std::string reason;    // why, with the fix when refused
  int httpStatus = 200;  // for a refusal: 200 for policy decisions, 400 for a header mismatch
  std::string method;
  std::string tool;             // tools/call and prompts/get: params.name; resources/*: params.uri
  std::string server;
  std::string argumentsDigest;  // lower-case hex SHA-256 of the RFC 8785 form of params.arguments
                                // ("null" when absent); empty when they cannot be canonicalised
  nlohmann::json requestId;     // the message's id (null for notifications)
};

// Decides `message` posted to $MCP_GATEWAY_URL/<server>. Top to bottom: the server must be listed;
// Mcp-* headers must agree with the body (refused in Audit too: the body is what is decided, and a
// header another hop routes on must not say otherwise); base protocol methods (initialize, ping,
// notifications/initialized|cancelled|progress, tools/list) and responses pass; tools/call needs a
// string params.name listed under methods[tools/call].params, params.arguments an object when present,
// and every argument matcher of that tool to pass; other methods must be listed, with their
// params.name/uri in the list when they name one. Method names are compared exactly.
Verdict decide(const policy::SandboxToolPolicy& policy, std::string_view server, const JsonRpcMessage& message,
               const HeaderMap& headers);

}  // namespace agentguard::gate::mcp

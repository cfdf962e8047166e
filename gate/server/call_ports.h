#pragma once

// What the MCP proxy needs from the rest of the gate, as small interfaces: who is calling (caller
// authentication), what the caller's sandbox allows (the policy), the upstream's credential, the
// decision record, and an observer for metrics and Events. gate/app implements them over gate/auth,
// gate/policy, common/kube and common/decision; tests implement them in memory.

#include <chrono>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result/result.h"
#include "gate/mcp/error_codes.h"

namespace agentguard::gate::server {

// An authenticated caller: the sandbox Pod the token was bound to, reached from `sourceIp`.
struct Caller {
  std::string namespaceName;
  std::string sandbox;
  std::string sandboxUid;
  std::string pod;
  std::string podUid;
  std::string serviceAccount;
  std::string sourceIp;
};

// One MCP request as the policy sees it.
struct McpRequest {
  std::string server;  // the <server> of /mcp/<server>
  const std::map<std::string, std::string>* headers = nullptr;  // names lower-cased
  const std::string* body = nullptr;
};

// Where a server's calls go: tools.servers[name].url and its credentialsSecretRef (in the sandbox's
// namespace; empty name for none).
struct Upstream {
  std::string url;
  std::string secretName;
  std::string secretKey;
};

// JSON-RPC error codes of the contract (docs/tool-gate.md), from the one table in gate/mcp/error_codes.h.
namespace codes {
using mcp::kArgumentRefused;
using mcp::kBatchRefused;
using mcp::kCallerRefused;
using mcp::kHeaderMismatch;
using mcp::kInvalidRequest;
using mcp::kMethodNotAllowed;
using mcp::kParseError;
using mcp::kPolicyUnavailable;
using mcp::kRecordUnwritable;
using mcp::kRequestTooLarge;
using mcp::kToolNotAllowed;
using mcp::kUpstreamUnavailable;
}  // namespace codes

// What the policy decided about one request.
struct CallDecision {
  bool refused = false;  // the policy refused the call
  bool enforce = true;   // tools.mode: Enforce refuses, Audit records a refusal and forwards anyway
  // The refusal, when refused: the HTTP status (200 for a decided refusal, 400 for a malformed request)
  // and the JSON-RPC error's code, message, rule and reason.
  int httpStatus = 200;
  int code = 0;
  std::string message;
  std::string rule;
  std::string reason;
  nlohmann::json id;  // the request's id; null when it has none or could not be read
  std::string method;
  std::string tool;
  std::string argumentsDigest;  // hex SHA-256 of the RFC 8785 form of params.arguments
  std::string policyDigest;     // hex SHA-256 identifying the sandbox's tools policy
  bool filterToolsList = false;  // a tools/list request: its result is filtered to the allowed tools
  Upstream upstream;             // set when the call may be forwarded

  bool forwards() const { return !refused || !enforce; }
};

// Validates the caller's bearer token against its connection's source address.
class CallerAuthenticator {
 public:
  virtual ~CallerAuthenticator() = default;
  // Forbidden (with a message the caller may read) when the token is refused; Unavailable when it cannot
  // be checked now.
  virtual Result<Caller> authenticate(const std::string& token, const std::string& sourceIp) = 0;
};

// The caller's sandbox policy.
class CallPolicy {
 public:
  virtual ~CallPolicy() = default;
  // Decides one POST. Never throws; a request it cannot read is a refusal with httpStatus 400.
  virtual CallDecision decide(const Caller& caller, const McpRequest& request) const = 0;
  // The upstream of a server for GET and DELETE (session streams); a refusal when the sandbox has no such
  // server or its policy is unavailable.
  virtual Result<Upstream> upstream(const Caller& caller, const std::string& server) const = 0;
  // One JSON-RPC message of the answer to tools/list request `requestId`, its result filtered to the tools
  // the caller may call (other messages unchanged); InvalidArgument when it is not JSON.
  virtual Result<std::string> filterToolsList(const Caller& caller, const std::string& server,
                                              const nlohmann::json& requestId, const std::string& message) const = 0;
};

// The value of a credentialsSecretRef (cached briefly by the implementation).
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  virtual Result<std::string> secretValue(const std::string& ns, const std::string& name, const std::string& key) = 0;
};

// The signed decision record of one call. A disabled recorder answers "" (no record id).
class CallRecorder {
 public:
  virtual ~CallRecorder() = default;
  // The record's id; Unavailable when it could not be written.
  virtual Result<std::string> record(const Caller& caller, const std::string& server, const CallDecision& decision) = 0;
};

// Told about every decision and upstream exchange; for metrics and Events. Must be quick and thread-safe.
class CallObserver {
 public:
  virtual ~CallObserver() = default;
  virtual void decided(const Caller& caller, const std::string& server, const CallDecision& decision,
                       std::chrono::nanoseconds took) = 0;
  virtual void upstreamAnswered(const std::string& server, std::chrono::nanoseconds took) = 0;
};

}  // namespace agentguard::gate::server

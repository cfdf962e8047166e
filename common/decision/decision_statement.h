#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result/result.h"

namespace agentguard::decision {

constexpr std::string_view kStatementType = "https://in-toto.io/Statement/v1";
constexpr std::string_view kVerificationSummaryType = "https://slsa.dev/verification_summary/v1";
// The URI-named extension field of the predicate that carries agentguard's own facts.
constexpr std::string_view kDecisionField = "https://agentguard.io/decision/v1";

struct DecisionFinding {
  std::string rule;
  std::string severity;
  std::string path;
};

// One tool call through agentguard-gate (a record of kind "toolcall"): who called, what, and the rule that
// decided. The record's subject is the call's arguments, named by `argumentsDigest`.
struct ToolCall {
  std::string server;  // tools.servers[].name
  std::string tool;    // params.name of tools/call; "" for other methods
  std::string method;  // the JSON-RPC method
  std::string callerNamespace;
  std::string sandbox;
  std::string pod;
  std::string serviceAccount;
  std::string sourceIp;  // the caller's connection
  std::string rule;             // "" when allowed
  std::string reason;           // "" when allowed
  std::string argumentsDigest;  // hex SHA-256 of the RFC 8785 form of params.arguments
};

// What one admission decision (or, with `toolCall` set, one tool call) was about and what was decided.
struct Decision {
  std::string verifierId;    // who decided, e.g. "https://agentguard.io/webhook"
  std::string timeVerified;  // RFC 3339 UTC
  std::string group;         // "" for the core group
  std::string version;
  std::string kind;
  std::string namespace_;    // "" for cluster-scoped objects
  std::string name;
  nlohmann::json object;     // request.object (null on DELETE)
  std::string policyUri;
  std::string policyDigest;  // hex SHA-256 of the loaded policy set
  bool passed = true;        // verificationResult PASSED / FAILED
  std::string uid;
  std::string operation;
  bool dryRun = false;
  std::string user;
  std::vector<std::string> groups;
  std::string action;  // allow | warn | deny | audit
  std::string mode;    // enforce | warn | audit: the webhook's --enforcement-mode
  std::vector<DecisionFinding> findings;
  // Set for a tool call: the record then has `kind: toolcall` and the tool call's facts instead of the
  // admission request's (group, version, kind, name, object, uid, operation, dryRun, user, groups and
  // findings are not used).
  std::optional<ToolCall> toolCall;
};

// Where a record sits in its writer's chain: prev is the hex SHA-256 of the previous record's payload
// bytes, "" for seq 0.
struct LogPosition {
  std::string origin;
  std::uint64_t seq = 0;
  std::string prev;
};

// "group/version/Kind/namespace/name", the core group written "core", a cluster-scoped object with an
// empty namespace segment; for a tool call "toolcall/namespace/sandbox/server/tool" (the method when the
// call names no tool).
std::string subjectName(const Decision& decision);

// The in-toto Statement v1 with the SLSA Verification Summary v1 predicate, as RFC 8785 canonical JSON
// (the bytes a DSSE envelope carries). InvalidArgument when request.object cannot be canonicalized, or a
// tool call's argumentsDigest is not 64 lower-case hex digits.
Result<std::string> statementPayload(const Decision& decision, const LogPosition& position);

// The log position recorded in a statement payload; InvalidArgument naming the missing field.
Result<LogPosition> positionOf(const nlohmann::json& statement);

}  // namespace agentguard::decision

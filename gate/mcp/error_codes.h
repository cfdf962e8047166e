#pragma once

#include <string_view>

namespace agentguard::gate::mcp {

// JSON-RPC error codes of the gate's denials (docs/tool-gate.md), and the standard ones it also uses.
inline constexpr int kToolNotAllowed = -32011;
inline constexpr int kMethodNotAllowed = -32012;
inline constexpr int kArgumentRefused = -32013;
inline constexpr int kCallerRefused = -32014;
inline constexpr int kUpstreamUnavailable = -32015;
inline constexpr int kRecordUnwritable = -32016;
inline constexpr int kBatchRefused = -32017;
inline constexpr int kRequestTooLarge = -32018;
inline constexpr int kPolicyUnavailable = -32019;
inline constexpr int kHeaderMismatch = -32020;
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;

// The `rule` ids in a denial's data.
inline constexpr std::string_view kRuleToolNotAllowed = "tools.tool-not-allowed";
inline constexpr std::string_view kRuleMethodNotAllowed = "tools.method-not-allowed";
inline constexpr std::string_view kRuleArgument = "tools.argument";
inline constexpr std::string_view kRuleCaller = "tools.caller";
inline constexpr std::string_view kRuleHeaderMismatch = "tools.header-mismatch";
inline constexpr std::string_view kRuleBatch = "tools.batch";
inline constexpr std::string_view kRuleSize = "tools.size";
inline constexpr std::string_view kRuleUpstream = "tools.upstream";
inline constexpr std::string_view kRuleRecord = "tools.record";
// Not in the contract's list: messages that are not JSON-RPC at all.
inline constexpr std::string_view kRuleInvalid = "tools.invalid";

// The error's `message`: "ToolNotAllowed", "ParseError", ...; "Error" for a code not listed above.
std::string_view errorMessage(int code);

}  // namespace agentguard::gate::mcp

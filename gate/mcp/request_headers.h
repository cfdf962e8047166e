#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "gate/mcp/json_rpc_message.h"

namespace agentguard::gate::mcp {

// Request headers with lower-cased names ("mcp-method", "mcp-name", "mcp-protocol-version"); a header
// sent twice is one entry with the values joined by ", ", as HTTP allows.
using HeaderMap = std::map<std::string, std::string, std::less<>>;

// The protocol revision from which Mcp-Method (and Mcp-Name, when the body names something) are
// required (SEP-2243).
inline constexpr std::string_view kHeadersRequiredFrom = "2026-07-28";

// The name the body acts on, which Mcp-Name must repeat: params.name for tools/call and prompts/get,
// params.uri for resources/*; nullopt when the method names nothing or the value is not a string.
std::optional<std::string> messageTargetName(const JsonRpcMessage& message);

// Checks Mcp-Method and Mcp-Name against the parsed body: when present they must equal the body's
// method and name; from MCP-Protocol-Version kHeadersRequiredFrom on, Mcp-Method is required for
// requests and notifications, and Mcp-Name whenever the body names something. Returns why they do
// not agree (the reason of a kHeaderMismatch denial), or nullopt.
std::optional<std::string> headerMismatch(const JsonRpcMessage& message, const HeaderMap& headers);

}  // namespace agentguard::gate::mcp

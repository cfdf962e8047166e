#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace agentguard::gate::mcp {

// One JSON-RPC 2.0 message an agent posted, read strictly.
struct JsonRpcMessage {
  enum class Kind { kRequest, kNotification, kResponse };
  Kind kind = Kind::kRequest;
  nlohmann::json id;      // string or integer; null for notifications
  std::string method;     // empty for responses
  nlohmann::json params;  // object or array; null when absent
  nlohmann::json body;    // the whole message
};

// Why a body is not one JSON-RPC message the gate decides; the app answers with jsonRpcError and
// HTTP 400 (413 for kRequestTooLarge).
struct JsonRpcReadFailure {
  int code = 0;           // kParseError, kInvalidRequest, kBatchRefused or kRequestTooLarge
  std::string rule;       // kRuleInvalid, kRuleBatch or kRuleSize
  std::string reason;     // what is wrong and the fix
  nlohmann::json id;      // the message's id when it could be read, else null
};

using JsonRpcRead = std::variant<JsonRpcMessage, JsonRpcReadFailure>;

inline constexpr size_t kDefaultMaxMessageBytes = 4u * 1024u * 1024u;
inline constexpr int kMaxMessageDepth = 64;

// Reads one message with the strict JSON reader (duplicate keys, invalid UTF-8, depth beyond
// kMaxMessageDepth refused): a JSON error is kParseError; an array (a batch) kBatchRefused; a body over
// maxBytes kRequestTooLarge; anything but an object with "jsonrpc":"2.0" and either a string "method"
// (with an "id" that is a string or an integer for a request, none for a notification, and
// "params" an object or array when present) or an "id" with exactly one of "result" and "error" (a
// response to a server's request) is kInvalidRequest.
JsonRpcRead readJsonRpcMessage(std::string_view body, size_t maxBytes = kDefaultMaxMessageBytes);

}  // namespace agentguard::gate::mcp

#include "gate/mcp/json_rpc_message.h"

#include <utility>

#include "common/manifest/strict_json.h"
#include "gate/mcp/error_codes.h"

namespace agentguard::gate::mcp {
namespace {

using Json = nlohmann::json;

JsonRpcReadFailure failure(int code, std::string_view rule, std::string reason, Json id = nullptr) {
  return JsonRpcReadFailure{code, std::string(rule), std::move(reason), std::move(id)};
}

// MCP ids are strings or integers, never null (JSON-RPC keeps null for answers to unreadable requests).
bool isValidId(const Json& id) { return id.is_string() || id.is_number_integer(); }

}  // namespace

JsonRpcRead readJsonRpcMessage(std::string_view body, size_t maxBytes) {
  if (body.size() > maxBytes) {
    return failure(kRequestTooLarge, kRuleSize,
                   "the body is " + std::to_string(body.size()) + " bytes, over the gate's limit of " +
                       std::to_string(maxBytes) + "; send a smaller message");
  }
  manifest::ParseLimits limits;
  limits.maxInputBytes = maxBytes;
  limits.maxDepth = kMaxMessageDepth;
  Result<Json> parsed = manifest::parseStrictJson(body, limits);
  if (!parsed) {
    return failure(kParseError, kRuleInvalid,
                   "the body is not JSON the gate accepts (" + parsed.error().message +
                       "); send one JSON object without duplicate keys");
  }
  Json message = std::move(parsed).value();
  if (message.is_array()) {
    return failure(kBatchRefused, kRuleBatch, "JSON-RPC batches are refused; send one message per request");
  }
  if (!message.is_object()) {
    return failure(kInvalidRequest, kRuleInvalid, "the body is not a JSON-RPC message object; send {\"jsonrpc\":\"2.0\",...}");
  }
  Json id = nullptr;
  const auto idField = message.find("id");
  if (idField != message.end()) {
    if (!isValidId(*idField)) {
      return failure(kInvalidRequest, kRuleInvalid, "id must be a string or an integer; number each request");
    }
    id = *idField;
  }
  const auto version = message.find("jsonrpc");
  if (version == message.end() || *version != "2.0") {
    return failure(kInvalidRequest, kRuleInvalid, "jsonrpc must be \"2.0\"", id);
  }
  JsonRpcMessage read;
  read.id = id;
  const auto method = message.find("method");
  if (method != message.end()) {
    if (!method->is_string()) return failure(kInvalidRequest, kRuleInvalid, "method must be a string", id);
    if (message.contains("result") || message.contains("error")) {
      return failure(kInvalidRequest, kRuleInvalid, "a request has no result or error; send one or the other", id);
    }
    read.method = method->get<std::string>();
    read.kind = idField == message.end() ? JsonRpcMessage::Kind::kNotification : JsonRpcMessage::Kind::kRequest;
    if (const auto params = message.find("params"); params != message.end()) {
      if (!params->is_object() && !params->is_array()) {
        return failure(kInvalidRequest, kRuleInvalid, "params must be an object or an array", id);
      }
      read.params = *params;
    }
  } else {
    const bool hasResult = message.contains("result");
    const bool hasError = message.contains("error");
    if (idField == message.end() || hasResult == hasError || message.contains("params")) {
      return failure(kInvalidRequest, kRuleInvalid,
                     "the message is neither a request (method) nor a response (id with result or error)", id);
    }
    read.kind = JsonRpcMessage::Kind::kResponse;
  }
  read.body = std::move(message);
  return read;
}

}  // namespace agentguard::gate::mcp

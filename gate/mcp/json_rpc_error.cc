#include "gate/mcp/json_rpc_error.h"

#include <string>

#include "common/manifest/utf8.h"

namespace agentguard::gate::mcp {
namespace {

// `text` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD.
std::string validUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    char32_t point = 0;
    const size_t length = manifest::decodeUtf8(text, at, point);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      ++at;
      continue;
    }
    out.append(text.substr(at, length));
    at += length;
  }
  return out;
}

}  // namespace

nlohmann::json jsonRpcError(const nlohmann::json& id, int code, std::string_view message, std::string_view rule,
                            std::string_view reason, std::string_view recordId) {
  nlohmann::json data = nlohmann::json::object();
  data["rule"] = validUtf8(rule);
  data["reason"] = validUtf8(reason);
  data["record"] = validUtf8(recordId);
  nlohmann::json error = nlohmann::json::object();
  error["code"] = code;
  error["message"] = validUtf8(message);
  error["data"] = std::move(data);
  nlohmann::json body = nlohmann::json::object();
  body["jsonrpc"] = "2.0";
  body["id"] = id.is_string() || id.is_number_integer() ? id : nlohmann::json(nullptr);
  body["error"] = std::move(error);
  return body;
}

}  // namespace agentguard::gate::mcp

#include "gate/server/json_rpc_error.h"

namespace agentguard::gate::server {

std::string jsonRpcError(const nlohmann::json& id, int code, std::string_view message, std::string_view rule,
                         std::string_view reason, std::string_view record) {
  const nlohmann::json error = {
      {"jsonrpc", "2.0"},
      {"id", id.is_string() || id.is_number_integer() ? id : nlohmann::json(nullptr)},
      {"error",
       {{"code", code},
        {"message", message},
        {"data", {{"rule", rule}, {"reason", reason}, {"record", record}}}}},
  };
  // Replaces invalid UTF-8 the agent may have sent in a name echoed by a reason, rather than throwing.
  return error.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace agentguard::gate::server

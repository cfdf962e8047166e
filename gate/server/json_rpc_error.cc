#include "gate/server/json_rpc_error.h"

#include "gate/mcp/json_rpc_error.h"

namespace agentguard::gate::server {

std::string jsonRpcError(const nlohmann::json& id, int code, std::string_view message, std::string_view rule,
                         std::string_view reason, std::string_view record) {
  // The body is the policy library's; it has already made every string valid UTF-8, so it serialises.
  return mcp::jsonRpcError(id, code, message, rule, reason, record).dump();
}

}  // namespace agentguard::gate::server

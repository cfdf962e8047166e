#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace agentguard::gate::server {

// {"jsonrpc":"2.0","id":<id>,"error":{"code":C,"message":M,"data":{"rule":R,"reason":T,"record":D}}}:
// the refusal an agent reads and acts on, as mcp::jsonRpcError builds it, serialised. `record` is the
// decision record's id, "" when none was written.
std::string jsonRpcError(const nlohmann::json& id, int code, std::string_view message, std::string_view rule,
                         std::string_view reason, std::string_view record);

}  // namespace agentguard::gate::server

#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace agentguard::gate::mcp {

// The body of a denial:
// {"jsonrpc":"2.0","id":<id>,"error":{"code":C,"message":M,"data":{"rule":R,"reason":T,"record":D}}}.
// `message` is usually errorMessage(code); `recordId` is the decision record's id (hex SHA-256 of its
// statement), empty when none was written. Reason strings that are not valid UTF-8 have the bad bytes
// replaced, so the body always serialises.
nlohmann::json jsonRpcError(const nlohmann::json& id, int code, std::string_view message, std::string_view rule,
                            std::string_view reason, std::string_view recordId);

}  // namespace agentguard::gate::mcp

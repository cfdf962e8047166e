#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/result/result.h"

namespace agentguard::gate::mcp {

// The subject digest of a tool call's record: lower-case hex SHA-256 of the RFC 8785 canonical form of
// params.arguments (of `null` when the call has none). InvalidArgument when they have no canonical form
// (a number beyond the double range, which the JSON reader reads as infinity).
Result<std::string> argumentsDigest(const nlohmann::json& arguments);

}  // namespace agentguard::gate::mcp

#pragma once

#include <string>
#include <string_view>

namespace agentguard::decision {

// The raw 32-byte SHA-256 of `bytes`.
std::string sha256(std::string_view bytes);
// Lower-case hex SHA-256 of `bytes`.
std::string sha256Hex(std::string_view bytes);

}  // namespace agentguard::decision

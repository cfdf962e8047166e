#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace agentguard::manifest {

// Resolves an unquoted YAML scalar to a JSON value with the YAML 1.1 rules Kubernetes applies
// (go-yaml v2): null (~, null, empty), booleans (y/yes/on/true and n/no/off/false in three casings),
// integers in Go base-0 syntax with underscores (0x1F, 0o17, 0b101, 0777 octal), floats, else a string.
nlohmann::json resolvePlainScalar(std::string_view text);

// The JSON object key Kubernetes derives from a plain scalar used as a mapping key (true -> "true", 0x10 -> "16").
std::string plainScalarKey(std::string_view text);

}  // namespace agentguard::manifest

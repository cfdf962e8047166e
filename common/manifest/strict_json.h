#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "common/manifest/parse_limits.h"
#include "common/result/result.h"

namespace agentguard::manifest {

// Parses one JSON value from untrusted text. Unlike nlohmann::json::parse it rejects duplicate object
// keys (a parser-differential bypass: one reader takes the first value, another the last), bounds the
// input size, the nesting depth and the number of values, and never throws: every problem is an
// InvalidArgument naming the line and column, or the field path of a duplicate key. What it accepts,
// nlohmann::json::parse reads the same way.
Result<nlohmann::json> parseStrictJson(std::string_view text, const ParseLimits& limits = {});

}  // namespace agentguard::manifest

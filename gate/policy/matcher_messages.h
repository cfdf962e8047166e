#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result/result.h"

namespace agentguard::gate::policy {

// How matchers word what they report: an error at a policy field path, and a quoted value.

// InvalidArgument "<path>: <problem>".
inline Error policyError(std::string_view path, std::string_view problem) {
  return makeError(ErrorCode::kInvalidArgument, std::string(path) + ": " + std::string(problem));
}

// `value` as JSON text, cut after `maxBytes` bytes with "..." so a long argument does not fill a message.
std::string quotedForMessage(const nlohmann::json& value, size_t maxBytes = 128);

}  // namespace agentguard::gate::policy

#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result/result.h"
#include "gate/policy/refusal.h"

namespace agentguard::gate::policy {

// `maxLength: N`: the value must be a string of at most N Unicode code points (its UTF-8 is well formed:
// the strict JSON reader refuses anything else). Non-strings are refused.
class MaxLengthMatcher {
 public:
  static Result<MaxLengthMatcher> parse(const nlohmann::json& spec, std::string_view path);
  Refusal check(const nlohmann::json& value, std::string_view location) const;
  size_t limit() const { return limit_; }

 private:
  size_t limit_ = 0;
};

// Code points in well-formed UTF-8 `text` (bytes that are not continuation bytes).
size_t countCodePoints(std::string_view text);

}  // namespace agentguard::gate::policy

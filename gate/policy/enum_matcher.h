#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result/result.h"
#include "gate/policy/refusal.h"

namespace agentguard::gate::policy {

// `enum: [...]`: the value must equal one of the listed scalars (strings, numbers, booleans); a string
// is compared byte for byte, so "OPS@example.com" is not "ops@example.com".
class EnumMatcher {
 public:
  // `path` is where the list sits ("spec.tools.servers[0].arguments.send_email./to.enum").
  static Result<EnumMatcher> parse(const nlohmann::json& spec, std::string_view path);
  // `location` names the matcher in messages ("tools.servers[mail].arguments.send_email./to").
  Refusal check(const nlohmann::json& value, std::string_view location) const;

 private:
  std::vector<nlohmann::json> allowed_;
};

}  // namespace agentguard::gate::policy

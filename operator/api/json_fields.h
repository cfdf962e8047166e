#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace agentguard::op::json_fields {

// Reading untrusted JSON without throwing: a member that is missing, null or of another type reads as absent.

// The member `name` of `object`, or nullptr when `object` is no object or the member is missing or null. Defined
// out of line: inlined into the class checks, g++ 12 reports a null dereference inside nlohmann's find() that
// cannot happen (-Wnull-dereference), depending on unrelated inlining choices.
const nlohmann::json* field(const nlohmann::json& object, std::string_view name);

// The string member `name`, or "" (also when `object` is nullptr).
inline std::string stringAt(const nlohmann::json* object, std::string_view name) {
  const nlohmann::json* value = object == nullptr ? nullptr : field(*object, name);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

// The array member `name`, or an empty array.
inline const nlohmann::json& listAt(const nlohmann::json& object, std::string_view name) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  const nlohmann::json* value = field(object, name);
  return value != nullptr && value->is_array() ? *value : kEmpty;
}

}  // namespace agentguard::op::json_fields

#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace agentguard::op::json_fields {

// Reading untrusted JSON without throwing: a member that is missing, null or of another type reads as absent.

// The member `name` of `object`, or nullptr when `object` is no object or the member is missing or null.
inline const nlohmann::json* field(const nlohmann::json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

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

#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace agentguard::kube {

// The member `key` of a JSON object; nullptr when `object` is not an object or lacks it.
inline const nlohmann::json* jsonMember(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto& members = object.get_ref<const nlohmann::json::object_t&>();
  const auto it = members.find(key);
  return it == members.end() ? nullptr : &it->second;
}

// The string member `key`, or "" when it is missing or not a string.
inline std::string jsonString(const nlohmann::json& object, std::string_view key) {
  const nlohmann::json* value = jsonMember(object, key);
  return (value != nullptr && value->is_string()) ? value->get<std::string>() : std::string();
}

// metadata.<key> as a string ("name", "namespace", "resourceVersion", "uid", "continue").
inline std::string metadataString(const nlohmann::json& object, std::string_view key) {
  const nlohmann::json* metadata = jsonMember(object, "metadata");
  return metadata != nullptr ? jsonString(*metadata, key) : std::string();
}

}  // namespace agentguard::kube

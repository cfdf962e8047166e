#include "operator/api/json_fields.h"

namespace agentguard::op::json_fields {

const nlohmann::json* field(const nlohmann::json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

}  // namespace agentguard::op::json_fields

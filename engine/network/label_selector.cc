#include "engine/network/label_selector.h"

#include <string>

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;

const std::string* labelValue(const Json* labels, const std::string& key) {
  if (labels == nullptr || !labels->is_object()) return nullptr;
  const auto it = labels->find(key);
  if (it == labels->end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

Result<bool> expressionMatches(const Json& expression, const Json* labels) {
  if (!expression.is_object()) return makeError(ErrorCode::kInvalidArgument, "matchExpressions item is not a mapping");
  const auto key = expression.find("key");
  const auto op = expression.find("operator");
  if (key == expression.end() || !key->is_string() || op == expression.end() || !op->is_string()) {
    return makeError(ErrorCode::kInvalidArgument, "matchExpressions item needs a key and an operator");
  }
  const std::string* value = labelValue(labels, key->get_ref<const std::string&>());
  const std::string& name = op->get_ref<const std::string&>();
  const auto values = expression.find("values");
  const bool hasValues = values != expression.end() && values->is_array() && !values->empty();
  if (name == "Exists" || name == "DoesNotExist") {
    if (hasValues) return makeError(ErrorCode::kInvalidArgument, "operator " + name + " takes no values");
    return (value != nullptr) == (name == "Exists");
  }
  if (name != "In" && name != "NotIn") {
    return makeError(ErrorCode::kInvalidArgument, "unknown selector operator \"" + name + "\"");
  }
  if (!hasValues) return makeError(ErrorCode::kInvalidArgument, "operator " + name + " needs values");
  bool listed = false;
  for (const auto& candidate : *values) {
    if (!candidate.is_string()) return makeError(ErrorCode::kInvalidArgument, "selector values must be strings");
    if (value != nullptr && candidate.get_ref<const std::string&>() == *value) listed = true;
  }
  return name == "In" ? listed : !listed;
}

}  // namespace

Result<bool> selectorMatches(const Json& selector, const Json* labels) {
  if (selector.is_null()) return true;
  if (!selector.is_object()) return makeError(ErrorCode::kInvalidArgument, "label selector is not a mapping");
  if (const auto matchLabels = selector.find("matchLabels"); matchLabels != selector.end() && !matchLabels->is_null()) {
    if (!matchLabels->is_object()) return makeError(ErrorCode::kInvalidArgument, "matchLabels is not a mapping");
    for (const auto& [key, expected] : matchLabels->items()) {
      if (!expected.is_string()) return makeError(ErrorCode::kInvalidArgument, "matchLabels values must be strings");
      const std::string* value = labelValue(labels, key);
      if (value == nullptr || *value != expected.get_ref<const std::string&>()) return false;
    }
  }
  if (const auto expressions = selector.find("matchExpressions");
      expressions != selector.end() && !expressions->is_null()) {
    if (!expressions->is_array()) return makeError(ErrorCode::kInvalidArgument, "matchExpressions is not a list");
    for (const auto& expression : *expressions) {
      auto matched = expressionMatches(expression, labels);
      if (!matched) return matched;
      if (!*matched) return false;
    }
  }
  return true;
}

}  // namespace agentguard::engine

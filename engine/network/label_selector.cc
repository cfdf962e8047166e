#include "engine/network/label_selector.h"

#include <string>

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;

// One requirement against one label: `listed` tells whether a known value is among the values.
SelectorMatch requirement(std::string_view op, const PodLabels::Value* value, bool listed) {
  const bool present = value != nullptr;
  if (op == "Exists") return present ? SelectorMatch::kAll : SelectorMatch::kNone;
  if (op == "DoesNotExist") return present ? SelectorMatch::kNone : SelectorMatch::kAll;
  if (present && value->varies) return SelectorMatch::kSome;
  const bool in = present && listed;
  if (op == "In") return in ? SelectorMatch::kAll : SelectorMatch::kNone;
  return in ? SelectorMatch::kNone : SelectorMatch::kAll;  // NotIn
}

Result<SelectorMatch> expressionMatch(const Json& expression, const PodLabels& labels) {
  if (!expression.is_object()) return makeError(ErrorCode::kInvalidArgument, "matchExpressions item is not a mapping");
  const auto key = expression.find("key");
  const auto op = expression.find("operator");
  if (key == expression.end() || !key->is_string() || op == expression.end() || !op->is_string()) {
    return makeError(ErrorCode::kInvalidArgument, "matchExpressions item needs a key and an operator");
  }
  const PodLabels::Value* value = labels.find(key->get_ref<const std::string&>());
  const std::string& name = op->get_ref<const std::string&>();
  const auto values = expression.find("values");
  const bool hasValues = values != expression.end() && values->is_array() && !values->empty();
  if (name == "Exists" || name == "DoesNotExist") {
    if (hasValues) return makeError(ErrorCode::kInvalidArgument, "operator " + name + " takes no values");
    return requirement(name, value, false);
  }
  if (name != "In" && name != "NotIn") {
    return makeError(ErrorCode::kInvalidArgument, "unknown selector operator \"" + name + "\"");
  }
  if (!hasValues) return makeError(ErrorCode::kInvalidArgument, "operator " + name + " needs values");
  bool listed = false;
  for (const auto& candidate : *values) {
    if (!candidate.is_string()) return makeError(ErrorCode::kInvalidArgument, "selector values must be strings");
    if (value != nullptr && !value->varies && candidate.get_ref<const std::string&>() == value->text) listed = true;
  }
  return requirement(name, value, listed);
}

// A selector's requirements all hold: none if one matches no pod, some if one matches only some.
SelectorMatch both(SelectorMatch a, SelectorMatch b) { return a < b ? a : b; }

}  // namespace

Result<SelectorMatch> selectorMatch(const Json& selector, const PodLabels& labels) {
  if (selector.is_null()) return SelectorMatch::kAll;
  if (!selector.is_object()) return makeError(ErrorCode::kInvalidArgument, "label selector is not a mapping");
  SelectorMatch match = SelectorMatch::kAll;
  if (const auto matchLabels = selector.find("matchLabels"); matchLabels != selector.end() && !matchLabels->is_null()) {
    if (!matchLabels->is_object()) return makeError(ErrorCode::kInvalidArgument, "matchLabels is not a mapping");
    for (const auto& [key, expected] : matchLabels->items()) {
      if (!expected.is_string()) return makeError(ErrorCode::kInvalidArgument, "matchLabels values must be strings");
      const PodLabels::Value* value = labels.find(key);
      const bool listed = value != nullptr && value->text == expected.get_ref<const std::string&>();
      match = both(match, requirement("In", value, listed));
    }
  }
  if (const auto expressions = selector.find("matchExpressions");
      expressions != selector.end() && !expressions->is_null()) {
    if (!expressions->is_array()) return makeError(ErrorCode::kInvalidArgument, "matchExpressions is not a list");
    for (const auto& expression : *expressions) {
      auto matched = expressionMatch(expression, labels);
      if (!matched) return matched;
      match = both(match, *matched);
    }
  }
  return match;
}

}  // namespace agentguard::engine

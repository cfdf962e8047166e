#include "engine/rules/privilege/security_context.h"

namespace agentguard::engine::privilege {
namespace {

using Json = nlohmann::json;

void appendQuoted(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

std::string_view jsonTypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    case Json::value_t::number_float: return "a number";
    case Json::value_t::object: return "a mapping";
    case Json::value_t::array: return "a list";
    default: return "null";
  }
}

}  // namespace

const Json* presentField(const Json* object, std::string_view key) {
  const Json* value = field(object, key);
  return value != nullptr && !value->is_null() ? value : nullptr;
}

Setting<bool> boolSetting(const Json* object, std::string_view key) {
  Setting<bool> setting;
  setting.raw = presentField(object, key);
  if (setting.raw != nullptr && setting.raw->is_boolean()) setting.value = setting.raw->get<bool>();
  return setting;
}

Setting<int64_t> intSetting(const Json* object, std::string_view key) {
  Setting<int64_t> setting;
  setting.raw = presentField(object, key);
  if (setting.raw != nullptr) setting.value = intField(object, key);
  return setting;
}

Setting<std::string_view> stringSetting(const Json* object, std::string_view key) {
  Setting<std::string_view> setting;
  setting.raw = presentField(object, key);
  if (setting.raw != nullptr && setting.raw->is_string()) {
    setting.value = std::string_view(setting.raw->get_ref<const std::string&>());
  }
  return setting;
}

SecurityContexts::SecurityContexts(const PodTemplateRef& pod)
    : template_(&pod), pod_(objectField(pod.spec, "securityContext")) {}

const Json* SecurityContexts::of(const ContainerRef& container) {
  return objectField(container.container, "securityContext");
}

Resolved SecurityContexts::resolve(const ContainerRef& container, std::string_view key) const {
  if (const Json* own = presentField(of(container), key)) return {own, Origin::kContainer};
  if (const Json* inherited = presentField(pod_, key)) return {inherited, Origin::kPod};
  return {};
}

std::string SecurityContexts::podPath(std::string_view key) const {
  std::string path = template_->specPath;
  path += ".securityContext.";
  path += key;
  return path;
}

std::string SecurityContexts::containerPath(const ContainerRef& container, std::string_view key) {
  std::string path = container.path;
  path += ".securityContext.";
  path += key;
  return path;
}

bool isWindowsPod(const PodTemplateRef& pod) {
  return stringField(objectField(pod.spec, "os"), "name").value_or("") == "windows";
}

std::string describeContainer(const ContainerRef& container) {
  std::string text;
  switch (container.list) {
    case ContainerList::kContainers: break;
    case ContainerList::kInitContainers: text = "init "; break;
    case ContainerList::kEphemeralContainers: text = "ephemeral "; break;
  }
  text += "container ";
  appendQuoted(text, container.name);
  return text;
}

std::string describeContainers(const std::vector<const ContainerRef*>& containers) {
  if (containers.size() == 1) return describeContainer(*containers.front());
  std::string text = "containers ";
  for (size_t i = 0; i < containers.size(); ++i) {
    if (i > 0) text += i + 1 == containers.size() ? " and " : ", ";
    appendQuoted(text, containers[i]->name);
  }
  return text;
}

std::string ContextScope::who() const { return container != nullptr ? describeContainer(*container) : "the pod"; }

std::string ContextScope::path(std::string_view key) const {
  return container != nullptr ? SecurityContexts::containerPath(*container, key) : contexts->podPath(key);
}

std::string describeValue(const Json& value) {
  if (value.is_string()) {
    std::string text;
    appendQuoted(text, value.get_ref<const std::string&>());
    return text;
  }
  if (value.is_boolean() || value.is_number()) return value.dump();
  return std::string(jsonTypeName(value));
}

std::string describeMistyped(const Json& value, std::string_view expectedType) {
  std::string text = describeValue(value);
  if (value.is_object() || value.is_array()) {
    text += ", not ";
  } else {
    text += " (";
    text += jsonTypeName(value);
    text += ", not ";
  }
  text += expectedType;
  if (!value.is_object() && !value.is_array()) text += ')';
  return text;
}

}  // namespace agentguard::engine::privilege

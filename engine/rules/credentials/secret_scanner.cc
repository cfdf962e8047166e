#include "engine/rules/credentials/secret_scanner.h"

#include <array>

#include "common/manifest/field_path.h"

namespace agentguard::engine::credentials {
namespace {

using Json = nlohmann::json;
using manifest::FieldPath;
using Visit = std::function<void(const TextPlace&)>;

constexpr std::array<std::string_view, 3> kProbes = {"livenessProbe", "readinessProbe", "startupProbe"};
constexpr std::array<std::string_view, 2> kLifecycleHooks = {"postStart", "preStop"};
constexpr std::array<std::string_view, 2> kLifecycleHookPaths = {"lifecycle.postStart", "lifecycle.preStop"};

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string_view stringRef(const Json& value) { return value.get_ref<const std::string&>(); }

void visitStrings(const Json* list, PlaceKind kind, TextPlace& place, const Visit& visit) {
  if (list == nullptr) return;
  for (size_t i = 0; i < list->size(); ++i) {
    if (!(*list)[i].is_string()) continue;
    place.kind = kind;
    place.text = stringRef((*list)[i]);
    place.key = {};
    place.index = i;
    visit(place);
  }
}

// The "name" and the literal "value" of an env entry or an HTTP header, found in one pass over its members
// (an entry has two or three of them; looking each up in the map costs more than walking them).
struct NamedValue {
  std::string_view name;
  const Json* value = nullptr;  // null when there is no string "value" (env[].valueFrom: a reference)
};

NamedValue namedValue(const Json& entry) {
  NamedValue result;
  if (!entry.is_object()) return result;
  for (const auto& [key, member] : entry.get_ref<const Json::object_t&>()) {
    if (!member.is_string()) continue;
    if (key == "name") result.name = stringRef(member);
    else if (key == "value") result.value = &member;
  }
  return result;
}

// Lists of entries whose string "value" is visited, with the entry's "name" as the key.
void visitNamedValues(const Json* list, PlaceKind kind, TextPlace& place, const Visit& visit) {
  if (list == nullptr) return;
  for (size_t i = 0; i < list->size(); ++i) {
    const NamedValue entry = namedValue((*list)[i]);
    if (entry.value == nullptr) continue;
    place.kind = kind;
    place.text = stringRef(*entry.value);
    place.key = entry.name;
    place.index = i;
    visit(place);
  }
}

// The member named `key` of an object, if it is of the type `is` checks, found by walking the members:
// the objects here (handlers, httpGet) have a handful of them.
template <typename TypeCheck>
const Json* memberOf(const Json* object, std::string_view key, TypeCheck is) {
  if (object == nullptr || !object->is_object()) return nullptr;
  for (const auto& [name, member] : object->get_ref<const Json::object_t&>()) {
    if (name == key) return is(member) ? &member : nullptr;
  }
  return nullptr;
}

bool isArray(const Json& value) { return value.is_array(); }
bool isObject(const Json& value) { return value.is_object(); }

// exec.command and httpGet.httpHeaders of a probe or lifecycle handler.
void visitHandler(const Json* handler, std::string_view hook, TextPlace& place, const Visit& visit) {
  if (handler == nullptr) return;
  place.hook = hook;
  visitStrings(memberOf(memberOf(handler, "exec", isObject), "command", isArray), PlaceKind::kHookCommand, place,
               visit);
  visitNamedValues(memberOf(memberOf(handler, "httpGet", isObject), "httpHeaders", isArray), PlaceKind::kHttpHeader,
                   place, visit);
  place.hook = {};
}

// The members of a container that hold text, found in one pass over the container's members instead of
// one map lookup per field name.
struct ContainerFields {
  std::string_view name;
  const Json* env = nullptr;
  const Json* args = nullptr;
  const Json* command = nullptr;
  std::array<const Json*, kProbes.size()> probes{};  // in kProbes order
  const Json* lifecycle = nullptr;
};

ContainerFields containerFields(const Json& container) {
  ContainerFields fields;
  for (const auto& [key, member] : container.get_ref<const Json::object_t&>()) {
    if (member.is_string()) {
      if (key == "name") fields.name = stringRef(member);
    } else if (member.is_array()) {
      if (key == "env") fields.env = &member;
      else if (key == "args") fields.args = &member;
      else if (key == "command") fields.command = &member;
    } else if (member.is_object()) {
      if (key == "lifecycle") fields.lifecycle = &member;
      for (size_t i = 0; i < kProbes.size(); ++i) {
        if (key == kProbes[i]) fields.probes[i] = &member;
      }
    }
  }
  return fields;
}

// `container` is a JSON object (ObjectView and walkForContainers only hand over objects).
void visitContainer(const Json& container, std::string_view path, const Visit& visit) {
  const ContainerFields fields = containerFields(container);
  TextPlace place;
  place.base = path;
  place.container = fields.name;
  visitNamedValues(fields.env, PlaceKind::kEnvValue, place, visit);
  visitStrings(fields.args, PlaceKind::kArgument, place, visit);
  visitStrings(fields.command, PlaceKind::kCommand, place, visit);
  for (size_t i = 0; i < kProbes.size(); ++i) visitHandler(fields.probes[i], kProbes[i], place, visit);
  for (size_t i = 0; i < kLifecycleHooks.size(); ++i) {
    visitHandler(memberOf(fields.lifecycle, kLifecycleHooks[i], isObject), kLifecycleHookPaths[i], place, visit);
  }
}

void visitAnnotations(const Json* metadata, std::string_view metadataPath, PlaceKind kind, const Visit& visit) {
  const Json* annotations = objectField(metadata, "annotations");
  if (annotations == nullptr) return;
  TextPlace place;
  place.kind = kind;
  place.base = metadataPath;
  for (const auto& [key, value] : annotations->get_ref<const Json::object_t&>()) {
    if (!value.is_string()) continue;
    place.text = stringRef(value);
    place.key = key;
    visit(place);
  }
}

void visitConfigMapData(const Json& body, const Visit& visit) {
  const Json* data = objectField(&body, "data");
  if (data == nullptr) return;
  TextPlace place;
  place.kind = PlaceKind::kConfigMapValue;
  for (const auto& [key, value] : data->get_ref<const Json::object_t&>()) {
    if (!value.is_string()) continue;
    place.text = stringRef(value);
    place.key = key;
    visit(place);
  }
}

// A step of the path from the object's root, kept on the stack while walking so that the path string
// is only built for the few nodes that are containers.
struct PathStep {
  const PathStep* parent = nullptr;
  std::string_view key;
  size_t index = 0;
  bool isIndex = false;
};

FieldPath render(const PathStep* step) {
  if (step == nullptr) return FieldPath();
  const FieldPath parent = render(step->parent);
  return step->isIndex ? parent.index(step->index) : parent.key(step->key);
}

bool isContainerField(std::string_view key) {
  return key == "env" || key == "args" || key == "command" || key == "lifecycle" || key == "livenessProbe" ||
         key == "readinessProbe" || key == "startupProbe";
}

// Containers embedded in custom resources (agent sandboxes, Knative Services, workflow steps): any
// object with a string "image" or an "env" list.
bool looksLikeContainer(const Json::object_t& members) {
  for (const auto& [key, member] : members) {
    if ((key == "image" && member.is_string()) || (key == "env" && member.is_array())) return true;
  }
  return false;
}

// `unwalked` receives the path of the first subtree too deep to walk.
void walkForContainers(const Json& node, const PathStep* step, int depth, const Visit& visit, std::string& unwalked) {
  if (depth > kMaxWalkDepth) {
    if (unwalked.empty()) unwalked = render(step).str();
    return;
  }
  if (node.is_object()) {
    const auto& members = node.get_ref<const Json::object_t&>();
    const bool container = looksLikeContainer(members);
    if (container) visitContainer(node, render(step).str(), visit);
    for (const auto& [key, member] : members) {
      if (!member.is_structured() || (container && isContainerField(key))) continue;
      const PathStep child{step, key, 0, false};
      walkForContainers(member, &child, depth + 1, visit, unwalked);
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) {
      if (!node[i].is_structured()) continue;
      const PathStep child{step, {}, i, true};
      walkForContainers(node[i], &child, depth + 1, visit, unwalked);
    }
  }
}

}  // namespace

std::string TextPlace::path() const {
  FieldPath at(std::string{base});
  switch (kind) {
    case PlaceKind::kEnvValue: return at.key("env").index(index).key("value").str();
    case PlaceKind::kArgument: return at.key("args").index(index).str();
    case PlaceKind::kCommand: return at.key("command").index(index).str();
    case PlaceKind::kHookCommand: return FieldPath(at.str() + "." + std::string(hook)).key("exec").key("command").index(index).str();
    case PlaceKind::kHttpHeader:
      return FieldPath(at.str() + "." + std::string(hook)).key("httpGet").key("httpHeaders").index(index).key("value").str();
    case PlaceKind::kConfigMapValue: return FieldPath("data").key(key).str();
    case PlaceKind::kAnnotation:
    case PlaceKind::kPodAnnotation: return at.key("annotations").key(key).str();
  }
  return at.str();
}

std::string TextPlace::describe() const {
  const std::string of = container.empty() ? " of a container" : " of container " + quoted(container);
  switch (kind) {
    case PlaceKind::kEnvValue: return "env var " + quoted(key) + of;
    case PlaceKind::kArgument: return "args[" + std::to_string(index) + "]" + of;
    case PlaceKind::kCommand: return "command[" + std::to_string(index) + "]" + of;
    case PlaceKind::kHookCommand: return std::string(hook) + " exec.command[" + std::to_string(index) + "]" + of;
    case PlaceKind::kHttpHeader: return std::string(hook) + " HTTP header " + quoted(key) + of;
    case PlaceKind::kConfigMapValue: return "ConfigMap key " + quoted(key);
    case PlaceKind::kAnnotation: return "annotation " + quoted(key);
    case PlaceKind::kPodAnnotation: return "pod template annotation " + quoted(key);
  }
  return path();
}

bool TextPlace::isLastAppliedConfiguration() const {
  return (kind == PlaceKind::kAnnotation || kind == PlaceKind::kPodAnnotation) && key == kLastAppliedAnnotation;
}

std::string forEachTextPlace(const ObjectView& object, const Visit& visit) {
  const Json& body = object.body();
  if ((object.kind() == "Secret" && object.apiVersion() == "v1") || !body.is_object()) return {};
  const Json* metadata = objectField(&body, "metadata");
  visitAnnotations(metadata, "metadata", PlaceKind::kAnnotation, visit);
  if (object.kind() == "ConfigMap") {
    visitConfigMapData(body, visit);
    return {};
  }
  if (const PodTemplateRef* pod = object.podTemplate()) {
    if (pod->metadata != metadata) {
      visitAnnotations(pod->metadata, pod->metadataPath, PlaceKind::kPodAnnotation, visit);
    }
    for (const auto& container : pod->containers) visitContainer(*container.container, container.path, visit);
    return {};
  }
  std::string unwalked;
  for (const auto& [key, member] : body.get_ref<const Json::object_t&>()) {
    if (!member.is_structured() || key == "metadata" || key == "status") continue;
    const PathStep step{nullptr, key, 0, false};
    walkForContainers(member, &step, 1, visit, unwalked);
  }
  return unwalked;
}

}  // namespace agentguard::engine::credentials

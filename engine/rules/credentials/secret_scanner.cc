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
constexpr int kMaxDepth = 24;

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

// exec.command and httpGet.httpHeaders of a probe or lifecycle handler.
void visitHandler(const Json* handler, std::string_view hook, TextPlace& place, const Visit& visit) {
  if (handler == nullptr) return;
  place.hook = hook;
  visitStrings(arrayField(objectField(handler, "exec"), "command"), PlaceKind::kHookCommand, place, visit);
  const Json* headers = arrayField(objectField(handler, "httpGet"), "httpHeaders");
  if (headers != nullptr) {
    for (size_t i = 0; i < headers->size(); ++i) {
      const auto value = stringField(&(*headers)[i], "value");
      if (!value) continue;
      place.kind = PlaceKind::kHttpHeader;
      place.text = *value;
      place.key = stringField(&(*headers)[i], "name").value_or("");
      place.index = i;
      visit(place);
    }
  }
  place.hook = {};
}

void visitContainer(const Json& container, std::string_view path, const Visit& visit) {
  TextPlace place;
  place.base = path;
  place.container = stringField(&container, "name").value_or("");
  if (const Json* env = arrayField(&container, "env")) {
    for (size_t i = 0; i < env->size(); ++i) {
      const auto value = stringField(&(*env)[i], "value");
      if (!value) continue;  // valueFrom: a reference to a Secret or ConfigMap, never a value
      place.kind = PlaceKind::kEnvValue;
      place.text = *value;
      place.key = stringField(&(*env)[i], "name").value_or("");
      place.index = i;
      visit(place);
    }
  }
  visitStrings(arrayField(&container, "args"), PlaceKind::kArgument, place, visit);
  visitStrings(arrayField(&container, "command"), PlaceKind::kCommand, place, visit);
  for (const auto probe : kProbes) visitHandler(objectField(&container, probe), probe, place, visit);
  const Json* lifecycle = objectField(&container, "lifecycle");
  for (size_t i = 0; i < kLifecycleHooks.size(); ++i) {
    visitHandler(objectField(lifecycle, kLifecycleHooks[i]), kLifecycleHookPaths[i], place, visit);
  }
}

void visitAnnotations(const Json* metadata, std::string_view metadataPath, PlaceKind kind, const Visit& visit) {
  const Json* annotations = objectField(metadata, "annotations");
  if (annotations == nullptr) return;
  TextPlace place;
  place.kind = kind;
  place.base = metadataPath;
  for (auto it = annotations->begin(); it != annotations->end(); ++it) {
    if (!it->is_string()) continue;
    place.text = stringRef(*it);
    place.key = it.key();
    visit(place);
  }
}

void visitConfigMapData(const Json& body, const Visit& visit) {
  const Json* data = objectField(&body, "data");
  if (data == nullptr) return;
  TextPlace place;
  place.kind = PlaceKind::kConfigMapValue;
  for (auto it = data->begin(); it != data->end(); ++it) {
    if (!it->is_string()) continue;
    place.text = stringRef(*it);
    place.key = it.key();
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
void walkForContainers(const Json& node, const PathStep* step, int depth, const Visit& visit) {
  if (depth > kMaxDepth) return;
  if (node.is_object()) {
    const bool container = stringField(&node, "image").has_value() || arrayField(&node, "env") != nullptr;
    if (container) visitContainer(node, render(step).str(), visit);
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->is_structured() || (container && isContainerField(it.key()))) continue;
      const PathStep child{step, it.key(), 0, false};
      walkForContainers(*it, &child, depth + 1, visit);
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) {
      if (!node[i].is_structured()) continue;
      const PathStep child{step, {}, i, true};
      walkForContainers(node[i], &child, depth + 1, visit);
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

void forEachTextPlace(const ObjectView& object, const Visit& visit) {
  if (object.kind() == "Secret") return;
  const Json& body = object.body();
  const Json* metadata = objectField(&body, "metadata");
  visitAnnotations(metadata, "metadata", PlaceKind::kAnnotation, visit);
  if (object.kind() == "ConfigMap") {
    visitConfigMapData(body, visit);
    return;
  }
  if (const PodTemplateRef* pod = object.podTemplate()) {
    if (pod->metadata != metadata) {
      visitAnnotations(pod->metadata, pod->metadataPath, PlaceKind::kPodAnnotation, visit);
    }
    for (const auto& container : pod->containers) visitContainer(*container.container, container.path, visit);
    return;
  }
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (!it->is_structured() || it.key() == "metadata" || it.key() == "status") continue;
    const PathStep step{nullptr, it.key(), 0, false};
    walkForContainers(*it, &step, 1, visit);
  }
}

}  // namespace agentguard::engine::credentials

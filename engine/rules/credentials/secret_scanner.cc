// Longer than most files, for a reason: it visits every place an object can carry a credential (env,
// args, ConfigMap keys and the config files inside them, probes, CSI attributes, custom resources) and
// hands each text to the token and assignment checks; the places are listed here once.
#include "engine/rules/credentials/secret_scanner.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "common/encoding/base64.h"
#include "common/manifest/field_path.h"
#include "engine/rules/credentials/char_classes.h"
#include "engine/rules/credentials/key_material.h"

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

// The literal values of a container's env vars by name, as the kubelet uses them to expand $(VAR); a var set
// with valueFrom has no literal (null) and its references stay references.
struct EnvValue {
  std::string_view name;
  const Json* value = nullptr;
};

const Json* literalOf(const std::vector<EnvValue>& env, std::string_view name) {
  // The last definition before the reference wins, as in the kubelet.
  for (auto it = env.rbegin(); it != env.rend(); ++it) {
    if (it->name == name) return it->value;
  }
  return nullptr;
}

constexpr bool isEnvNameChar(char c) { return isAlnum(c) || c == '_' || c == '.' || c == '-'; }

// `text` with $(VAR) replaced by the literal value of VAR among `env` and "$$" unescaped to "$"; references
// to vars without a literal value are kept. Nullopt when nothing changes.
std::optional<std::string> expandReferences(std::string_view text, const std::vector<EnvValue>& env) {
  if (text.find('$') == std::string_view::npos) return std::nullopt;
  std::string expanded;
  bool changed = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      expanded.push_back(text[i]);
      continue;
    }
    if (text[i + 1] == '$') {
      expanded.push_back('$');
      ++i;
      changed = true;
      continue;
    }
    const size_t name = text[i + 1] == '(' ? runLength(text, i + 2, isEnvNameChar) : 0;
    const size_t close = i + 2 + name;
    const bool reference = name > 0 && close < text.size() && text[close] == ')';
    const Json* literal = reference ? literalOf(env, text.substr(i + 2, name)) : nullptr;
    if (literal == nullptr) {
      expanded.push_back(text[i]);
      continue;
    }
    expanded += stringRef(*literal);
    i = close;
    changed = true;
  }
  return changed ? std::optional<std::string>(std::move(expanded)) : std::nullopt;
}

// Visits `text` as `place`, expanded with `env` when it holds a $(VAR) reference.
void visitExpanded(const Json& text, const std::vector<EnvValue>& env, TextPlace& place, const Visit& visit) {
  const auto expanded = expandReferences(stringRef(text), env);
  place.text = expanded ? std::string_view(*expanded) : stringRef(text);
  place.transient = expanded.has_value();
  visit(place);
  place.transient = false;
}

// env[].value of a container, each expanded with the vars defined before it; returns every var's literal.
std::vector<EnvValue> visitEnv(const Json* list, TextPlace& place, const Visit& visit) {
  std::vector<EnvValue> env;
  if (list == nullptr) return env;
  for (size_t i = 0; i < list->size(); ++i) {
    const NamedValue entry = namedValue((*list)[i]);
    place.key = entry.name;
    place.index = i;
    if (entry.value != nullptr) {
      place.kind = PlaceKind::kEnvValue;
      visitExpanded(*entry.value, env, place, visit);
    } else if (objectField(objectField(&(*list)[i], "valueFrom"), "configMapKeyRef") != nullptr) {
      place.kind = PlaceKind::kEnvConfigMapRef;
      place.text = {};
      visit(place);
    }
    env.push_back({entry.name, entry.value});
  }
  return env;
}

void visitArguments(const Json* list, PlaceKind kind, const std::vector<EnvValue>& env, TextPlace& place,
                    const Visit& visit) {
  if (list == nullptr) return;
  for (size_t i = 0; i < list->size(); ++i) {
    if (!(*list)[i].is_string()) continue;
    place.kind = kind;
    place.key = {};
    place.index = i;
    visitExpanded((*list)[i], env, place, visit);
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
bool isString(const Json& value) { return value.is_string(); }

// exec.command and httpGet.httpHeaders of a probe or lifecycle handler.
void visitHandler(const Json* handler, std::string_view hook, TextPlace& place, const Visit& visit) {
  if (handler == nullptr) return;
  place.hook = hook;
  visitStrings(memberOf(memberOf(handler, "exec", isObject), "command", isArray), PlaceKind::kHookCommand, place,
               visit);
  const Json* httpGet = memberOf(handler, "httpGet", isObject);
  visitNamedValues(memberOf(httpGet, "httpHeaders", isArray), PlaceKind::kHttpHeader, place, visit);
  if (const Json* path = memberOf(httpGet, "path", isString)) {
    place.kind = PlaceKind::kHttpPath;
    place.text = stringRef(*path);
    place.key = {};
    place.index = 0;
    visit(place);
  }
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
  const std::vector<EnvValue> env = visitEnv(fields.env, place, visit);
  visitArguments(fields.args, PlaceKind::kArgument, env, place, visit);
  visitArguments(fields.command, PlaceKind::kCommand, env, place, visit);
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
  TextPlace place;
  if (const Json* data = objectField(&body, "data")) {
    place.kind = PlaceKind::kConfigMapValue;
    for (const auto& [key, value] : data->get_ref<const Json::object_t&>()) {
      if (!value.is_string()) continue;
      place.text = stringRef(value);
      place.key = key;
      visit(place);
    }
  }
  if (const Json* binary = objectField(&body, "binaryData")) {
    place.kind = PlaceKind::kConfigMapBinary;
    place.transient = true;
    for (const auto& [key, value] : binary->get_ref<const Json::object_t&>()) {
      if (!value.is_string()) continue;
      const std::string decoded = encoding::decodeBase64Prefix(stringRef(value), stringRef(value).size());
      place.text = decoded;
      place.key = key;
      visit(place);
    }
  }
}

// csi.volumeAttributes of one volume (or of a PersistentVolume's spec), `path` being the volume's.
void visitVolumeAttributes(const Json* volume, std::string_view path, const Visit& visit) {
  const Json* attributes = objectField(objectField(volume, "csi"), "volumeAttributes");
  if (attributes == nullptr) return;
  TextPlace place;
  place.kind = PlaceKind::kVolumeAttribute;
  place.base = path;
  for (const auto& [key, value] : attributes->get_ref<const Json::object_t&>()) {
    if (!value.is_string()) continue;
    place.text = stringRef(value);
    place.key = key;
    visit(place);
  }
}

void visitPodVolumes(const PodTemplateRef& pod, const Visit& visit) {
  const Json* volumes = arrayField(pod.spec, "volumes");
  if (volumes == nullptr) return;
  for (size_t i = 0; i < volumes->size(); ++i) {
    if (!(*volumes)[i].is_object()) continue;
    visitVolumeAttributes(&(*volumes)[i], FieldPath(pod.specPath).key("volumes").index(i).str(), visit);
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

// The name a string found by the walk is stored under: its key, or for a list item the list's key.
std::string_view keyOf(const PathStep* step) {
  while (step != nullptr && step->isIndex) step = step->parent;
  return step == nullptr ? std::string_view{} : step->key;
}

// A string of a custom resource's free-form fields, visited as kField with its path.
void visitField(const Json& value, const PathStep* step, const Visit& visit) {
  TextPlace place;
  place.kind = PlaceKind::kField;
  place.text = stringRef(value);
  place.key = keyOf(step);
  const std::string path = render(step).str();
  place.base = path;
  visit(place);
}

// `fields`: also visit every string that is not a container's (custom resources). `unwalked` receives the
// path of the first subtree too deep to walk.
void walkForContainers(const Json& node, const PathStep* step, int depth, bool fields, const Visit& visit,
                       std::string& unwalked) {
  if (depth > kMaxWalkDepth) {
    if (unwalked.empty()) unwalked = render(step).str();
    return;
  }
  if (node.is_object()) {
    const auto& members = node.get_ref<const Json::object_t&>();
    const bool container = looksLikeContainer(members);
    if (container) visitContainer(node, render(step).str(), visit);
    for (const auto& [key, member] : members) {
      if (container && isContainerField(key)) continue;
      const PathStep child{step, key, 0, false};
      if (member.is_structured()) walkForContainers(member, &child, depth + 1, fields, visit, unwalked);
      else if (fields && !container && member.is_string()) visitField(member, &child, visit);
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) {
      const PathStep child{step, {}, i, true};
      if (node[i].is_structured()) walkForContainers(node[i], &child, depth + 1, fields, visit, unwalked);
      else if (fields && node[i].is_string()) visitField(node[i], &child, visit);
    }
  }
}

// A custom resource: its API group is neither core nor one of Kubernetes' own (*.k8s.io).
bool isCustomResource(std::string_view apiVersion) {
  const size_t slash = apiVersion.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view group = apiVersion.substr(0, slash);
  constexpr std::string_view kKubernetesGroups = ".k8s.io";
  if (group.find('.') == std::string_view::npos) return false;
  return !(group.size() >= kKubernetesGroups.size() &&
           group.substr(group.size() - kKubernetesGroups.size()) == kKubernetesGroups);
}

}  // namespace

std::string TextPlace::path() const {
  FieldPath at(std::string{base});
  switch (kind) {
    case PlaceKind::kEnvValue: return at.key("env").index(index).key("value").str();
    case PlaceKind::kEnvConfigMapRef: return at.key("env").index(index).key("valueFrom").key("configMapKeyRef").str();
    case PlaceKind::kArgument: return at.key("args").index(index).str();
    case PlaceKind::kCommand: return at.key("command").index(index).str();
    case PlaceKind::kHookCommand: return FieldPath(at.str() + "." + std::string(hook)).key("exec").key("command").index(index).str();
    case PlaceKind::kHttpHeader:
      return FieldPath(at.str() + "." + std::string(hook)).key("httpGet").key("httpHeaders").index(index).key("value").str();
    case PlaceKind::kHttpPath: return FieldPath(at.str() + "." + std::string(hook)).key("httpGet").key("path").str();
    case PlaceKind::kConfigMapValue: return FieldPath("data").key(key).str();
    case PlaceKind::kConfigMapBinary: return FieldPath("binaryData").key(key).str();
    case PlaceKind::kVolumeAttribute: return at.key("csi").key("volumeAttributes").key(key).str();
    case PlaceKind::kField: return at.str();
    case PlaceKind::kAnnotation:
    case PlaceKind::kPodAnnotation: return at.key("annotations").key(key).str();
  }
  return at.str();
}

std::string TextPlace::describe() const {
  const std::string of = container.empty() ? " of a container" : " of container " + quoted(container);
  switch (kind) {
    case PlaceKind::kEnvValue: return "env var " + quoted(key) + of;
    case PlaceKind::kEnvConfigMapRef: return "env var " + quoted(key) + of;
    case PlaceKind::kArgument: return "args[" + std::to_string(index) + "]" + of;
    case PlaceKind::kCommand: return "command[" + std::to_string(index) + "]" + of;
    case PlaceKind::kHookCommand: return std::string(hook) + " exec.command[" + std::to_string(index) + "]" + of;
    case PlaceKind::kHttpHeader: return std::string(hook) + " HTTP header " + quoted(key) + of;
    case PlaceKind::kHttpPath: return std::string(hook) + " httpGet.path" + of;
    case PlaceKind::kConfigMapValue: return "ConfigMap key " + quoted(key);
    case PlaceKind::kConfigMapBinary: return "ConfigMap binaryData key " + quoted(key) + " (decoded)";
    case PlaceKind::kVolumeAttribute: return "CSI volume attribute " + quoted(key);
    case PlaceKind::kField: return "field " + std::string(base);
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
  if (object.kind() == "ConfigMap" && object.apiVersion() == "v1") {
    visitConfigMapData(body, visit);
    return {};
  }
  if (object.kind() == "PersistentVolume" && object.apiVersion() == "v1") {
    visitVolumeAttributes(objectField(&body, "spec"), "spec", visit);
    return {};
  }
  if (const PodTemplateRef* pod = object.podTemplate()) {
    if (object.kind() == "CronJob") {
      const Json* jobMetadata = objectField(objectField(objectField(&body, "spec"), "jobTemplate"), "metadata");
      visitAnnotations(jobMetadata, "spec.jobTemplate.metadata", PlaceKind::kAnnotation, visit);
    }
    if (pod->metadata != metadata) {
      visitAnnotations(pod->metadata, pod->metadataPath, PlaceKind::kPodAnnotation, visit);
    }
    for (const auto& container : pod->containers) visitContainer(*container.container, container.path, visit);
    visitPodVolumes(*pod, visit);
    return {};
  }
  std::string unwalked;
  const bool fields = isCustomResource(object.apiVersion());
  for (const auto& [key, member] : body.get_ref<const Json::object_t&>()) {
    if (key == "metadata" || key == "status" || key == "apiVersion" || key == "kind") continue;
    const PathStep step{nullptr, key, 0, false};
    if (member.is_structured()) walkForContainers(member, &step, 1, fields, visit, unwalked);
    else if (fields && member.is_string()) visitField(member, &step, visit);
  }
  return unwalked;
}

}  // namespace agentguard::engine::credentials

#include "common/manifest/manifest_object.h"

#include "common/manifest/strict_json.h"
#include "common/manifest/yaml_stream.h"

namespace agentguard::manifest {
namespace {

constexpr int kMaxListNesting = 8;

// JSON input carries no per-field positions; every field maps to the document's first line.
class WholeDocumentSourceMap final : public SourceMap {
 public:
  int lineOf(std::string_view /*path*/) const override { return 1; }
};

bool looksLikeJson(std::string_view text) {
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' || c == '[';
  }
  return false;
}

// kubectl decodes any object with an `items` field as a list, whatever its kind (the unstructured
// decoder looks for the field, not the kind), and applies its items instead of the object.
bool isList(const nlohmann::json& body) { return body.is_object() && body.contains("items"); }

// A string field's text, or "" when it is absent or not a string (as unstructured.GetKind reads it).
std::string stringField(const nlohmann::json& body, const char* field) {
  const auto it = body.find(field);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// An item with neither kind nor apiVersion takes the list's apiVersion and its kind without a "List"
// suffix, as kubectl fills them in (a PodList's bare items are Pods, a Deployment's are Deployments).
void inheritListType(const nlohmann::json& list, nlohmann::json& item) {
  if (!item.is_object() || !stringField(item, "kind").empty() || !stringField(item, "apiVersion").empty()) return;
  std::string kind = stringField(list, "kind");
  if (kind.size() >= 4 && kind.compare(kind.size() - 4, 4, "List") == 0) kind.resize(kind.size() - 4);
  item["kind"] = kind;
  item["apiVersion"] = stringField(list, "apiVersion");
}

Error objectError(std::string_view source, int line, const std::string& pathPrefix, const std::string& problem) {
  std::string where = std::string(source) + ":" + std::to_string(line) + ": ";
  if (!pathPrefix.empty()) where += pathPrefix + ": ";
  return makeError(ErrorCode::kInvalidArgument, where + problem);
}

Status validateObject(const ManifestObject& object) {
  const auto& body = object.body;
  if (!body.is_object()) {
    return objectError(object.source, object.line, object.pathPrefix,
                       "not a Kubernetes object: expected a mapping with apiVersion and kind");
  }
  for (const char* field : {"apiVersion", "kind"}) {
    const auto it = body.find(field);
    if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
      return objectError(object.source, object.line, object.pathPrefix,
                         std::string("not a Kubernetes object: ") + field + " is missing or not a non-empty string");
    }
  }
  const auto metadata = body.find("metadata");
  if (metadata != body.end() && !metadata->is_object() && !metadata->is_null()) {
    return objectError(object.source, object.line, object.pathPrefix, "metadata must be a mapping");
  }
  return okStatus();
}

Status collect(ManifestObject&& object, int nesting, std::vector<ManifestObject>& out) {
  if (isList(object.body)) {
    if (nesting >= kMaxListNesting) {
      return objectError(object.source, object.line, object.pathPrefix, "List kinds nested too deeply");
    }
    if (Status status = validateObject(object); !status) return status;
    auto& items = object.body["items"];
    if (items.is_null()) return okStatus();  // kubectl applies nothing, neither the object nor any item
    if (!items.is_array()) {
      return objectError(object.source, object.line, object.pathPrefix,
                         "items must be a list of objects: Kubernetes reads any object with an items field as a "
                         "list; rename or remove the field");
    }
    for (size_t i = 0; i < items.size(); ++i) {
      ManifestObject item;
      item.pathPrefix = object.pathPrefix + (object.pathPrefix.empty() ? "" : ".") + "items[" + std::to_string(i) + "]";
      inheritListType(object.body, items[i]);
      item.body = std::move(items[i]);
      item.source = object.source;
      item.sourceMap = object.sourceMap;
      item.line = object.sourceMap->lineOf(item.pathPrefix);
      if (Status status = collect(std::move(item), nesting + 1, out); !status) return status;
    }
    return okStatus();
  }
  if (Status status = validateObject(object); !status) return status;
  out.push_back(std::move(object));
  return okStatus();
}

}  // namespace

int ManifestObject::lineOf(std::string_view path) const {
  if (pathPrefix.empty()) return sourceMap->lineOf(path);
  std::string full = pathPrefix;
  if (!path.empty() && path.front() != '[') full += '.';
  full += path;
  return sourceMap->lineOf(full);
}

Result<std::vector<ManifestObject>> loadManifests(std::string_view text, std::string_view source,
                                                  const ParseLimits& limits) {
  std::vector<ManifestObject> objects;
  if (looksLikeJson(text)) {
    auto parsed = parseStrictJson(text, limits);
    if (!parsed) return makeError(ErrorCode::kInvalidArgument, std::string(source) + ": " + parsed.error().message);
    ManifestObject object;
    object.body = std::move(parsed).value();
    object.source = std::string(source);
    object.sourceMap = std::make_shared<WholeDocumentSourceMap>();
    if (Status status = collect(std::move(object), 0, objects); !status) return status.error();
    return objects;
  }
  auto documents = parseYamlStream(text, limits);
  if (!documents) return makeError(ErrorCode::kInvalidArgument, std::string(source) + ": " + documents.error().message);
  for (auto& document : *documents) {
    ManifestObject object;
    object.body = std::move(document.value);
    object.source = std::string(source);
    object.line = document.line;
    object.sourceMap = std::move(document.sourceMap);
    if (Status status = collect(std::move(object), 0, objects); !status) return status.error();
  }
  return objects;
}

}  // namespace agentguard::manifest

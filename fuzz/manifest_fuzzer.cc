// loadManifests on arbitrary bytes: YAML streams, JSON, List flattening and source maps. Any input must
// give objects or an InvalidArgument, never a crash, a hang or unbounded memory. What it accepts must
// hold the promises of the paths that keep it in step with kubectl: YAML text free of the characters
// the two readers see differently, no object left with an items field (lists and items on any kind
// are flattened), and all documents together within the input's expansion bound. The same bytes also
// go through the tag resolver under each core tag and a custom one.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/manifest/field_path.h"
#include "common/manifest/manifest_object.h"
#include "common/manifest/yaml_scalar.h"
#include "common/manifest/yaml_tags.h"
#include "common/manifest/utf8.h"
#include "common/manifest/yaml_text.h"

namespace {

using agentguard::manifest::FieldPath;
using Json = nlohmann::json;

// Asks the source map for the line of every field the object has, down to a bounded number of fields.
void visitLines(const agentguard::manifest::ManifestObject& object, const Json& value, const FieldPath& path,
                size_t& budget) {
  if (budget == 0) return;
  --budget;
  if (object.lineOf(path.str()) < 1) __builtin_trap();
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) visitLines(object, child, path.key(key), budget);
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) visitLines(object, value[i], path.index(i), budget);
  }
}

// Counts the values of a JSON tree, stopping once past `limit`.
size_t countValues(const Json& value, size_t limit) {
  size_t count = 1;
  if (value.is_object() || value.is_array()) {
    for (const auto& child : value) {
      if (count > limit) break;
      count += countValues(child, limit - count);
    }
  }
  return count;
}

bool looksLikeJson(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && (text[first] == '{' || text[first] == '[');
}

constexpr std::string_view kTags[] = {"?", "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:bool",
                                      "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:null",
                                      "tag:yaml.org,2002:binary", "tag:yaml.org,2002:timestamp", "!custom"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto objects = agentguard::manifest::loadManifests(text, "fuzz.yaml");
  if (!objects) {
    if (objects.error().message.empty()) __builtin_trap();
    return 0;
  }
  if (!looksLikeJson(text) && !agentguard::manifest::checkYamlText(text).ok()) __builtin_trap();
  const agentguard::manifest::ParseLimits limits;
  size_t values = 0;
  for (const auto& object : *objects) {
    if (!object.body.is_object() || object.sourceMap == nullptr || object.line < 1) __builtin_trap();
    if (object.body.contains("items")) __builtin_trap();
    values += countValues(object.body, limits.maxStreamNodes + 1);
    if (values > limits.maxStreamNodes) __builtin_trap();
    size_t budget = 2000;
    visitLines(object, object.body, FieldPath(), budget);
  }
  // The same bytes as a scalar and as a field path.
  (void)agentguard::manifest::resolvePlainScalar(text.substr(0, 256));
  for (const std::string_view tag : kTags) {
    auto value = agentguard::manifest::resolveTaggedScalar(tag, text.substr(0, 256));
    if (!value && value.error().message.empty()) __builtin_trap();
    // A resolved string is valid UTF-8 whenever the text was (a !!binary value is checked).
    if (value && value->is_string() && tag == "tag:yaml.org,2002:binary" &&
        !agentguard::manifest::isWellFormedUtf8(value->get_ref<const std::string&>())) {
      __builtin_trap();
    }
  }
  std::vector<agentguard::manifest::PathSegment> segments;
  (void)agentguard::manifest::parseFieldPath(text.substr(0, 256), segments);
  return 0;
}

// loadManifests on arbitrary bytes: YAML streams, JSON, List flattening and source maps. Any input must
// give objects or an InvalidArgument, never a crash, a hang or unbounded memory.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/manifest/field_path.h"
#include "common/manifest/manifest_object.h"
#include "common/manifest/yaml_scalar.h"

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto objects = agentguard::manifest::loadManifests(text, "fuzz.yaml");
  if (!objects) {
    if (objects.error().message.empty()) __builtin_trap();
    return 0;
  }
  for (const auto& object : *objects) {
    if (!object.body.is_object() || object.sourceMap == nullptr || object.line < 1) __builtin_trap();
    size_t budget = 2000;
    visitLines(object, object.body, FieldPath(), budget);
  }
  // The same bytes as a scalar and as a field path.
  (void)agentguard::manifest::resolvePlainScalar(text.substr(0, 256));
  std::vector<agentguard::manifest::PathSegment> segments;
  (void)agentguard::manifest::parseFieldPath(text.substr(0, 256), segments);
  return 0;
}

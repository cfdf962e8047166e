#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/manifest/parse_limits.h"
#include "common/manifest/source_map.h"
#include "common/result/result.h"

namespace agentguard::manifest {

// One Kubernetes object read from a file, stdin or a request, with where it came from.
struct ManifestObject {
  nlohmann::json body;
  std::string source;                          // file name, "-" for stdin, or a request label
  int line = 1;                                // 1-based line where the object starts
  std::string pathPrefix;                      // "items[3]" for a member of a List, else ""
  std::shared_ptr<const SourceMap> sourceMap;  // never null

  // 1-based line of a field of this object (FieldPath syntax).
  int lineOf(std::string_view path) const;
};

// Reads every Kubernetes object in a YAML stream or a JSON document. As kubectl does, any object with
// an `items` field is a list whatever its kind, and stands for its items (flattened, nested lists
// too): `items: null` gives no object, an items value that is not a sequence is an error, and an item
// with neither kind nor apiVersion takes the list's apiVersion and its kind less a "List" suffix. Each
// object must be a mapping with a non-empty string apiVersion and kind; anything else is an
// InvalidArgument naming the source and line.
Result<std::vector<ManifestObject>> loadManifests(std::string_view text, std::string_view source,
                                                  const ParseLimits& limits = {});

}  // namespace agentguard::manifest

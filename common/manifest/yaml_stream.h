#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/manifest/parse_limits.h"
#include "common/manifest/source_map.h"
#include "common/result/result.h"

namespace agentguard::manifest {

struct ParsedDocument {
  nlohmann::json value;
  int line = 1;                                  // 1-based line where the document's content starts
  std::shared_ptr<const SourceMap> sourceMap;    // never null
};

// Parses a multi-document YAML stream the way Kubernetes reads it (go-yaml v2 via sigs.k8s.io/yaml,
// YAML 1.1 scalars): unquoted yes/no/on/off/y/n are booleans, 0777 is octal, 0x1F hex; merge keys (<<)
// are applied; tags resolve as go-yaml resolves them (yaml_tags.h) or are refused; an integral float
// becomes the integer the API server receives. Text the two readers see differently (yaml_text.h) is
// refused before parsing. Hostile input is bounded: alias expansion per document and over all documents
// together, depth and size limits are errors. Duplicate keys, null or floating-point keys, and a key set
// both explicitly and by a later merge with a different value (readers disagree on which wins), are
// errors. Empty documents are skipped. Errors carry the line and column.
Result<std::vector<ParsedDocument>> parseYamlStream(std::string_view text, const ParseLimits& limits = {});

}  // namespace agentguard::manifest

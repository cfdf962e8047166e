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

// Parses a multi-document YAML stream the way Kubernetes reads it (go-yaml v2, YAML 1.1 scalars):
// unquoted yes/no/on/off/y/n are booleans, 0777 is octal, 0x1F hex; merge keys (<<) are applied.
// Hostile input is bounded: alias expansion, depth and size limits are errors. Duplicate keys, and a key
// set both explicitly and by a later merge with a different value (readers disagree on which wins), are
// errors. Empty documents are skipped. Errors carry the line and column.
Result<std::vector<ParsedDocument>> parseYamlStream(std::string_view text, const ParseLimits& limits = {});

}  // namespace agentguard::manifest

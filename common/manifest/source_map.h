#pragma once

#include <string_view>

namespace agentguard::manifest {

// Finds where a field of a parsed document was written, so reports can point at a line.
class SourceMap {
 public:
  virtual ~SourceMap() = default;
  // 1-based line of the field at `path` (FieldPath syntax), or of its deepest existing ancestor.
  virtual int lineOf(std::string_view path) const = 0;
};

}  // namespace agentguard::manifest

#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace agentguard::manifest {

// A field path as Kubernetes prints it: spec.template.spec.containers[0].securityContext.privileged.
// Keys that are not plain identifiers are bracketed and quoted: metadata.annotations["example.com/key"].
class FieldPath {
 public:
  FieldPath() = default;
  explicit FieldPath(std::string text) : text_(std::move(text)) {}

  FieldPath key(std::string_view name) const;
  FieldPath index(size_t position) const;

  const std::string& str() const { return text_; }
  bool empty() const { return text_.empty(); }
  bool operator==(const FieldPath& other) const = default;

 private:
  std::string text_;
};

// One step of a parsed path: a mapping key or a sequence index.
struct PathSegment {
  bool isIndex = false;
  std::string key;
  size_t index = 0;
};

// Splits a path written by FieldPath back into segments; false on a malformed path.
bool parseFieldPath(std::string_view path, std::vector<PathSegment>& segments);

}  // namespace agentguard::manifest

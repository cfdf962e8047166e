#include "common/manifest/field_path.h"

#include "common/text/ascii.h"

namespace agentguard::manifest {
namespace {

bool isPlainKey(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    if (!(text::isAlnum(c) || c == '_' || c == '-')) return false;
  }
  return true;
}

}  // namespace

FieldPath FieldPath::key(std::string_view name) const {
  std::string text = text_;
  if (isPlainKey(name)) {
    if (!text.empty()) text += '.';
    text += name;
  } else {
    text += "[\"";
    for (const char c : name) {
      if (c == '"' || c == '\\') text += '\\';
      text += c;
    }
    text += "\"]";
  }
  return FieldPath(std::move(text));
}

FieldPath FieldPath::index(size_t position) const {
  return FieldPath(text_ + "[" + std::to_string(position) + "]");
}

bool parseFieldPath(std::string_view path, std::vector<PathSegment>& segments) {
  segments.clear();
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      if (segments.empty()) return false;
      ++i;
      continue;
    }
    if (path[i] == '[') {
      ++i;
      if (i < path.size() && path[i] == '"') {
        ++i;
        std::string key;
        while (i < path.size() && path[i] != '"') {
          if (path[i] == '\\' && i + 1 < path.size()) ++i;
          key += path[i++];
        }
        if (i + 1 >= path.size() || path[i + 1] != ']') return false;
        i += 2;
        segments.push_back(PathSegment{false, std::move(key), 0});
      } else {
        size_t value = 0;
        const size_t start = i;
        while (i < path.size() && text::isDigit(path[i])) {
          value = value * 10 + static_cast<size_t>(path[i] - '0');
          ++i;
        }
        if (i == start || i >= path.size() || path[i] != ']') return false;
        ++i;
        segments.push_back(PathSegment{true, "", value});
      }
      continue;
    }
    const size_t start = i;
    while (i < path.size() && path[i] != '.' && path[i] != '[') ++i;
    segments.push_back(PathSegment{false, std::string(path.substr(start, i - start)), 0});
  }
  return true;
}

}  // namespace agentguard::manifest

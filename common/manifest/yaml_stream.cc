#include "common/manifest/yaml_stream.h"

#include <string>
#include <unordered_map>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "common/manifest/field_path.h"
#include "common/manifest/yaml_scalar.h"

namespace agentguard::manifest {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";
constexpr std::string_view kMergeTag = "tag:yaml.org,2002:merge";

std::string where(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) + ": ";
}

bool isQuotedOrString(const YAML::Node& node) { return node.Tag() == "!" || node.Tag() == kStrTag; }

bool isMergeKey(const YAML::Node& key) {
  return key.IsScalar() && key.Scalar() == "<<" && (key.Tag() == "?" || key.Tag() == kMergeTag);
}

// The JSON key Kubernetes derives from a YAML mapping key; false for keys that cannot be one.
bool keyText(const YAML::Node& key, std::string& out) {
  if (key.IsNull()) {
    out = "null";
    return true;
  }
  if (!key.IsScalar()) return false;
  out = isQuotedOrString(key) ? key.Scalar() : plainScalarKey(key.Scalar());
  return true;
}

class Converter {
 public:
  explicit Converter(const ParseLimits& limits) : limits_(limits) {}

  Status convert(const YAML::Node& node, Json& out, int depth) {
    if (++nodes_ > limits_.maxNodes) {
      return makeError(ErrorCode::kInvalidArgument,
                       where(node.Mark()) + "document expands to more than " + std::to_string(limits_.maxNodes) +
                           " values (aliases expanded); refusing a possible alias bomb");
    }
    // Depth counts mappings and sequences, as in parseStrictJson: a scalar adds no level.
    if ((node.IsMap() || node.IsSequence()) && depth > limits_.maxDepth) {
      return makeError(ErrorCode::kInvalidArgument, where(node.Mark()) + "nesting deeper than " +
                                                        std::to_string(limits_.maxDepth) + " levels");
    }
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out = nullptr;
        return okStatus();
      case YAML::NodeType::Scalar:
        out = isQuotedOrString(node) ? Json(node.Scalar()) : resolvePlainScalar(node.Scalar());
        return okStatus();
      case YAML::NodeType::Sequence: {
        out = Json::array();
        for (const auto& item : node) {
          Json element;
          if (Status status = convert(item, element, depth + 1); !status) return status;
          out.push_back(std::move(element));
        }
        return okStatus();
      }
      case YAML::NodeType::Map:
        return convertMap(node, out, depth);
    }
    return makeError(ErrorCode::kInternal, "unknown YAML node type");
  }

 private:
  Status convertMap(const YAML::Node& node, Json& out, int depth) {
    out = Json::object();
    // Keys written explicitly so far, to detect a later merge that would override one of them.
    std::unordered_map<std::string, bool> explicitKeys;
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      if (isMergeKey(key)) {
        if (Status status = applyMerge(entry.second, out, explicitKeys, depth); !status) return status;
        continue;
      }
      std::string name;
      if (!keyText(key, name)) {
        return makeError(ErrorCode::kInvalidArgument,
                         where(key.Mark()) + "mapping keys must be scalars (strings or numbers)");
      }
      if (explicitKeys.count(name) != 0) {
        return makeError(ErrorCode::kInvalidArgument,
                         where(key.Mark()) + "duplicate key \"" + name + "\"; each key may appear once per mapping");
      }
      Json value;
      if (Status status = convert(entry.second, value, depth + 1); !status) return status;
      explicitKeys.emplace(name, true);
      out[name] = std::move(value);
    }
    return okStatus();
  }

  // go-yaml v2 applies a merge where it appears: a merged key overrides an earlier explicit key and is
  // overridden by a later one, while the YAML merge spec says explicit keys always win. Where those two
  // readings give different values the document is ambiguous, so it is rejected.
  Status applyMerge(const YAML::Node& source, Json& out, const std::unordered_map<std::string, bool>& explicitKeys,
                    int depth) {
    if (source.IsMap()) return mergeOne(source, out, explicitKeys, depth);
    if (source.IsSequence()) {
      // Earlier maps in the list take precedence, so apply them last-to-first.
      for (size_t i = source.size(); i-- > 0;) {
        const YAML::Node item = source[i];
        if (!item.IsMap()) {
          return makeError(ErrorCode::kInvalidArgument,
                           where(item.Mark()) + "a merge key (<<) list may contain only mappings");
        }
        if (Status status = mergeOne(item, out, explicitKeys, depth); !status) return status;
      }
      return okStatus();
    }
    return makeError(ErrorCode::kInvalidArgument,
                     where(source.Mark()) + "a merge key (<<) must refer to a mapping or a list of mappings");
  }

  Status mergeOne(const YAML::Node& source, Json& out, const std::unordered_map<std::string, bool>& explicitKeys,
                  int depth) {
    Json merged;
    if (Status status = convert(source, merged, depth + 1); !status) return status;
    for (auto& [name, value] : merged.items()) {
      if (explicitKeys.count(name) != 0 && out[name] != value) {
        return makeError(ErrorCode::kInvalidArgument,
                         where(source.Mark()) + "key \"" + name +
                             "\" is set explicitly and again by a later merge key (<<) with a different value; "
                             "YAML readers disagree on which wins, so write it once");
      }
      out[name] = std::move(value);
    }
    return okStatus();
  }

  const ParseLimits& limits_;
  size_t nodes_ = 0;
};

class YamlSourceMap final : public SourceMap {
 public:
  explicit YamlSourceMap(YAML::Node root) : root_(std::move(root)) {}

  int lineOf(std::string_view path) const override {
    std::vector<PathSegment> segments;
    YAML::Node current = root_;
    int line = lineOfNode(current, 1);
    if (!parseFieldPath(path, segments)) return line;
    for (const PathSegment& segment : segments) {
      const Entry next = step(current, segment, 0);
      if (!next.value.IsDefined()) break;
      // A mapping key's line is where the field is written; a sequence item's is where it starts.
      line = lineOfNode(next.key.IsDefined() ? next.key : next.value, line);
      current.reset(next.value);  // rebind; operator= would rewrite the tree
    }
    return line;
  }

 private:
  struct Entry {
    YAML::Node key{YAML::NodeType::Undefined};
    YAML::Node value{YAML::NodeType::Undefined};
  };

  static int lineOfNode(const YAML::Node& node, int fallback) {
    const YAML::Mark mark = node.Mark();
    return mark.is_null() ? fallback : mark.line + 1;
  }

  static Entry step(const YAML::Node& node, const PathSegment& segment, int mergeDepth) {
    if (segment.isIndex) {
      if (node.IsSequence() && segment.index < node.size()) return Entry{YAML::Node(YAML::NodeType::Undefined), node[segment.index]};
      return {};
    }
    if (!node.IsMap() || mergeDepth > 8) return {};
    YAML::Node merged(YAML::NodeType::Undefined);
    for (const auto& entry : node) {
      std::string name;
      if (isMergeKey(entry.first)) {
        if (!merged.IsDefined()) merged.reset(entry.second);
        continue;
      }
      if (keyText(entry.first, name) && name == segment.key) return Entry{entry.first, entry.second};
    }
    if (!merged.IsDefined()) return {};
    if (merged.IsSequence()) {
      for (const auto& item : merged) {
        Entry found = step(item, segment, mergeDepth + 1);
        if (found.value.IsDefined()) return found;
      }
      return {};
    }
    return step(merged, segment, mergeDepth + 1);
  }

  YAML::Node root_;
};

}  // namespace

Result<std::vector<ParsedDocument>> parseYamlStream(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.maxInputBytes) {
    return makeError(ErrorCode::kInvalidArgument, "input is " + std::to_string(text.size()) +
                                                      " bytes, more than the limit of " +
                                                      std::to_string(limits.maxInputBytes));
  }
  // yaml-cpp accepts a quoted scalar left open at the end of the input when the input ends with a line
  // break: it stops at the end without noticing the missing quote, and the scalar swallows the rest of
  // the document. go-yaml (kubectl) rejects such a file. A final comment line makes yaml-cpp reach the
  // end of the input inside the scalar, where it reports the error; it changes no valid document.
  std::string input(text);
  if (!input.empty() && (input.back() == '\n' || input.back() == '\r')) input += '#';
  std::vector<YAML::Node> roots;
  try {
    roots = YAML::LoadAll(input);
  } catch (const YAML::Exception& ex) {
    return makeError(ErrorCode::kInvalidArgument, "malformed YAML: " + where(ex.mark) + ex.msg);
  } catch (const std::exception& ex) {
    return makeError(ErrorCode::kInvalidArgument, std::string("malformed YAML: ") + ex.what());
  }
  if (roots.size() > limits.maxDocuments) {
    return makeError(ErrorCode::kInvalidArgument, "stream has " + std::to_string(roots.size()) +
                                                      " documents, more than the limit of " +
                                                      std::to_string(limits.maxDocuments));
  }
  std::vector<ParsedDocument> documents;
  documents.reserve(roots.size());
  for (size_t i = 0; i < roots.size(); ++i) {
    const YAML::Node& root = roots[i];
    if (root.IsNull() || !root.IsDefined()) continue;
    const YAML::Mark start = root.Mark();
    if (!start.is_null()) {
      const size_t end = (i + 1 < roots.size() && !roots[i + 1].Mark().is_null())
                             ? static_cast<size_t>(roots[i + 1].Mark().pos)
                             : text.size();
      const size_t begin = static_cast<size_t>(start.pos);
      if (end > begin && end - begin > limits.maxDocumentBytes) {
        return makeError(ErrorCode::kInvalidArgument,
                         where(start) + "document is " + std::to_string(end - begin) +
                             " bytes, more than the limit of " + std::to_string(limits.maxDocumentBytes));
      }
    }
    ParsedDocument document;
    try {
      Converter converter(limits);
      if (Status status = converter.convert(root, document.value, 1); !status) return status.error();
    } catch (const std::exception& ex) {
      return makeError(ErrorCode::kInvalidArgument, where(start) + "malformed YAML: " + ex.what());
    }
    document.line = start.is_null() ? 1 : start.line + 1;
    document.sourceMap = std::make_shared<YamlSourceMap>(root);
    documents.push_back(std::move(document));
  }
  return documents;
}

}  // namespace agentguard::manifest

// Longer than most files, for a reason: YAML is read the way the API server reads it (YAML 1.1 scalars,
// merge keys, go-yaml's tags) into JSON with the limits that keep hostile input bounded; these rules
// interact (a merge key and an alias budget, a tag and a scalar's type) and are kept together.
#include "common/manifest/yaml_stream.h"

#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/emitterstyle.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include "common/manifest/field_path.h"
#include "common/manifest/yaml_scalar.h"
#include "common/manifest/yaml_tags.h"
#include "common/manifest/yaml_text.h"

namespace agentguard::manifest {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kMergeTag = "tag:yaml.org,2002:merge";

std::string where(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) + ": ";
}

// A node of a YAML document as the parser reported it, with where it was written. An alias shares the
// node its anchor names, so a tree is only as large as its text.
struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMap };
  Kind kind = Kind::kNull;
  std::string tag;  // "?" for plain scalars, "!" for quoted ones, else the explicit tag
  std::string value;
  YAML::Mark mark;
  std::vector<std::shared_ptr<YamlNode>> items;                                            // a sequence's
  std::vector<std::pair<std::shared_ptr<YamlNode>, std::shared_ptr<YamlNode>>> entries;  // a mapping's, in order
};
using YamlNodePtr = std::shared_ptr<YamlNode>;

// Builds the nodes of one document from the parser's events. yaml-cpp's own YAML::LoadAll cannot be
// used: on some malformed input (a ',' where a document should start, as in "[a],") its parser reports
// an empty document without consuming anything, and LoadAll asks for the next one forever, allocating
// until memory runs out. Driving the parser here lets parseYamlStream notice that no progress is made.
class DocumentBuilder final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    start_ = mark;
    root_.reset();
    stack_.clear();
    anchors_.clear();
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    add(makeNode(YamlNode::Kind::kNull, mark, "?"), anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const auto it = anchors_.find(anchor);
    if (it == anchors_.end()) throw YAML::ParserException(mark, "alias of an unknown anchor");
    for (const Frame& frame : stack_) {
      if (frame.node == it->second) throw YAML::ParserException(mark, "an alias may not refer to a node that contains it");
    }
    add(it->second, YAML::NullAnchor);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor, const std::string& value) override {
    YamlNodePtr node = makeNode(YamlNode::Kind::kScalar, mark, tag);
    node->value = value;
    add(std::move(node), anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    open(makeNode(YamlNode::Kind::kSequence, mark, tag), anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    open(makeNode(YamlNode::Kind::kMap, mark, tag), anchor);
  }
  void OnMapEnd() override { close(); }

  const YAML::Mark& start() const { return start_; }
  const YamlNodePtr& root() const { return root_; }

 private:
  struct Frame {
    YamlNodePtr node;
    YamlNodePtr pendingKey;  // a mapping's key waiting for its value
  };

  static YamlNodePtr makeNode(YamlNode::Kind kind, const YAML::Mark& mark, const std::string& tag) {
    auto node = std::make_shared<YamlNode>();
    node->kind = kind;
    node->mark = mark;
    node->tag = tag;
    return node;
  }

  // Places a finished node into the collection being built, or makes it the document's root.
  void add(YamlNodePtr node, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) anchors_[anchor] = node;
    if (stack_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame& parent = stack_.back();
    if (parent.node->kind == YamlNode::Kind::kSequence) {
      parent.node->items.push_back(std::move(node));
    } else if (!parent.pendingKey) {
      parent.pendingKey = std::move(node);
    } else {
      parent.node->entries.emplace_back(std::move(parent.pendingKey), std::move(node));
      parent.pendingKey.reset();
    }
  }

  void open(YamlNodePtr node, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) anchors_[anchor] = node;
    stack_.push_back(Frame{std::move(node), nullptr});
  }

  void close() {
    if (stack_.empty()) throw YAML::ParserException(start_, "unbalanced collection events");
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (frame.pendingKey) throw YAML::ParserException(frame.pendingKey->mark, "mapping key without a value");
    add(std::move(frame.node), YAML::NullAnchor);
  }

  YAML::Mark start_ = YAML::Mark::null_mark();
  YamlNodePtr root_;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, YamlNodePtr> anchors_;
};

bool isMergeKey(const YamlNode& key) {
  return key.kind == YamlNode::Kind::kScalar && key.value == "<<" && (key.tag == "?" || key.tag == kMergeTag);
}

// A scalar's value as Kubernetes reads it: its tag applied, numbers as the API server receives them.
Result<Json> scalarValue(const YamlNode& node) {
  Result<Json> value = resolveTaggedScalar(node.tag, node.value);
  if (!value) return makeError(ErrorCode::kInvalidArgument, where(node.mark) + value.error().message);
  return asKubernetesNumber(std::move(value).value());
}

// The JSON key Kubernetes derives from a YAML mapping key, or why the key cannot be one.
Result<std::string> keyText(const YamlNode& key) {
  if (key.kind == YamlNode::Kind::kScalar) {
    Result<Json> value = resolveTaggedScalar(key.tag, key.value);
    if (!value) return makeError(ErrorCode::kInvalidArgument, where(key.mark) + value.error().message);
    if (std::optional<std::string> text = jsonKeyOf(*value)) return std::move(*text);
  }
  return makeError(ErrorCode::kInvalidArgument,
                   where(key.mark) + "mapping keys must be strings, integers or booleans (Kubernetes refuses null and "
                                     "collection keys and rewrites most floating-point ones); quote the key");
}

// go-yaml (YAML 1.1) ends a plain scalar at ':' only when a blank follows, so in "{a :, b}" it reads
// the key "a :"; yaml-cpp (YAML 1.2) ends it before a ':' followed by a flow indicator and reads "a".
// Refuses a plain scalar written on one line that is followed, after blanks, by ':' and one of ,[]{}?.
Status checkPlainScalarEnd(std::string_view text, const YamlNode& node) {
  if (node.kind != YamlNode::Kind::kScalar || node.tag != "?" || node.mark.is_null() || node.mark.pos < 0) {
    return okStatus();
  }
  const size_t begin = static_cast<size_t>(node.mark.pos);
  if (begin > text.size() || text.substr(begin, node.value.size()) != node.value) return okStatus();
  size_t at = begin + node.value.size();
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
  if (at + 1 < text.size() && text[at] == ':' && std::string_view(",[]{}?").find(text[at + 1]) != std::string_view::npos) {
    return makeError(ErrorCode::kInvalidArgument,
                     where(node.mark) + "':' directly followed by '" + std::string(1, text[at + 1]) +
                         "' after \"" + node.value +
                         "\" is read differently by Kubernetes' YAML reader; put a space after ':' or quote the text");
  }
  return okStatus();
}

// What one input may expand to, summed over all its documents: a small stream of documents that each
// stay under the per-document bound can still expand aliases to gigabytes together.
struct ExpansionBudget {
  size_t nodes = 0;
  size_t scalarBytes = 0;
};

class Converter {
 public:
  Converter(std::string_view text, const ParseLimits& limits, ExpansionBudget& budget)
      : text_(text), limits_(limits), budget_(budget) {}

  Status convert(const YamlNode& node, Json& out, int depth) {
    if (++nodes_ > limits_.maxNodes) {
      return makeError(ErrorCode::kInvalidArgument,
                       where(node.mark) + "document expands to more than " + std::to_string(limits_.maxNodes) +
                           " values (aliases expanded); refusing a possible alias bomb");
    }
    if (Status status = spend(node, 1, node.value.size()); !status) return status;
    // Depth counts mappings and sequences, as in parseStrictJson: a scalar adds no level.
    const bool collection = node.kind == YamlNode::Kind::kSequence || node.kind == YamlNode::Kind::kMap;
    if (collection && depth > limits_.maxDepth) {
      return makeError(ErrorCode::kInvalidArgument, where(node.mark) + "nesting deeper than " +
                                                        std::to_string(limits_.maxDepth) + " levels");
    }
    switch (node.kind) {
      case YamlNode::Kind::kNull:
        out = nullptr;
        return okStatus();
      case YamlNode::Kind::kScalar: {
        if (Status status = checkPlainScalarEnd(text_, node); !status) return status;
        Result<Json> value = scalarValue(node);
        if (!value) return std::move(value).error();
        out = std::move(value).value();
        return okStatus();
      }
      case YamlNode::Kind::kSequence: {
        if (Status status = checkCollectionTag(node.tag, false); !status) {
          return makeError(ErrorCode::kInvalidArgument, where(node.mark) + status.error().message);
        }
        out = Json::array();
        for (const auto& item : node.items) {
          Json element;
          if (Status status = convert(*item, element, depth + 1); !status) return status;
          out.push_back(std::move(element));
        }
        return okStatus();
      }
      case YamlNode::Kind::kMap:
        return convertMap(node, out, depth);
    }
    return makeError(ErrorCode::kInternal, "unknown YAML node kind");
  }

 private:
  // Counts what converting a node adds to the whole input, and refuses once the input's bound is passed.
  Status spend(const YamlNode& node, size_t nodes, size_t scalarBytes) {
    budget_.nodes += nodes;
    budget_.scalarBytes += scalarBytes;
    if (budget_.nodes > limits_.maxStreamNodes || budget_.scalarBytes > limits_.maxStreamScalarBytes) {
      return makeError(ErrorCode::kInvalidArgument,
                       where(node.mark) + "the input's documents together expand to more than " +
                           std::to_string(limits_.maxStreamNodes) + " values or " +
                           std::to_string(limits_.maxStreamScalarBytes) +
                           " bytes of text (aliases expanded); refusing a possible alias bomb, split the input");
    }
    return okStatus();
  }

  Status convertMap(const YamlNode& node, Json& out, int depth) {
    if (Status status = checkCollectionTag(node.tag, true); !status) {
      return makeError(ErrorCode::kInvalidArgument, where(node.mark) + status.error().message);
    }
    out = Json::object();
    // Keys written explicitly so far, to detect a later merge that would override one of them.
    std::unordered_map<std::string, bool> explicitKeys;
    for (const auto& [key, value] : node.entries) {
      if (isMergeKey(*key)) {
        if (Status status = applyMerge(*value, out, explicitKeys, depth); !status) return status;
        continue;
      }
      if (Status status = checkPlainScalarEnd(text_, *key); !status) return status;
      Result<std::string> keyName = keyText(*key);
      if (!keyName) return std::move(keyName).error();
      if (Status status = spend(*key, 0, keyName->size()); !status) return status;
      const std::string& name = *keyName;
      if (explicitKeys.count(name) != 0) {
        return makeError(ErrorCode::kInvalidArgument,
                         where(key->mark) + "duplicate key \"" + name + "\"; each key may appear once per mapping");
      }
      Json converted;
      if (Status status = convert(*value, converted, depth + 1); !status) return status;
      explicitKeys.emplace(name, true);
      out[name] = std::move(converted);
    }
    return okStatus();
  }

  // go-yaml v2 applies a merge where it appears: a merged key overrides an earlier explicit key and is
  // overridden by a later one, while the YAML merge spec says explicit keys always win. Where those two
  // readings give different values the document is ambiguous, so it is rejected.
  Status applyMerge(const YamlNode& source, Json& out, const std::unordered_map<std::string, bool>& explicitKeys,
                    int depth) {
    if (source.kind == YamlNode::Kind::kMap) return mergeOne(source, out, explicitKeys, depth);
    if (source.kind == YamlNode::Kind::kSequence) {
      // Earlier maps in the list take precedence, so apply them last-to-first.
      for (size_t i = source.items.size(); i-- > 0;) {
        const YamlNode& item = *source.items[i];
        if (item.kind != YamlNode::Kind::kMap) {
          return makeError(ErrorCode::kInvalidArgument,
                           where(item.mark) + "a merge key (<<) list may contain only mappings");
        }
        if (Status status = mergeOne(item, out, explicitKeys, depth); !status) return status;
      }
      return okStatus();
    }
    return makeError(ErrorCode::kInvalidArgument,
                     where(source.mark) + "a merge key (<<) must refer to a mapping or a list of mappings");
  }

  Status mergeOne(const YamlNode& source, Json& out, const std::unordered_map<std::string, bool>& explicitKeys,
                  int depth) {
    Json merged;
    if (Status status = convert(source, merged, depth + 1); !status) return status;
    for (auto& [name, value] : merged.items()) {
      if (explicitKeys.count(name) != 0 && out[name] != value) {
        return makeError(ErrorCode::kInvalidArgument,
                         where(source.mark) + "key \"" + name +
                             "\" is set explicitly and again by a later merge key (<<) with a different value; "
                             "YAML readers disagree on which wins, so write it once");
      }
      out[name] = std::move(value);
    }
    return okStatus();
  }

  std::string_view text_;
  const ParseLimits& limits_;
  ExpansionBudget& budget_;
  size_t nodes_ = 0;
};

class YamlSourceMap final : public SourceMap {
 public:
  explicit YamlSourceMap(YamlNodePtr root) : root_(std::move(root)) {}

  int lineOf(std::string_view path) const override {
    std::vector<PathSegment> segments;
    const YamlNode* current = root_.get();
    int line = lineOfNode(current, 1);
    if (!parseFieldPath(path, segments)) return line;
    for (const PathSegment& segment : segments) {
      const Entry next = step(*current, segment, 0);
      if (next.value == nullptr) break;
      // A mapping key's line is where the field is written; a sequence item's is where it starts.
      line = lineOfNode(next.key != nullptr ? next.key : next.value, line);
      current = next.value;
    }
    return line;
  }

 private:
  struct Entry {
    const YamlNode* key = nullptr;
    const YamlNode* value = nullptr;
  };

  static int lineOfNode(const YamlNode* node, int fallback) {
    return node == nullptr || node->mark.is_null() ? fallback : node->mark.line + 1;
  }

  static Entry step(const YamlNode& node, const PathSegment& segment, int mergeDepth) {
    if (segment.isIndex) {
      if (node.kind == YamlNode::Kind::kSequence && segment.index < node.items.size()) {
        return Entry{nullptr, node.items[segment.index].get()};
      }
      return {};
    }
    if (node.kind != YamlNode::Kind::kMap || mergeDepth > 8) return {};
    const YamlNode* merged = nullptr;
    for (const auto& [key, value] : node.entries) {
      if (isMergeKey(*key)) {
        if (merged == nullptr) merged = value.get();
        continue;
      }
      const Result<std::string> name = keyText(*key);
      if (name && *name == segment.key) return Entry{key.get(), value.get()};
    }
    if (merged == nullptr) return {};
    if (merged->kind == YamlNode::Kind::kSequence) {
      for (const auto& item : merged->items) {
        Entry found = step(*item, segment, mergeDepth + 1);
        if (found.value != nullptr) return found;
      }
      return {};
    }
    return step(*merged, segment, mergeDepth + 1);
  }

  YamlNodePtr root_;
};

// A document's root node and the mark where the parser started it.
struct RawDocument {
  YamlNodePtr root;
  YAML::Mark start;
};

Result<std::vector<RawDocument>> readDocuments(const std::string& input, const ParseLimits& limits) {
  std::vector<RawDocument> documents;
  std::istringstream stream(input);
  YAML::Parser parser(stream);
  DocumentBuilder builder;
  while (parser.HandleNextDocument(builder)) {
    const YAML::Mark start = builder.start();
    // A document starting where the previous one did means the parser consumed nothing: it is stuck
    // on a token that cannot begin a document.
    if (!documents.empty() && !start.is_null() && start.pos == documents.back().start.pos) {
      const size_t at = static_cast<size_t>(start.pos);
      const std::string found = at < input.size() ? "'" + input.substr(at, 1) + "'" : "content";
      return makeError(ErrorCode::kInvalidArgument,
                       "malformed YAML: " + where(start) + "unexpected " + found + " where a document should start");
    }
    if (documents.size() >= limits.maxDocuments) {
      return makeError(ErrorCode::kInvalidArgument, "stream has at least " + std::to_string(documents.size() + 1) +
                                                        " documents, more than the limit of " +
                                                        std::to_string(limits.maxDocuments));
    }
    documents.push_back(RawDocument{builder.root(), start});
  }
  return documents;
}

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
  if (Status status = checkYamlText(text); !status) {
    return makeError(ErrorCode::kInvalidArgument, "malformed YAML: " + status.error().message);
  }
  std::string input(text);
  if (!input.empty() && (input.back() == '\n' || input.back() == '\r')) input += '#';
  Result<std::vector<RawDocument>> raw = std::vector<RawDocument>{};
  try {
    raw = readDocuments(input, limits);
  } catch (const YAML::Exception& ex) {
    return makeError(ErrorCode::kInvalidArgument, "malformed YAML: " + where(ex.mark) + ex.msg);
  } catch (const std::exception& ex) {
    return makeError(ErrorCode::kInvalidArgument, std::string("malformed YAML: ") + ex.what());
  }
  if (!raw) return std::move(raw).error();
  const std::vector<RawDocument>& roots = *raw;
  std::vector<ParsedDocument> documents;
  documents.reserve(roots.size());
  ExpansionBudget budget;
  for (size_t i = 0; i < roots.size(); ++i) {
    const YamlNodePtr& root = roots[i].root;
    if (root == nullptr || root->kind == YamlNode::Kind::kNull) continue;
    const YAML::Mark start = root->mark;
    if (!start.is_null()) {
      const YamlNodePtr& next = i + 1 < roots.size() ? roots[i + 1].root : nullptr;
      const size_t end = (next != nullptr && !next->mark.is_null()) ? static_cast<size_t>(next->mark.pos) : text.size();
      const size_t begin = static_cast<size_t>(start.pos);
      if (end > begin && end - begin > limits.maxDocumentBytes) {
        return makeError(ErrorCode::kInvalidArgument,
                         where(start) + "document is " + std::to_string(end - begin) +
                             " bytes, more than the limit of " + std::to_string(limits.maxDocumentBytes));
      }
    }
    ParsedDocument document;
    try {
      Converter converter(text, limits, budget);
      if (Status status = converter.convert(*root, document.value, 1); !status) return status.error();
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

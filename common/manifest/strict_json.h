#pragma once

#include <cstddef>
#include <forward_list>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/manifest/parse_limits.h"
#include "common/result/result.h"

namespace agentguard::manifest {

// Parses one JSON value from untrusted text. Unlike nlohmann::json::parse it rejects duplicate object
// keys (a parser-differential bypass: one reader takes the first value, another the last), bounds the
// nesting depth and the number of values, and never throws: every problem is an InvalidArgument
// naming the line, column or field path. What it accepts, nlohmann::json::parse reads the same way.
Result<nlohmann::json> parseStrictJson(std::string_view text, const ParseLimits& limits = {});

// Lets go of a DOM, leaving `value` null. Instead of returning every key, string and container to
// malloc, this thread keeps them and the next DOM it reads (parseStrictJson,
// StrictJsonReader::readValue) reuses them: a webhook that reads and drops an object of much the same
// shape per request then spends little on allocation. A DOM of up to 16,384 values is kept whole and
// the next document is read into it, members whose keys come in the same order staying in place;
// the rest is taken apart, keeping up to a bounded number of parts. What the next read returns is the
// same as a fresh parse. Cheaper than the DOM's destructor, which first moves every value onto a heap
// stack.
void recycleJson(nlohmann::json& value);

// Reads one JSON document front to back under the rules of parseStrictJson, so a caller that needs a
// few fields builds only those: an object's members are handed over one at a time, and each value is
// read (as a scalar or a DOM) or skipped. A skipped value is still checked: its keys must be unique,
// its strings valid UTF-8, and it counts toward the depth and value limits.
//
// After the first problem every call returns false and error() says what it was. Call finish() after
// the top-level value: the document is valid only if that returns true.
class StrictJsonReader {
 public:
  enum class Type { kNull, kBoolean, kNumber, kString, kArray, kObject, kInvalid };
  // Given the member's key (valid during the call), reads or skips its value; a value the visitor
  // leaves unread is skipped.
  using MemberVisitor = std::function<void(std::string_view key)>;
  using ElementVisitor = std::function<void(size_t index)>;

  // The text must outlive the reader.
  explicit StrictJsonReader(std::string_view text, const ParseLimits& limits = {});
  ~StrictJsonReader();
  StrictJsonReader(const StrictJsonReader&) = delete;
  StrictJsonReader& operator=(const StrictJsonReader&) = delete;

  // The type of the next value, from its first character; kInvalid at the end, on a character that
  // starts no value, and after an error. Consumes nothing but whitespace.
  Type peek();

  bool readObject(const MemberVisitor& member);
  bool readArray(const ElementVisitor& element);
  bool readString(std::string& out);
  bool readBoolean(bool& out);
  // The next value as a DOM.
  bool readValue(nlohmann::json& out);
  // Checks the next value without building it; `raw`, when given, receives its text.
  bool skipValue(std::string_view* raw = nullptr);
  // Checks that only whitespace follows.
  bool finish();

  bool failed() const { return failed_; }
  // InvalidArgument describing the first problem; meaningful once failed().
  Error error() const;

 private:
  // A container being read. Objects that are not built into a DOM keep their keys here to refuse
  // duplicates; a built one uses its own map.
  struct Level {
    nlohmann::json* container = nullptr;
    bool isObject = false;
    size_t index = 0;      // arrays: the current element
    std::string_view key;  // objects: the current member
    std::vector<std::string_view> keys;
    std::unordered_set<std::string_view> keyIndex;  // replaces `keys` once an object has many
    // A built container that held a value of the template (see recycleJson) is read into in place:
    // an array's elements by index; an object's members while the keys come in the order the object
    // has them, `cursor` being the next one. Once a key does not, the members not yet matched are set
    // aside in `spare`, and a later key takes its member (value and all) from there.
    bool reusing = false;
    nlohmann::json::object_t::iterator cursor;
    std::vector<nlohmann::json::object_t::node_type> spare;
  };

  bool fail(size_t position, std::string reason);
  bool failWithoutPosition(std::string reason);
  std::string describeAt(size_t position) const;
  std::string currentPath(size_t levels) const;

  // Most calls find no whitespace or one space, so that much is checked inline.
  void skipWhitespace() {
    if (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
    if (pos_ >= text_.size() || static_cast<unsigned char>(text_[pos_]) > ' ') return;
    skipWhitespaceRun();
  }
  void skipWhitespaceRun();
  bool expect(char c, std::string_view what) {
    skipWhitespace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return failExpecting(what);
  }
  bool failExpecting(std::string_view what);
  bool countValue();
  Level* enter(bool isObject, nlohmann::json* container);
  void leave();
  bool readKey(Level& level, nlohmann::json* container, nlohmann::json*& slot);
  bool reuseMember(Level& level, std::string_view key, nlohmann::json*& slot);
  void openContainer(nlohmann::json& slot, bool isObject);
  void closeContainer(Level& level, size_t elements);
  bool rememberKey(Level& level, std::string_view key, bool stable);
  bool walk(nlohmann::json* out);
  bool scalar(nlohmann::json* out);
  bool lexString(std::string_view& value, bool& stable);
  bool lexNumber(nlohmann::json* out);
  bool lexLiteral(std::string_view literal);
  bool closeLevel(char closer);

  std::string_view text_;
  ParseLimits limits_;
  size_t pos_ = 0;
  size_t nodes_ = 0;
  size_t heldBytes_ = 0;  // readValue(): capacity of the strings and keys it has put in the DOM
  size_t depth_ = 0;
  size_t lastValueEnd_ = 0;  // where the most recent complete value ended
  // The levels of the last reader destroyed on this thread, with their buffers, for the next one.
  static std::vector<Level>& keptLevels();

  std::vector<Level> levels_;  // [0, depth_) in use; the rest kept for reuse
  std::string scratch_;        // a string with escapes, decoded
  std::forward_list<std::string> ownedKeys_;  // decoded keys of objects that are not built
  bool failed_ = false;
  std::string message_;
};

}  // namespace agentguard::manifest

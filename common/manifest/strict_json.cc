#include "common/manifest/strict_json.h"

#include <string>
#include <vector>

#include "common/manifest/field_path.h"

namespace agentguard::manifest {
namespace {

using Json = nlohmann::json;

// Builds the DOM from SAX events so every key can be checked before it is inserted.
class StrictDomBuilder {
 public:
  explicit StrictDomBuilder(const ParseLimits& limits) : limits_(limits) {}

  bool null() { return addValue(Json(nullptr)); }
  bool boolean(bool value) { return addValue(Json(value)); }
  bool number_integer(Json::number_integer_t value) { return addValue(Json(value)); }
  bool number_unsigned(Json::number_unsigned_t value) { return addValue(Json(value)); }
  bool number_float(Json::number_float_t value, const std::string& /*text*/) { return addValue(Json(value)); }
  bool string(std::string& value) { return addValue(Json(std::move(value))); }
  bool binary(Json::binary_t& /*value*/) { return fail("binary values are not valid JSON"); }

  bool start_object(std::size_t /*elements*/) { return open(Json::object()); }
  bool start_array(std::size_t /*elements*/) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(std::string& name) {
    Frame& frame = stack_.back();
    if (frame.value->contains(name)) {
      return fail("duplicate key \"" + name + "\" at " + displayPath(frame.path) +
                  "; each key may appear once per object");
    }
    frame.pendingKey = std::move(name);
    return true;
  }

  bool parse_error(std::size_t position, const std::string& /*token*/, const nlohmann::detail::exception& ex) {
    errorPosition_ = position;
    std::string what = ex.what();
    // nlohmann prefixes "[json.exception.parse_error.101] parse error at line 1, column 5: "; keep the reason.
    const size_t colon = what.find(": ");
    message_ = colon == std::string::npos ? what : what.substr(colon + 2);
    return false;
  }

  Json takeRoot() { return std::move(root_); }
  const std::string& message() const { return message_; }
  std::size_t errorPosition() const { return errorPosition_; }

 private:
  struct Frame {
    Json* value;
    FieldPath path;
    std::string pendingKey;
  };

  static std::string displayPath(const FieldPath& path) { return path.empty() ? "the top level" : path.str(); }

  bool fail(std::string message) {
    message_ = std::move(message);
    return false;
  }

  bool countNode() {
    if (++nodes_ > limits_.maxNodes) {
      return fail("document has more than " + std::to_string(limits_.maxNodes) + " values");
    }
    return true;
  }

  // Places a value into the current container and returns where it now lives.
  Json* place(Json&& value, FieldPath& path) {
    if (stack_.empty()) {
      root_ = std::move(value);
      path = FieldPath();
      return &root_;
    }
    Frame& frame = stack_.back();
    if (frame.value->is_object()) {
      path = frame.path.key(frame.pendingKey);
      return &((*frame.value)[frame.pendingKey] = std::move(value));
    }
    path = frame.path.index(frame.value->size());
    frame.value->push_back(std::move(value));
    return &frame.value->back();
  }

  bool addValue(Json&& value) {
    if (!countNode()) return false;
    FieldPath ignored;
    place(std::move(value), ignored);
    return true;
  }

  bool open(Json&& container) {
    if (!countNode()) return false;
    if (static_cast<int>(stack_.size()) >= limits_.maxDepth) {
      return fail("nesting deeper than " + std::to_string(limits_.maxDepth) + " levels");
    }
    FieldPath path;
    Json* placed = place(std::move(container), path);
    stack_.push_back(Frame{placed, std::move(path), {}});
    return true;
  }

  bool close() {
    stack_.pop_back();
    return true;
  }

  const ParseLimits& limits_;
  Json root_;
  std::vector<Frame> stack_;
  size_t nodes_ = 0;
  std::string message_;
  std::size_t errorPosition_ = std::string::npos;
};

std::string lineAndColumn(std::string_view text, std::size_t position) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < position && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

Result<Json> parseStrictJson(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.maxInputBytes) {
    return makeError(ErrorCode::kInvalidArgument, "input is " + std::to_string(text.size()) +
                                                      " bytes, more than the limit of " +
                                                      std::to_string(limits.maxInputBytes));
  }
  StrictDomBuilder builder(limits);
  bool accepted = false;
  try {
    accepted = Json::sax_parse(text.begin(), text.end(), &builder, Json::input_format_t::json, true);
  } catch (const std::exception& ex) {
    return makeError(ErrorCode::kInvalidArgument, std::string("malformed JSON: ") + ex.what());
  }
  if (!accepted) {
    std::string message = "malformed JSON";
    if (builder.errorPosition() != std::string::npos) {
      message += " at " + lineAndColumn(text, builder.errorPosition() > 0 ? builder.errorPosition() - 1 : 0);
    }
    message += ": " + builder.message();
    return makeError(ErrorCode::kInvalidArgument, std::move(message));
  }
  return builder.takeRoot();
}

}  // namespace agentguard::manifest

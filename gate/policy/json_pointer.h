#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result/result.h"

namespace agentguard::gate::policy {

// An RFC 6901 JSON Pointer into a tool call's arguments ("/url", "/headers/a~1b" for the key "a/b",
// "/m~0n" for "m~n", "/items/0"). Read without nlohmann::json_pointer, which throws and accepts "-".
class JsonPointer {
 public:
  // InvalidArgument for "" (the whole arguments object is not a value a matcher checks), a pointer that
  // does not start with '/', and '~' followed by anything but '0' or '1'.
  static Result<JsonPointer> parse(std::string_view text);

  // The value the pointer names in `document`, or nullptr when it names nothing: a missing key, an
  // index out of range or not written in decimal without leading zeros ("01", "-", "+1"), or a step
  // into a string, number, boolean or null.
  const nlohmann::json* resolve(const nlohmann::json& document) const;

  const std::string& text() const { return text_; }
  const std::vector<std::string>& tokens() const { return tokens_; }

 private:
  std::string text_;
  std::vector<std::string> tokens_;
};

}  // namespace agentguard::gate::policy

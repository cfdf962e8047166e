#include "gate/policy/json_pointer.h"

#include "common/text/ascii.h"

namespace agentguard::gate::policy {
namespace {

// An array index as RFC 6901 writes it: "0" or digits without a leading zero, small enough to be one.
bool readIndex(std::string_view token, size_t& index) {
  if (token.empty() || token.size() > 9 || (token.size() > 1 && token[0] == '0')) return false;
  index = 0;
  for (char c : token) {
    if (!text::isDigit(c)) return false;
    index = index * 10 + static_cast<size_t>(c - '0');
  }
  return true;
}

}  // namespace

Result<JsonPointer> JsonPointer::parse(std::string_view text) {
  if (text.empty() || text.front() != '/') {
    return makeError(ErrorCode::kInvalidArgument,
                     "is not a JSON Pointer to an argument; write it as /name (RFC 6901, e.g. /url or /options/path)");
  }
  JsonPointer pointer;
  pointer.text_ = std::string(text);
  std::string token;
  for (size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      pointer.tokens_.push_back(std::move(token));
      token.clear();
      continue;
    }
    if (text[i] != '~') {
      token.push_back(text[i]);
      continue;
    }
    if (i + 1 < text.size() && (text[i + 1] == '0' || text[i + 1] == '1')) {
      token.push_back(text[i + 1] == '0' ? '~' : '/');
      ++i;
      continue;
    }
    return makeError(ErrorCode::kInvalidArgument, "has a '~' that is not ~0 (for '~') or ~1 (for '/'); escape it");
  }
  return pointer;
}

const nlohmann::json* JsonPointer::resolve(const nlohmann::json& document) const {
  const nlohmann::json* current = &document;
  for (const std::string& token : tokens_) {
    if (current->is_object()) {
      const auto found = current->find(token);
      if (found == current->end()) return nullptr;
      current = &*found;
    } else if (current->is_array()) {
      size_t index = 0;
      if (!readIndex(token, index) || index >= current->size()) return nullptr;
      current = &(*current)[index];
    } else {
      return nullptr;
    }
  }
  return current;
}

}  // namespace agentguard::gate::policy

#include "engine/rules/credentials/key_material.h"

#include "common/encoding/base64.h"
#include "engine/rules/credentials/char_classes.h"

namespace agentguard::engine::credentials {
namespace {

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kDashes = "-----";
constexpr size_t kMaxLabel = 48;

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

std::string_view pemLabelAt(std::string_view text, size_t pos, size_t& headerEnd) {
  if (text.compare(pos, kBegin.size(), kBegin) != 0) return {};
  const size_t labelStart = pos + kBegin.size();
  const size_t labelLength =
      runLength(text, labelStart, [](char c) { return isUpper(c) || isDigit(c) || c == ' '; }, kMaxLabel + 1);
  if (labelLength == 0 || labelLength > kMaxLabel) return {};
  if (text.compare(labelStart + labelLength, kDashes.size(), kDashes) != 0) return {};
  headerEnd = labelStart + labelLength + kDashes.size();
  return text.substr(labelStart, labelLength);
}

KeyMaterial classifyPemLabel(std::string_view label) {
  if (endsWith(label, "PRIVATE KEY") || endsWith(label, "PRIVATE KEY BLOCK")) return KeyMaterial::kPrivateKey;
  if (label.empty()) return KeyMaterial::kNone;
  return KeyMaterial::kPublic;
}

KeyMaterial classifyBase64KeyMaterial(std::string_view token) {
  if (startsWith(token, "LS0tLS1CRUdJTi")) {  // "-----BEGIN"
    const std::string decoded = encoding::decodeBase64Prefix(token, kBegin.size() + kMaxLabel + kDashes.size());
    size_t headerEnd = 0;
    return classifyPemLabel(pemLabelAt(decoded, 0, headerEnd));
  }
  if (startsWith(token, "AAAA")) {  // a 4-byte big-endian length, then the key type
    const std::string decoded = encoding::decodeBase64Prefix(token, 24);
    if (decoded.size() < 8) return KeyMaterial::kNone;
    const std::string_view type = std::string_view(decoded).substr(4);
    if (startsWith(type, "ssh-") || startsWith(type, "ecdsa-") || startsWith(type, "sk-ssh-") ||
        startsWith(type, "sk-ecdsa-")) {
      return KeyMaterial::kPublic;
    }
  }
  return KeyMaterial::kNone;
}

}  // namespace agentguard::engine::credentials

#include "engine/policy/policy_digest.h"

#include <algorithm>
#include <array>

#include <openssl/evp.h>

namespace agentguard::engine {
namespace {

std::string hex(const unsigned char* bytes, unsigned int size) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string text;
  text.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    text += kDigits[bytes[i] >> 4];
    text += kDigits[bytes[i] & 0xF];
  }
  return text;
}

std::string sha256(const std::string& text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return "sha256:" + hex(digest.data(), size);
}

}  // namespace

std::string layeredPolicyDigest(const std::vector<std::string>& layerDigests) {
  if (layerDigests.size() == 1) return layerDigests.front();
  std::string text;
  for (size_t i = 0; i < layerDigests.size(); ++i) text += (i > 0 ? "\n" : "") + layerDigests[i];
  return sha256(text);
}

std::string policyDigest(const std::vector<nlohmann::json>& documents) {
  std::vector<std::string> canonical;
  canonical.reserve(documents.size());
  for (const auto& document : documents) {
    // nlohmann::json keeps object keys sorted; invalid UTF-8 (which YAML parsing already refuses) is
    // replaced rather than thrown on.
    canonical.push_back(document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  std::sort(canonical.begin(), canonical.end());
  std::string text;
  for (size_t i = 0; i < canonical.size(); ++i) {
    if (i > 0) text += '\n';
    text += canonical[i];
  }
  return sha256(text);
}

}  // namespace agentguard::engine

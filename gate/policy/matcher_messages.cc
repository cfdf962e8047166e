#include "gate/policy/matcher_messages.h"

namespace agentguard::gate::policy {

std::string quotedForMessage(const nlohmann::json& value, size_t maxBytes) {
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() <= maxBytes) return text;
  // Cut on a character boundary: never before a UTF-8 continuation byte.
  size_t cut = maxBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + "...";
}

}  // namespace agentguard::gate::policy

// parseStrictJson on arbitrary bytes. Besides never crashing, whatever it accepts must be what
// nlohmann::json::parse reads from the same text: the strict reader only refuses more.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/manifest/strict_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = agentguard::manifest::parseStrictJson(text);
  if (!parsed) {
    if (parsed.error().message.empty()) __builtin_trap();
    return 0;
  }
  const nlohmann::json reference = nlohmann::json::parse(text, nullptr, false);
  if (reference.is_discarded() || reference != *parsed) __builtin_trap();
  // What it accepted survives a round trip through its own output.
  auto again = agentguard::manifest::parseStrictJson(parsed->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (!again || *again != *parsed) __builtin_trap();
  return 0;
}

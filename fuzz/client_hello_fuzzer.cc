// parseClientHello on arbitrary bytes (the first bytes an agent sends into a CONNECT tunnel). Besides
// never crashing or reading past the input: a server name it returns is a plausible DNS name, and a
// decision it reaches (anything but "need more") does not change when more bytes follow, since the
// proxy decides on the bytes it has so far.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gate/egress/client_hello.h"

using agentguard::gate::egress::ClientHelloStatus;
using agentguard::gate::egress::parseClientHello;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto result = parseClientHello(bytes);
  if (result.status == ClientHelloStatus::kServerName) {
    if (result.serverName.empty() || result.serverName.size() > 253) __builtin_trap();
    for (const char c : result.serverName) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_';
      if (!ok) __builtin_trap();
    }
  } else if (!result.serverName.empty()) {
    __builtin_trap();
  }
  if (result.status != ClientHelloStatus::kNeedMore) {
    const auto longer = parseClientHello(std::string(bytes) + std::string("\x16\x03\x01\x00\x01\x01", 6));
    if (longer.status != result.status || longer.serverName != result.serverName) __builtin_trap();
  }
  return 0;
}

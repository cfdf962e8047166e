// parseConnectRequest on arbitrary bytes. Besides never crashing: an accepted request has a lower-case
// host without a trailing dot and a port from 1 to 65535, and a refusal has a status and a reason.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "gate/egress/connect_request.h"

using agentguard::gate::egress::ConnectRequest;
using agentguard::gate::egress::ConnectRequestError;
using agentguard::gate::egress::parseConnectRequest;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view head(reinterpret_cast<const char*>(data), size);
  const auto parsed = parseConnectRequest(head);
  if (const auto* error = std::get_if<ConnectRequestError>(&parsed)) {
    if (error->reason.empty() || (error->status != 400 && error->status != 405 && error->status != 431)) __builtin_trap();
    return 0;
  }
  const auto& request = std::get<ConnectRequest>(parsed);
  if (request.host.empty() || request.host.back() == '.' || request.port == 0) __builtin_trap();
  for (const char c : request.host) {
    if (c >= 'A' && c <= 'Z') __builtin_trap();
  }
  return 0;
}

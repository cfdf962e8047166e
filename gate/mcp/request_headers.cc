#include "gate/mcp/request_headers.h"

#include <string>

#include "gate/policy/matcher_messages.h"
#include "gate/policy/method_target.h"

namespace agentguard::gate::mcp {
namespace {

const std::string* header(const HeaderMap& headers, std::string_view name) {
  const auto found = headers.find(name);
  return found == headers.end() ? nullptr : &found->second;
}

// Dates compare as text; a value that is not a date (or is later) is held to the later rules.
bool headersRequired(const HeaderMap& headers) {
  const std::string* version = header(headers, "mcp-protocol-version");
  return version != nullptr && *version >= kHeadersRequiredFrom;
}

}  // namespace

std::optional<std::string> messageTargetName(const JsonRpcMessage& message) {
  const policy::MethodTarget target = policy::methodTarget(message.method);
  if (target == policy::MethodTarget::kNone || !message.params.is_object()) return std::nullopt;
  const auto value = message.params.find(target == policy::MethodTarget::kName ? "name" : "uri");
  if (value == message.params.end() || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

std::optional<std::string> headerMismatch(const JsonRpcMessage& message, const HeaderMap& headers) {
  const bool required = headersRequired(headers);
  const std::string* method = header(headers, "mcp-method");
  const std::string* name = header(headers, "mcp-name");
  if (message.kind == JsonRpcMessage::Kind::kResponse) {
    if (method != nullptr || name != nullptr) {
      return std::string("Mcp-Method or Mcp-Name is set on a response, which has neither; remove them");
    }
    return std::nullopt;
  }
  if (method == nullptr && required) {
    return "Mcp-Method is required from protocol version " + std::string(kHeadersRequiredFrom) +
           "; send Mcp-Method with the body's method";
  }
  if (method != nullptr && *method != message.method) {
    return "Mcp-Method does not equal the body's method " + policy::quotedForMessage(message.method) +
           "; send the same method in both";
  }
  const bool namesTarget = policy::methodTarget(message.method) != policy::MethodTarget::kNone;
  const std::optional<std::string> target = messageTargetName(message);
  if (name == nullptr) {
    if (required && namesTarget) {
      return "Mcp-Name is required for " + policy::quotedForMessage(message.method) + " from protocol version " +
             std::string(kHeadersRequiredFrom) + "; send Mcp-Name with the body's " +
             (policy::methodTarget(message.method) == policy::MethodTarget::kUri ? "params.uri" : "params.name");
    }
    return std::nullopt;
  }
  if (!target || *name != *target) {
    return std::string("Mcp-Name does not equal what the body names (") +
           (target ? policy::quotedForMessage(*target) : std::string("nothing")) + "); send the same name in both";
  }
  return std::nullopt;
}

}  // namespace agentguard::gate::mcp

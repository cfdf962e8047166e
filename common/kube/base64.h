#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace agentguard::kube {

// Decodes standard base64 (RFC 4648, with or without padding); whitespace is ignored, as in kubeconfig
// *-data fields and Secret data. nullopt when the text is not base64.
std::optional<std::string> decodeBase64(std::string_view text);

}  // namespace agentguard::kube

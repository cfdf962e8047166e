#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result/result.h"
#include "gate/policy/host_name.h"

namespace agentguard::gate::policy {

// An absolute http or https URL read strictly, so that the host the gate checks is the host any client
// connects to.
struct HttpUrl {
  std::string scheme;  // "http" or "https", lower-cased
  HostName host;
  std::optional<uint16_t> port;
  bool hasFragment = false;
};

// InvalidArgument for anything but "http://" or "https://" (any case) followed by a host, an optional
// ":port" (1..65535) and then nothing or '/', '?' or '#': userinfo ('@' anywhere before the path) is
// refused, and so are backslashes, whitespace and control characters anywhere (browsers read '\' as '/'
// and drop tabs and line breaks), "https:host" and "https:/host" forms, and every host parseHostName
// refuses.
Result<HttpUrl> parseHttpUrl(std::string_view text);

}  // namespace agentguard::gate::policy

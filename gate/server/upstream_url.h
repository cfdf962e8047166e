#pragma once

#include <cstdint>
#include <string>

#include "common/result/result.h"

namespace agentguard::gate::server {

// An upstream MCP endpoint, from tools.servers[].url.
struct UpstreamUrl {
  bool tls = false;    // https
  std::string host;    // without brackets for an IPv6 literal
  uint16_t port = 0;
  std::string target;  // path and query, at least "/"
  std::string hostHeader;  // "host" or "host:port" when the port is not the scheme's default
};

// Parses http:// and https:// URLs without userinfo or fragment; InvalidArgument says what is wrong.
Result<UpstreamUrl> parseUpstreamUrl(const std::string& url);

}  // namespace agentguard::gate::server

#pragma once

#include <string>
#include <string_view>

#include "common/result/result.h"

namespace agentguard::gate::policy {

// A host as the gate compares it: a DNS name lower-cased without its trailing dot, an IPv4 address in
// dotted decimal, or an IPv6 address in brackets in the form inet_ntop writes ("[::1]").
struct HostName {
  enum class Kind { kDns, kIpv4, kIpv6 };
  Kind kind = Kind::kDns;
  std::string text;

  bool isIpLiteral() const { return kind != Kind::kDns; }
};

// Reads the host of a URL authority or of a CONNECT target, strictly. InvalidArgument for anything
// another reader could take for a different host: non-ASCII (IDNA is not applied: unicode dots and
// look-alike letters are refused, punycode "xn--" labels are plain ASCII), percent-escapes, empty
// labels, labels beyond 63 characters or with characters outside [a-z0-9-], and numbers that are not an
// IPv4 address in dotted decimal ("2130706433", "0x7f.1", "0177.0.0.1", "127.1" are refused, since
// browsers and curl read them as 127.0.0.1). IPv6 comes in brackets, without a zone.
Result<HostName> parseHostName(std::string_view host);

}  // namespace agentguard::gate::policy

#include "gate/policy/host_pattern.h"

#include <string>

namespace agentguard::gate::policy {

Result<HostPattern> HostPattern::parse(std::string_view text) {
  HostPattern pattern;
  std::string_view rest = text;
  if (rest.starts_with("**.")) {
    pattern.wildcard_ = Wildcard::kAnyLabels;
    rest.remove_prefix(3);
  } else if (rest.starts_with("*.")) {
    pattern.wildcard_ = Wildcard::kOneLabel;
    rest.remove_prefix(2);
  }
  if (rest.find('*') != std::string_view::npos) {
    return makeError(ErrorCode::kInvalidArgument,
                     "\"" + std::string(text) +
                         "\" has a '*' that is not a whole leftmost label; write \"*.example.com\" (one label) or "
                         "\"**.example.com\" (one or more)");
  }
  Result<HostName> host = parseHostName(rest);
  if (!host) {
    return makeError(ErrorCode::kInvalidArgument,
                     "\"" + std::string(text) + "\" " + host.error().message + "; list a host name or an IP address");
  }
  if (pattern.wildcard_ != Wildcard::kNone && host->isIpLiteral()) {
    return makeError(ErrorCode::kInvalidArgument, "\"" + std::string(text) +
                                                      "\" puts a wildcard before an IP address; list the address itself");
  }
  pattern.host_ = host->text;
  pattern.text_ = (pattern.wildcard_ == Wildcard::kAnyLabels   ? "**."
                   : pattern.wildcard_ == Wildcard::kOneLabel ? "*."
                                                               : "") +
                  host->text;
  return pattern;
}

bool HostPattern::matches(const HostName& host) const {
  if (wildcard_ == Wildcard::kNone) return host.text == host_;
  if (host.isIpLiteral()) return false;
  const std::string_view name = host.text;
  if (name.size() < host_.size() + 2 || !name.ends_with(host_)) return false;
  const size_t dot = name.size() - host_.size() - 1;
  if (name[dot] != '.') return false;
  const std::string_view extra = name.substr(0, dot);  // non-empty: the size check leaves one byte at least
  return wildcard_ == Wildcard::kAnyLabels || extra.find('.') == std::string_view::npos;
}

}  // namespace agentguard::gate::policy

#pragma once

#include <string>
#include <string_view>

#include "common/result/result.h"
#include "gate/policy/host_name.h"

namespace agentguard::gate::policy {

// One entry of urlHosts or of egressHosts (without its port): a host compared whole ("docs.example.com",
// "10.0.0.5", "[fd00::1]"), "*.example.com" (exactly one more label: a.example.com, not example.com nor
// a.b.example.com) or "**.example.com" (one or more labels). Wildcards stand for whole labels, leftmost
// only, and never match IP literals; an IP literal matches only when listed as itself.
class HostPattern {
 public:
  // InvalidArgument naming what is wrong with `text` and the fix (the caller adds the field path).
  static Result<HostPattern> parse(std::string_view text);

  bool matches(const HostName& host) const;
  // The pattern as the policy wrote it, lower-cased, for messages.
  const std::string& text() const { return text_; }

 private:
  enum class Wildcard { kNone, kOneLabel, kAnyLabels };
  Wildcard wildcard_ = Wildcard::kNone;
  std::string host_;  // without the wildcard label: "example.com" for "*.example.com"
  std::string text_;
};

}  // namespace agentguard::gate::policy

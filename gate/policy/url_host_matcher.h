#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result/result.h"
#include "gate/policy/host_pattern.h"
#include "gate/policy/refusal.h"

namespace agentguard::gate::policy {

// `urlHosts: [...]`: the value must be an http(s) URL (parseHttpUrl: no userinfo, no backslash, strict
// host) whose host one of the patterns matches (HostPattern). Any port is allowed.
class UrlHostMatcher {
 public:
  static Result<UrlHostMatcher> parse(const nlohmann::json& spec, std::string_view path);
  Refusal check(const nlohmann::json& value, std::string_view location) const;
  // The same decision for a URL given as text.
  Refusal checkUrl(std::string_view url, std::string_view location) const;

 private:
  std::vector<HostPattern> patterns_;
};

}  // namespace agentguard::gate::policy

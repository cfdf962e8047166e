#include "gate/policy/egress_hosts.h"

#include <gtest/gtest.h>

#include "gate/policy/sandbox_tool_policy.h"

namespace agentguard::gate::policy {
namespace {

SandboxToolPolicy policyWith(std::initializer_list<std::string_view> hosts) {
  SandboxToolPolicy policy;
  for (std::string_view host : hosts) {
    Result<EgressHostPattern> pattern = EgressHostPattern::parse(host);
    EXPECT_TRUE(pattern.ok()) << host << ": " << (pattern.ok() ? "" : pattern.error().message);
    if (pattern) policy.egressHosts.push_back(std::move(pattern).value());
  }
  return policy;
}

struct EgressCase {
  const char* name;
  const char* host;
  uint16_t port;
  bool allowed;
};

TEST(EgressHostsTest, HostAndPortMustBothMatch) {
  const SandboxToolPolicy policy = policyWith({"api.github.com:443", "*.pypi.org:443", "**.example.net:8443",
                                               "10.0.0.5:443", "[fd00::1]:443"});
  const EgressCase kCases[] = {
      {"listed", "api.github.com", 443, true},
      {"upper-case", "API.GitHub.COM", 443, true},
      {"trailing dot", "api.github.com.", 443, true},
      {"other port", "api.github.com", 80, false},
      {"suffix attack", "api.github.com.evil.com", 443, false},
      {"sibling", "gist.github.com", 443, false},
      {"one-label wildcard", "files.pypi.org", 443, true},
      {"one-label wildcard, apex", "pypi.org", 443, false},
      {"one-label wildcard, two labels", "a.files.pypi.org", 443, false},
      {"many-label wildcard", "a.b.example.net", 8443, true},
      {"many-label wildcard, apex", "example.net", 8443, false},
      {"listed address", "10.0.0.5", 443, true},
      {"address as a number", "167772165", 443, false},
      {"address in hex", "0xa.0.0.5", 443, false},
      {"address with leading zero", "010.0.0.5", 443, false},
      {"listed IPv6 bracketed", "[fd00::1]", 443, true},
      {"listed IPv6 bare", "fd00::1", 443, true},
      {"listed IPv6 written longer", "[fd00:0::0:1]", 443, true},
      {"IPv6 loopback", "[::1]", 443, false},
      {"metadata address", "169.254.169.254", 80, false},
      {"unicode dot", "api\xE3\x80\x82github.com", 443, false},
      {"empty", "", 443, false},
  };
  for (const EgressCase& c : kCases) {
    EXPECT_EQ(egressHostAllowed(policy, c.host, c.port), c.allowed) << c.name << ": " << c.host << ":" << c.port;
  }
  EXPECT_FALSE(egressHostAllowed(policy, std::string_view("api.github.com\0.evil.com", 24), 443));
}

TEST(EgressHostsTest, NoEgressHostsAllowsNothing) {
  EXPECT_FALSE(egressHostAllowed(SandboxToolPolicy{}, "api.github.com", 443));
}

TEST(EgressHostsTest, EntriesWithoutAPortOrWithBadHostsAreRefused) {
  for (const char* text : {"api.github.com", "api.github.com:", "api.github.com:0", "api.github.com:65536",
                           "api.github.com:https", "*:443", "[fd00::1]", "https://api.github.com:443", "a.*.com:443",
                           "2130706433:443", ":443"}) {
    EXPECT_FALSE(EgressHostPattern::parse(text).ok()) << text;
  }
}

}  // namespace
}  // namespace agentguard::gate::policy

#include "common/time/rfc3339.h"
#include "operator/api/agent_sandbox.h"

#include <gtest/gtest.h>

#include "operator/api/ip_block.h"
#include "operator/api/time_format.h"

namespace agentguard::op {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

json withTemplate(json spec) {
  spec["template"] = {{"spec", {{"containers", json::array({{{"name", "agent"}, {"image", "agent:1"}}})}}}};
  return spec;
}

TEST(ParseSpecTest, ReadsDefaultedSpec) {
  const json spec = withTemplate(json::parse(R"({
    "runtimeClassName": "gvisor",
    "network": {
      "egress": [{"cidr": "203.0.113.7/24", "except": ["203.0.113.128/25"],
                  "ports": [{"port": 443, "protocol": "TCP"}, {"port": 8000, "endPort": 8002, "protocol": "UDP"}]}],
      "ingress": [{"podSelector": {"matchLabels": {"app": "gateway"}}, "ports": [{"port": 8080, "protocol": "TCP"}]}],
      "dns": {"mode": "ClusterDNS", "namespace": "kube-system", "podSelector": {"k8s-app": "kube-dns"},
              "nodeLocalDNSCacheIP": "169.254.20.10"}
    },
    "lifecycle": {"maxLifetime": "1h30m", "shutdownTime": "2030-01-01T00:00:00Z", "onExpiry": "DeleteSandbox",
                  "ttlSecondsAfterFinished": 60, "restartPolicy": "Never"}
  })"));
  const ParsedSpec parsed = parseSpec(spec);
  ASSERT_TRUE(parsed.violations.empty()) << parsed.violations.front().message;
  EXPECT_EQ(parsed.spec.runtimeClassName, "gvisor");
  ASSERT_EQ(parsed.spec.network.egress.size(), 1u);
  EXPECT_EQ(parsed.spec.network.egress[0].cidr, "203.0.113.0/24");
  EXPECT_EQ(parsed.spec.network.egress[0].except, std::vector<std::string>{"203.0.113.128/25"});
  ASSERT_EQ(parsed.spec.network.egress[0].ports.size(), 2u);
  EXPECT_EQ(parsed.spec.network.egress[0].ports[1].endPort, 8002);
  EXPECT_EQ(parsed.spec.network.egress[0].ports[1].protocol, "UDP");
  ASSERT_EQ(parsed.spec.network.ingress.size(), 1u);
  EXPECT_EQ(parsed.spec.network.dns.nodeLocalCacheIp, "169.254.20.10");
  EXPECT_EQ(parsed.spec.lifecycle.maxLifetime, std::chrono::milliseconds(90min));
  EXPECT_EQ(parsed.spec.lifecycle.onExpiry, OnExpiry::kDeleteSandbox);
  EXPECT_EQ(parsed.spec.lifecycle.ttlSecondsAfterFinished, 60);
  EXPECT_EQ(parsed.spec.lifecycle.restartPolicy, RestartPolicy::kNever);
  EXPECT_EQ(egressSummary(parsed.spec.network), "1 destination + DNS (2 targets)");
}

TEST(ParseSpecTest, DefaultsWhenAbsent) {
  const ParsedSpec parsed = parseSpec(withTemplate(json::object()));
  ASSERT_TRUE(parsed.violations.empty());
  EXPECT_FALSE(parsed.spec.runtimeClassName);
  EXPECT_EQ(parsed.spec.network.dns.mode, DnsMode::kClusterDns);
  EXPECT_EQ(parsed.spec.network.dns.ns, "kube-system");
  EXPECT_EQ(parsed.spec.network.dns.podSelector.at("k8s-app"), "kube-dns");
  EXPECT_EQ(parsed.spec.lifecycle.restartPolicy, RestartPolicy::kAlways);
  EXPECT_EQ(egressSummary(parsed.spec.network), "DNS only (1 target)");
  NetworkSpec none = parsed.spec.network;
  none.dns.mode = DnsMode::kNone;
  EXPECT_EQ(egressSummary(none), "Isolated");
}

struct InvalidCase {
  std::string name;
  json spec;
  std::string expectedPath;
};

class InvalidSpecTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidSpecTest, NamesThePath) {
  const ParsedSpec parsed = parseSpec(withTemplate(GetParam().spec));
  ASSERT_EQ(parsed.violations.size(), 1u);
  EXPECT_EQ(parsed.violations[0].path, GetParam().expectedPath);
  EXPECT_EQ(parsed.violations[0].reason, "InvalidSpec");
}

const std::vector<InvalidCase> kInvalid = {
    {"BadCidr", json::parse(R"({"network": {"egress": [{"cidr": "300.1.1.1/24"}]}})"), "spec.network.egress[0].cidr"},
    {"BareAddress", json::parse(R"({"network": {"egress": [{"cidr": "10.0.0.1"}]}})"), "spec.network.egress[0].cidr"},
    {"ExceptOutside", json::parse(R"({"network": {"egress": [{"cidr": "10.0.0.0/16", "except": ["10.1.0.0/24"]}]}})"),
     "spec.network.egress[0].except[0]"},
    {"ExceptNotStrict", json::parse(R"({"network": {"egress": [{"cidr": "10.0.0.0/16", "except": ["10.0.0.0/16"]}]}})"),
     "spec.network.egress[0].except[0]"},
    {"EndPortBelowPort",
     json::parse(R"({"network": {"egress": [{"cidr": "10.0.0.0/16", "ports": [{"port": 90, "endPort": 80}]}]}})"),
     "spec.network.egress[0].ports[0].endPort"},
    {"RangeTooWide",
     json::parse(R"({"network": {"egress": [{"cidr": "10.0.0.0/16", "ports": [{"port": 1000, "endPort": 2000}]}]}})"),
     "spec.network.egress[0].ports[0].endPort"},
    {"IngressCidrAndSelector",
     json::parse(R"({"network": {"ingress": [{"cidr": "10.0.0.0/8", "podSelector": {"matchLabels": {"a": "b"}}}]}})"),
     "spec.network.ingress[0]"},
    {"IngressNoSource", json::parse(R"({"network": {"ingress": [{"ports": [{"port": 80}]}]}})"),
     "spec.network.ingress[0]"},
    {"EmptyDnsSelector", json::parse(R"({"network": {"dns": {"podSelector": {}}}})"), "spec.network.dns.podSelector"},
    {"BadNodeLocalIp", json::parse(R"({"network": {"dns": {"nodeLocalDNSCacheIP": "169.254.20.10/32"}}})"),
     "spec.network.dns.nodeLocalDNSCacheIP"},
    {"BadLifetime", json::parse(R"({"lifecycle": {"maxLifetime": "10"}})"), "spec.lifecycle.maxLifetime"},
    {"BadShutdownTime", json::parse(R"({"lifecycle": {"shutdownTime": "tomorrow"}})"), "spec.lifecycle.shutdownTime"},
    // IPv4 written as IPv6: implementations that convert read ::ffff:0.0.0.0/96 as all of IPv4.
    {"MappedAllOfIpv4", json::parse(R"({"network": {"egress": [{"cidr": "::ffff:0.0.0.0/96"}]}})"),
     "spec.network.egress[0].cidr"},
    {"MappedHexForm", json::parse(R"({"network": {"egress": [{"cidr": "::ffff:a00:0/104"}]}})"),
     "spec.network.egress[0].cidr"},
    {"MappedSingleAddress", json::parse(R"({"network": {"egress": [{"cidr": "::ffff:169.254.169.254/128"}]}})"),
     "spec.network.egress[0].cidr"},
    {"CompatibleForm", json::parse(R"({"network": {"egress": [{"cidr": "::/96"}]}})"), "spec.network.egress[0].cidr"},
    {"CompatibleAddress", json::parse(R"({"network": {"egress": [{"cidr": "::10.0.0.0/104"}]}})"),
     "spec.network.egress[0].cidr"},
    {"MappedExcept",
     json::parse(R"({"network": {"egress": [{"cidr": "::/80", "except": ["::ffff:0.0.0.0/96"]}]}})"),
     "spec.network.egress[0].except[0]"},
    {"MappedIngressCidr", json::parse(R"({"network": {"ingress": [{"cidr": "::ffff:10.0.0.0/120"}]}})"),
     "spec.network.ingress[0].cidr"},
    {"MappedNodeLocalIp", json::parse(R"({"network": {"dns": {"nodeLocalDNSCacheIP": "::ffff:1.2.3.4"}}})"),
     "spec.network.dns.nodeLocalDNSCacheIP"},
    // --- tools and egressHosts ---
    {"ToolsWithoutServers", json::parse(R"({"tools": {"mode": "Enforce"}})"), "spec.tools.servers"},
    {"ToolsEmptyServers", json::parse(R"({"tools": {"servers": []}})"), "spec.tools.servers"},
    {"ToolsBadMode", json::parse(R"({"tools": {"mode": "Off", "servers": [{"name": "m", "url": "http://m/mcp"}]}})"),
     "spec.tools.mode"},
    {"ServerNameNotLabel", json::parse(R"({"tools": {"servers": [{"name": "Mail_1", "url": "http://m/mcp"}]}})"),
     "spec.tools.servers[0].name"},
    {"ServerNameRepeated",
     json::parse(R"({"tools": {"servers": [{"name": "m", "url": "http://a/mcp"}, {"name": "m", "url": "http://b/mcp"}]}})"),
     "spec.tools.servers[1].name"},
    {"ServerUrlScheme", json::parse(R"({"tools": {"servers": [{"name": "m", "url": "ftp://m/mcp"}]}})"),
     "spec.tools.servers[0].url"},
    {"ServerUrlUserinfo", json::parse(R"({"tools": {"servers": [{"name": "m", "url": "http://u:p@m/mcp"}]}})"),
     "spec.tools.servers[0].url"},
    {"ServerUrlFragment", json::parse(R"({"tools": {"servers": [{"name": "m", "url": "http://m/mcp#x"}]}})"),
     "spec.tools.servers[0].url"},
    {"ServerUrlNoHost", json::parse(R"({"tools": {"servers": [{"name": "m", "url": "https:///mcp"}]}})"),
     "spec.tools.servers[0].url"},
    {"EgressHostNoPort", json::parse(R"({"network": {"egressHosts": ["api.github.com"]}})"),
     "spec.network.egressHosts[0]"},
    {"EgressHostPortZero", json::parse(R"({"network": {"egressHosts": ["api.github.com:0"]}})"),
     "spec.network.egressHosts[0]"},
    {"EgressHostPortTooBig", json::parse(R"({"network": {"egressHosts": ["api.github.com:65536"]}})"),
     "spec.network.egressHosts[0]"},
    {"EgressHostUpperCase", json::parse(R"({"network": {"egressHosts": ["API.github.com:443"]}})"),
     "spec.network.egressHosts[0]"},
    {"EgressHostWildcardInside", json::parse(R"({"network": {"egressHosts": ["api.*.com:443"]}})"),
     "spec.network.egressHosts[0]"},
    {"EgressHostWildcardTld", json::parse(R"({"network": {"egressHosts": ["**.com:443"]}})"),
     "spec.network.egressHosts[0]"},
    {"EgressHostIpv6", json::parse(R"({"network": {"egressHosts": ["[::1]:443"]}})"), "spec.network.egressHosts[0]"},
    {"EgressHostEmptyLabel", json::parse(R"({"network": {"egressHosts": ["a..b:443"]}})"),
     "spec.network.egressHosts[0]"},
    // The gate is the only way out: CIDRs beside it would bypass every decision it makes.
    {"ToolsWithCidrs",
     json::parse(R"({"tools": {"servers": [{"name": "m", "url": "http://m/mcp"}]},
                     "network": {"egress": [{"cidr": "203.0.113.0/24"}]}})"),
     "spec.network.egress"},
    {"EgressHostsWithCidrs",
     json::parse(R"({"network": {"egressHosts": ["api.github.com:443"], "egress": [{"cidr": "203.0.113.0/24"}]}})"),
     "spec.network.egress"},
    {"TooManyPortsInAll", [] {
       json egress = json::array();
       for (int i = 0; i < 5; ++i) {
         egress.push_back({{"cidr", "10.0.0.0/8"}, {"ports", json::array({{{"port", 1000 + 256 * i}, {"endPort", 1255 + 256 * i}}})}});
       }
       return json{{"network", {{"egress", egress}}}};
     }(), "spec.network"},
};

INSTANTIATE_TEST_SUITE_P(Spec, InvalidSpecTest, ::testing::ValuesIn(kInvalid),
                         [](const ::testing::TestParamInfo<InvalidCase>& param) { return param.param.name; });

TEST(ParseSpecTest, ReadsToolsAndEgressHosts) {
  const ParsedSpec parsed = parseSpec(withTemplate(json::parse(R"({
    "tools": {"mode": "Audit", "servers": [
      {"name": "mail", "url": "http://mail-mcp.tools.svc.cluster.local:8000/mcp",
       "credentialsSecretRef": {"name": "mail-mcp", "key": "token"},
       "methods": [{"name": "tools/call", "params": ["send_email"]}],
       "arguments": {"send_email": {"/to": {"enum": ["ops@example.com"]}}}},
      {"name": "fetch", "url": "https://fetch.example.com"}]},
    "network": {"egressHosts": ["api.github.com:443", "*.pypi.org:443", "**.example.com:8443", "198.51.100.7:443"]}
  })")));
  ASSERT_TRUE(parsed.violations.empty()) << parsed.violations.front().message;
  ASSERT_TRUE(parsed.spec.tools);
  EXPECT_EQ(parsed.spec.tools->mode, ToolsMode::kAudit);
  ASSERT_EQ(parsed.spec.tools->servers.size(), 2u);
  EXPECT_EQ(parsed.spec.tools->servers[0].name, "mail");
  EXPECT_EQ(parsed.spec.network.egressHosts.size(), 4u);
  EXPECT_TRUE(parsed.spec.usesGate());
  EXPECT_EQ(egressSummary(parsed.spec), "Gate only (2 MCP servers, 4 hosts)");
}

TEST(ParseSpecTest, EgressHostsAloneUseTheGate) {
  const ParsedSpec parsed = parseSpec(withTemplate(json::parse(R"({"network": {"egressHosts": ["api.github.com:443"]}})")));
  ASSERT_TRUE(parsed.violations.empty()) << parsed.violations.front().message;
  EXPECT_FALSE(parsed.spec.tools);
  EXPECT_TRUE(parsed.spec.usesGate());
  EXPECT_EQ(egressSummary(parsed.spec), "Gate only (0 MCP servers, 1 host)");
  const ParsedSpec plain = parseSpec(withTemplate(json::object()));
  EXPECT_FALSE(plain.spec.usesGate());
  EXPECT_EQ(egressSummary(plain.spec), "DNS only (1 target)");
}

TEST(ParseSpecTest, CombinationMessageSaysWhereTheHostsGo) {
  const ParsedSpec parsed = parseSpec(withTemplate(json::parse(R"({
    "tools": {"servers": [{"name": "m", "url": "http://m/mcp"}]},
    "network": {"egress": [{"cidr": "203.0.113.0/24"}]}})")));
  ASSERT_EQ(parsed.violations.size(), 1u);
  EXPECT_NE(parsed.violations[0].message.find("spec.network.egressHosts"), std::string::npos) << parsed.violations[0].message;
  EXPECT_NE(parsed.violations[0].message.find("spec.tools"), std::string::npos) << parsed.violations[0].message;
}

TEST(ParseSpecTest, DestinationWithOnlyInvalidPortsIsDroppedNotWidened) {
  // Leaving the bad entries out would leave no ports, which a NetworkPolicy reads as every port.
  for (const char* key : {"egress", "ingress"}) {
    json network = {{key, json::array({{{"cidr", "203.0.113.0/24"},
                                        {"ports", json::array({{{"port", 0}}, {{"port", 443}, {"protocol", "ICMP"}}})}}})}};
    const ParsedSpec parsed = parseSpec(withTemplate({{"network", network}}));
    EXPECT_EQ(parsed.violations.size(), 2u) << key;
    EXPECT_TRUE(parsed.spec.network.egress.empty()) << key;
    EXPECT_TRUE(parsed.spec.network.ingress.empty()) << key;
  }
}

TEST(ParseSpecTest, AcceptsIpv6BlocksThatEmbedNoIpv4) {
  const ParsedSpec parsed = parseSpec(withTemplate(json::parse(R"({"network": {
      "egress": [{"cidr": "2001:db8::/32"}, {"cidr": "::/0", "except": ["2001:db8::/48"]}, {"cidr": "64:ff9b::/96"}],
      "ingress": [{"cidr": "fd00::/8"}], "dns": {"nodeLocalDNSCacheIP": "fd00::a"}}})")));
  EXPECT_TRUE(parsed.violations.empty()) << parsed.violations.front().message;
  EXPECT_EQ(parsed.spec.network.egress.size(), 3u);
}

TEST(ParseSpecTest, AcceptsExactlyThePortCap) {
  json egress = json::array();
  for (int i = 0; i < kMaxPolicyPorts / kMaxPortRange; ++i) {
    egress.push_back({{"cidr", "10.0.0.0/8"},
                      {"ports", json::array({{{"port", 1000 + kMaxPortRange * i}, {"endPort", 999 + kMaxPortRange * (i + 1)}}})}});
  }
  const ParsedSpec parsed = parseSpec(withTemplate({{"network", {{"egress", egress}}}}));
  EXPECT_TRUE(parsed.violations.empty()) << parsed.violations.front().message;
}

TEST(ParseSpecTest, FarFutureShutdownTimeIsClampedNotWrapped) {
  const ParsedSpec parsed = parseSpec(withTemplate(json::parse(R"({"lifecycle": {"shutdownTime": "9999-12-31T23:59:59Z"}})")));
  ASSERT_TRUE(parsed.violations.empty());
  ASSERT_TRUE(parsed.spec.lifecycle.shutdownTime);
  EXPECT_GT(*parsed.spec.lifecycle.shutdownTime, std::chrono::system_clock::now() + std::chrono::hours(24 * 365 * 100));
  EXPECT_EQ(time::formatRfc3339(*parsed.spec.lifecycle.shutdownTime), "2200-01-01T00:00:00Z");
  EXPECT_EQ(time::formatRfc3339(*time::parseRfc3339("0001-01-01T00:00:00Z")), "1900-01-01T00:00:00Z");
}

TEST(ParseSpecTest, TemplateViolationsComeThrough) {
  json spec = withTemplate(json::object());
  spec["template"]["spec"]["hostPID"] = true;
  const ParsedSpec parsed = parseSpec(spec);
  ASSERT_EQ(parsed.violations.size(), 1u);
  EXPECT_EQ(parsed.violations[0].path, "spec.template.spec.hostPID");
  EXPECT_EQ(parsed.violations[0].reason, "ForbiddenTemplateField");
}

TEST(ReadMetaTest, ReadsIdentityAndFinalizers) {
  const json object = json::parse(R"({"metadata": {"namespace": "agents", "name": "analyst", "uid": "u-1",
    "generation": 3, "resourceVersion": "42", "creationTimestamp": "2024-05-01T12:00:00Z",
    "deletionTimestamp": "2024-05-01T13:00:00Z", "finalizers": ["agentguard.io/isolation-teardown"]}})");
  const SandboxMeta meta = readMeta(object);
  EXPECT_EQ(meta.key(), "agents/analyst");
  EXPECT_EQ(meta.uid, "u-1");
  EXPECT_EQ(meta.generation, 3);
  EXPECT_TRUE(meta.deleting);
  EXPECT_TRUE(meta.hasFinalizer(kFinalizer));
  EXPECT_EQ(time::formatRfc3339(*meta.creationTimestamp), "2024-05-01T12:00:00Z");
}

TEST(TimeFormatTest, ParsesGoDurations) {
  EXPECT_EQ(parseDuration("90s"), std::chrono::milliseconds(90s));
  EXPECT_EQ(parseDuration("1h30m"), std::chrono::milliseconds(90min));
  EXPECT_EQ(parseDuration("1.5h"), std::chrono::milliseconds(90min));
  EXPECT_EQ(parseDuration("250ms"), std::chrono::milliseconds(250));
  EXPECT_FALSE(parseDuration("10"));
  EXPECT_FALSE(parseDuration("-5s"));
  EXPECT_FALSE(parseDuration("1d"));
  EXPECT_FALSE(parseDuration(""));
  // common/time's grammar, bounded at 100 years so that now + lifetime fits the clock.
  EXPECT_EQ(parseDuration("876000h"), std::chrono::milliseconds(876000h));
  EXPECT_FALSE(parseDuration("876000h1ms"));
}

TEST(IpBlockTest, ParsesAndContains) {
  const auto outer = IpBlock::parse("10.0.0.0/8");
  ASSERT_TRUE(outer);
  EXPECT_TRUE(outer->contains(*IpBlock::parse("10.20.0.0/16")));
  EXPECT_FALSE(outer->contains(*IpBlock::parse("11.0.0.0/16")));
  EXPECT_FALSE(outer->contains(*IpBlock::parse("::/0")));
  EXPECT_EQ(IpBlock::parse("10.1.2.3/8")->canonical(), "10.0.0.0/8");
  EXPECT_EQ(IpBlock::parse("2001:db8::1/32")->canonical(), "2001:db8::/32");
  EXPECT_FALSE(IpBlock::parse("10.0.0.0/33"));
  EXPECT_FALSE(IpBlock::parse("10.0.0.1"));
  EXPECT_EQ(IpBlock::parse("10.0.0.1", true)->prefixLength(), 32);
}

}  // namespace
}  // namespace agentguard::op

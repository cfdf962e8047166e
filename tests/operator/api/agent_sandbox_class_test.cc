#include "operator/api/agent_sandbox_class.h"

#include <gtest/gtest.h>

#include "operator/api/quantity.h"

namespace agentguard::op {
namespace {

using nlohmann::json;

json classObject(const std::string& name, bool isDefault, json spec = json::object()) {
  json object = {{"metadata", {{"name", name}}}, {"spec", std::move(spec)}};
  if (isDefault) object["metadata"]["annotations"] = {{std::string(kDefaultClassAnnotation), "true"}};
  return object;
}

TEST(ParseClassTest, ReadsEveryField) {
  const ParsedClass parsed = parseClass(classObject("standard", true, json::parse(R"({
    "runtimeClassName": "gvisor",
    "egress": {"allowedCIDRs": ["0.0.0.0/0"], "deniedCIDRs": ["10.0.0.0/8"]},
    "dns": {"mode": "ClusterDNS", "namespace": "dns", "podSelector": {"app": "coredns"}, "nodeLocalDNSCacheIP": "169.254.20.10"},
    "serviceAccountNames": ["reader"],
    "secrets": {"names": ["api"], "selector": {"matchLabels": {"share": "yes"}}},
    "configMaps": {"names": ["settings"]},
    "scheduling": {"priorityClassNames": ["agents"], "allowTolerateAll": true, "allowControlPlane": false},
    "resources": {"maxCPU": "1500m", "maxMemory": "2Gi"},
    "maxLifetime": "24h"})")));
  ASSERT_TRUE(parsed.errors.empty()) << parsed.errors.front();
  EXPECT_TRUE(parsed.isDefault);
  EXPECT_EQ(parsed.spec.runtimeClassName, "gvisor");
  ASSERT_EQ(parsed.spec.allowedCidrs.size(), 1u);
  EXPECT_EQ(parsed.spec.deniedCidrs[0].canonical(), "10.0.0.0/8");
  EXPECT_EQ(parsed.spec.dns.ns, "dns");
  EXPECT_EQ(parsed.spec.dns.nodeLocalCacheIp, "169.254.20.10");
  EXPECT_EQ(parsed.spec.serviceAccounts, std::set<std::string>{"reader"});
  EXPECT_EQ(parsed.spec.secrets.names, std::set<std::string>{"api"});
  EXPECT_TRUE(parsed.spec.secrets.selector);
  EXPECT_FALSE(parsed.spec.configMaps.selector);
  EXPECT_TRUE(parsed.spec.allowTolerateAll);
  EXPECT_FALSE(parsed.spec.allowControlPlane);
  EXPECT_EQ(parsed.spec.resources.cpuMillis, 1500);
  EXPECT_EQ(parsed.spec.resources.memoryBytes, 2LL << 30);
  EXPECT_EQ(parsed.spec.maxLifetime, std::chrono::hours(24));
}

TEST(ParseClassTest, AnEmptyClassAllowsNothing) {
  const ParsedClass parsed = parseClass(classObject("bare", false));
  ASSERT_TRUE(parsed.errors.empty());
  EXPECT_FALSE(parsed.isDefault);
  EXPECT_TRUE(parsed.spec.allowedCidrs.empty());
  EXPECT_TRUE(parsed.spec.secrets.empty());
  EXPECT_TRUE(parsed.spec.serviceAccounts.empty());
  EXPECT_FALSE(parsed.spec.allowTolerateAll);
}

TEST(ParseClassTest, ReportsWhatItCannotRead) {
  const ParsedClass parsed = parseClass(classObject("broken", false, json::parse(R"({
    "egress": {"allowedCIDRs": ["everywhere"]}, "dns": {"podSelector": {}, "nodeLocalDNSCacheIP": "10.0.0.10/32"},
    "resources": {"maxCPU": "lots"}, "maxLifetime": "forever", "scheduling": {"allowTolerateAll": "yes"}})")));
  const std::vector<std::string> expected = {
      "spec.egress.allowedCIDRs[0] is not a CIDR block (for example 10.0.0.0/8)",
      "spec.dns.podSelector must name the DNS pods' labels (an empty selector would allow every pod)",
      "spec.dns.nodeLocalDNSCacheIP is not an IP address (for example 169.254.20.10)",
      "spec.scheduling.allowTolerateAll must be true or false",
      "spec.resources.maxCPU is not a quantity (for example 2, 500m, 4Gi)",
      "spec.maxLifetime is not a duration (for example 24h or 90m)"};
  EXPECT_EQ(parsed.errors, expected);
  EXPECT_FALSE(parseClass(json::object()).errors.empty());
}

TEST(ChooseClassTest, NamedDefaultBoundMissingAndImmutable) {
  const std::vector<json> classes = {classObject("standard", true), classObject("research", false)};
  EXPECT_EQ(chooseClass("", "", classes).name, "standard");
  EXPECT_FALSE(chooseClass("", "", classes).problem);
  EXPECT_EQ(chooseClass("research", "", classes).name, "research");
  // Bound once, a sandbox stays with its class even when the default moves or spec.className is dropped.
  EXPECT_EQ(chooseClass("", "research", classes).name, "research");
  EXPECT_EQ(chooseClass("research", "research", classes).name, "research");

  const ClassChoice changed = chooseClass("standard", "research", classes);
  ASSERT_TRUE(changed.problem);
  EXPECT_EQ(changed.problem->reason, kReasonClassNameImmutable);
  EXPECT_NE(changed.problem->message.find("bound to AgentSandboxClass research and now names standard"), std::string::npos);

  const ClassChoice missing = chooseClass("gpu", "", classes);
  ASSERT_TRUE(missing.problem);
  EXPECT_EQ(missing.problem->reason, kReasonClassNotFound);
  EXPECT_NE(missing.problem->message.find("AgentSandboxClass gpu does not exist"), std::string::npos);
  EXPECT_FALSE(missing.parsed);
}

TEST(ChooseClassTest, NoneOrSeveralDefaultsBlock) {
  const ClassChoice none = chooseClass("", "", {classObject("research", false)});
  ASSERT_TRUE(none.problem);
  EXPECT_EQ(none.problem->reason, kReasonClassNotFound);
  EXPECT_NE(none.problem->message.find("no AgentSandboxClass is marked default"), std::string::npos);

  const ClassChoice two = chooseClass("", "", {classObject("a", true), classObject("b", true)});
  ASSERT_TRUE(two.problem);
  EXPECT_NE(two.problem->message.find("2 AgentSandboxClasses are marked default (a, b)"), std::string::npos);
}

TEST(QuantityTest, ReadsKubernetesQuantities) {
  EXPECT_EQ(parseQuantityMillis("500m"), 500);
  EXPECT_EQ(parseQuantityMillis("2"), 2000);
  EXPECT_EQ(parseQuantityMillis("1.5"), 1500);
  EXPECT_EQ(parseQuantityMillis("1Ki"), 1024000);
  EXPECT_EQ(parseQuantityMillis("1Gi"), 1073741824000LL);
  EXPECT_EQ(parseQuantityMillis("1G"), 1000000000000LL);
  EXPECT_EQ(parseQuantityMillis("1e3"), 1000000);
  EXPECT_EQ(parseQuantityMillis("0.1m"), 1);  // rounded up
  for (const char* bad : {"", "-1", "m", "1x", "1Gi2", "1e", "lots", "1e400"}) {
    EXPECT_FALSE(parseQuantityMillis(bad)) << bad;
  }
}

}  // namespace
}  // namespace agentguard::op

#include "engine/network/egress_grants.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace agentguard::engine {
namespace {

using ::testing::HasSubstr;

nlohmann::json policyWithEgress(const char* egress) {
  return {{"spec", {{"egress", nlohmann::json::parse(egress)}}}};
}

TEST(EgressGrantsTest, NoPortsMeansEveryPortOfEveryProtocol) {
  const auto grants = egressGrantsOf(policyWithEgress(R"([{"to":[{"ipBlock":{"cidr":"10.0.0.0/8"}}]}])"));
  ASSERT_TRUE(grants.ok()) << grants.error().message;
  ASSERT_EQ(grants->size(), 3u);
  for (const auto& grant : *grants) {
    EXPECT_EQ(grant.ports.first, 1);
    EXPECT_EQ(grant.ports.last, 65535);
    EXPECT_EQ(grant.to.ipv4.count(), 16777216.0L);
    EXPECT_TRUE(grant.to.ipv6.empty());
  }
}

TEST(EgressGrantsTest, NoDestinationMeansEveryAddressOfBothFamilies) {
  const auto grants = egressGrantsOf(policyWithEgress(R"([{"ports":[{"port":443}]}])"));
  ASSERT_TRUE(grants.ok());
  ASSERT_EQ(grants->size(), 1u);
  EXPECT_EQ((*grants)[0].protocol, Protocol::kTcp) << "protocol defaults to TCP";
  EXPECT_EQ((*grants)[0].ports.first, 443);
  EXPECT_EQ((*grants)[0].ports.last, 443);
  EXPECT_EQ((*grants)[0].to.ipv4.count(), 4294967296.0L);
  EXPECT_FALSE((*grants)[0].to.ipv6.empty());
}

TEST(EgressGrantsTest, ReadsEndPortProtocolOnlyAndNamedPorts) {
  const auto grants = egressGrantsOf(policyWithEgress(
      R"([{"ports":[{"port":1000,"endPort":2000},{"protocol":"UDP"},{"port":"https"},{"protocol":"SCTP","port":9}]}])"));
  ASSERT_TRUE(grants.ok()) << grants.error().message;
  ASSERT_EQ(grants->size(), 3u) << "a named port opens nothing outside the cluster";
  EXPECT_EQ((*grants)[0].ports.last, 2000);
  EXPECT_EQ((*grants)[1].protocol, Protocol::kUdp);
  EXPECT_EQ((*grants)[1].ports.first, 1);
  EXPECT_EQ((*grants)[1].ports.last, 65535);
  EXPECT_EQ((*grants)[2].protocol, Protocol::kSctp);
}

TEST(EgressGrantsTest, CarvesExceptAndIgnoresSelectorPeers) {
  const auto grants = egressGrantsOf(policyWithEgress(
      R"([{"to":[{"ipBlock":{"cidr":"0.0.0.0/0","except":["0.0.0.0/1"]}},{"podSelector":{}}],"ports":[{"port":80}]}])"));
  ASSERT_TRUE(grants.ok());
  EXPECT_EQ((*grants)[0].to.ipv4.count(), 2147483648.0L);
  const auto onlyPods = egressGrantsOf(policyWithEgress(R"([{"to":[{"namespaceSelector":{}}]}])"));
  ASSERT_TRUE(onlyPods.ok());
  EXPECT_TRUE((*onlyPods)[0].to.ipv4.empty()) << "selector peers are cluster pods, not addresses";
}

struct InvalidCase {
  const char* name;
  const char* egress;
  const char* problem;
};

class EgressGrantsInvalidTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(EgressGrantsInvalidTest, NamesTheField) {
  const auto grants = egressGrantsOf(policyWithEgress(GetParam().egress));
  ASSERT_FALSE(grants.ok());
  EXPECT_THAT(grants.error().message, HasSubstr(GetParam().problem));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EgressGrantsInvalidTest,
    ::testing::Values(
        InvalidCase{"BadCidr", R"([{"to":[{"ipBlock":{"cidr":"10.0.0.0/33"}}]}])", "spec.egress[0].to[0].ipBlock.cidr"},
        InvalidCase{"ExceptOutside", R"([{"to":[{"ipBlock":{"cidr":"10.0.0.0/8","except":["11.0.0.0/8"]}}]}])",
                    "except[0]: is not inside"},
        InvalidCase{"EmptyPeer", R"([{"to":[{}]}])", "spec.egress[0].to[0]: names no podSelector"},
        InvalidCase{"EndPortBelowPort", R"([{"ports":[{"port":80,"endPort":79}]}])", "endPort"},
        InvalidCase{"EndPortWithoutPort", R"([{"ports":[{"endPort":79}]}])", "needs a numbered port"},
        InvalidCase{"EndPortWithNamedPort", R"([{"ports":[{"port":"http","endPort":90}]}])", "named port"},
        InvalidCase{"PortZero", R"([{"ports":[{"port":0}]}])", "between 1 and 65535"},
        InvalidCase{"NumericPortName", R"([{"ports":[{"port":"443"}]}])", "must contain a letter"},
        InvalidCase{"UnknownProtocol", R"([{"ports":[{"protocol":"ICMP"}]}])", "TCP, UDP or SCTP"},
        InvalidCase{"EgressNotAList", R"({"to":[]})", "spec.egress: is not a list"}),
    [](const ::testing::TestParamInfo<InvalidCase>& testInfo) { return std::string(testInfo.param.name); });

}  // namespace
}  // namespace agentguard::engine

#include "engine/network/egress_verdict.h"

#include <gtest/gtest.h>

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;

// A NetworkPolicy selecting app=web for Egress with these egress rules.
SharedObject policy(const char* name, const char* egress, const char* selector = R"({"matchLabels":{"app":"web"}})") {
  return std::make_shared<const Json>(Json{{"metadata", {{"name", name}}},
                                           {"spec",
                                            {{"podSelector", Json::parse(selector)},
                                             {"policyTypes", {"Egress"}},
                                             {"egress", Json::parse(egress)}}}});
}

struct VerdictCase {
  const char* name;
  std::vector<SharedObject> policies;
  const char* verdict;  // restricted | not-isolated | unrestricted
  UnrestrictedWhen when = UnrestrictedWhen::kInternet;
};

class EgressVerdictTest : public ::testing::TestWithParam<VerdictCase> {};

TEST_P(EgressVerdictTest, Judges) {
  const NamespacePolicies policies(GetParam().policies);
  PodLabels labels;
  labels.set("app", "web");
  labels.setVarying("pod-template-hash");
  const EgressVerdict verdict = judgeEgress(policies, labels, GetParam().when);
  const std::string got = !verdict.isolated() ? "not-isolated" : verdict.restricted() ? "restricted" : "unrestricted";
  EXPECT_EQ(got, GetParam().verdict);
  if (verdict.unrestricted && GetParam().when == UnrestrictedWhen::kInternet) {
    EXPECT_GE(verdict.unrestricted->widerShare(), kInternetShare);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EgressVerdictTest,
    ::testing::Values(
        VerdictCase{"DenyAll", {policy("deny", "[]")}, "restricted"},
        VerdictCase{"NoPolicy", {}, "not-isolated"},
        VerdictCase{"EmptyRule", {policy("open", "[{}]")}, "unrestricted"},
        VerdictCase{"HttpsAnywhere", {policy("https", R"([{"ports":[{"port":443}]}])")}, "restricted"},
        VerdictCase{"HalvesInTwoPolicies",
                    {policy("a", R"([{"to":[{"ipBlock":{"cidr":"0.0.0.0/1"}}]}])"),
                     policy("b", R"([{"to":[{"ipBlock":{"cidr":"128.0.0.0/1"}}]}])")},
                    "unrestricted"},
        VerdictCase{"QuartersOfIPv6", {policy("q", R"([{"to":[{"ipBlock":{"cidr":"::/2"}},{"ipBlock":{"cidr":"4000::/2"}},
                      {"ipBlock":{"cidr":"8000::/2"}},{"ipBlock":{"cidr":"c000::/2"}}]}])")}, "unrestricted"},
        VerdictCase{"OneHalfOfIPv4", {policy("half", R"([{"to":[{"ipBlock":{"cidr":"0.0.0.0/1"}}]}])")}, "unrestricted"},
        VerdictCase{"OneQuarterOfIPv4", {policy("quarter", R"([{"to":[{"ipBlock":{"cidr":"64.0.0.0/2"}}]}])")},
                    "restricted"},
        VerdictCase{"PortsSplitAcrossRules",
                    {policy("ports", R"([{"ports":[{"port":1,"endPort":30000}]},{"ports":[{"port":30001,"endPort":65535}]}])")},
                    "unrestricted"},
        VerdictCase{"HalfThePortsTimesHalfTheAddresses",
                    {policy("mixed", R"([{"to":[{"ipBlock":{"cidr":"0.0.0.0/1"}}],"ports":[{"port":1,"endPort":32767}]}])")},
                    "restricted"},
        VerdictCase{"OneAddressEveryPortByDefault", {policy("one", R"([{"to":[{"ipBlock":{"cidr":"8.8.8.8/32"}}]}])")},
                    "restricted"},
        VerdictCase{"OneAddressEveryPortWhenAnyPublicAddress",
                    {policy("one", R"([{"to":[{"ipBlock":{"cidr":"8.8.8.8/32"}}]}])")}, "unrestricted",
                    UnrestrictedWhen::kAnyPublicAddress},
        VerdictCase{"PrivateAddressEveryPortWhenAnyPublicAddress",
                    {policy("private", R"([{"to":[{"ipBlock":{"cidr":"10.0.0.0/8"}}]}])")}, "restricted",
                    UnrestrictedWhen::kAnyPublicAddress},
        VerdictCase{"OneAddressOnePortWhenAnyPublicAddress",
                    {policy("one", R"([{"to":[{"ipBlock":{"cidr":"8.8.8.8/32"}}],"ports":[{"port":443}]}])")},
                    "restricted", UnrestrictedWhen::kAnyPublicAddress},
        VerdictCase{"PolicyForOneRevisionOpensAll",
                    {policy("deny", "[]"), policy("revision", "[{}]", R"({"matchLabels":{"pod-template-hash":"abc"}})")},
                    "unrestricted"},
        VerdictCase{"PolicyForOneRevisionDoesNotIsolate",
                    {policy("revision", "[]", R"({"matchLabels":{"pod-template-hash":"abc"}})")}, "not-isolated"},
        VerdictCase{"MalformedPolicyIsNotCredited",
                    {policy("bad", R"([{"to":[{"ipBlock":{"cidr":"300.0.0.0/8"}}]}])")}, "not-isolated"},
        VerdictCase{"MalformedSelectorIsNotCredited",
                    {policy("bad", "[]", R"({"matchExpressions":[{"key":"app","operator":"Is"}]})")}, "not-isolated"}),
    [](const ::testing::TestParamInfo<VerdictCase>& testInfo) { return std::string(testInfo.param.name); });

TEST(GovernsEgressTest, MirrorsTheApiServerDefaulting) {
  const auto spec = [](const char* text) { return Json{{"spec", Json::parse(text)}}; };
  EXPECT_TRUE(governsEgress(spec(R"({"policyTypes":["Egress"]})")));
  EXPECT_TRUE(governsEgress(spec(R"({"policyTypes":["Ingress","Egress"],"egress":[]})")));
  EXPECT_FALSE(governsEgress(spec(R"({"policyTypes":["Ingress"],"egress":[{}]})")));
  EXPECT_TRUE(governsEgress(spec(R"({"egress":[{}]})"))) << "absent policyTypes: Egress when there are rules";
  EXPECT_TRUE(governsEgress(spec(R"({"policyTypes":[],"egress":[{}]})"))) << "an empty list is defaulted too";
  EXPECT_FALSE(governsEgress(spec(R"({"egress":[]})"))) << "no rules: defaulted to [Ingress]";
  EXPECT_FALSE(governsEgress(spec(R"({"policyTypes":[]})")));
  EXPECT_FALSE(governsEgress(spec("{}")));
}

}  // namespace
}  // namespace agentguard::engine

// When cloud annotations make a LoadBalancer Service internal: on every cloud it speaks to, and never when
// that cloud's own annotations or the load balancer class say otherwise.
#include "engine/rules/exposure/internal_load_balancer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace agentguard::engine::exposure {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;

std::vector<InternalMarker> defaultMarkers() {
  std::vector<InternalMarker> markers;
  for (const auto* text : {"networking.gke.io/load-balancer-type=Internal", "cloud.google.com/load-balancer-type=Internal",
                           "service.beta.kubernetes.io/aws-load-balancer-internal=true",
                           "service.beta.kubernetes.io/aws-load-balancer-scheme=internal",
                           "service.beta.kubernetes.io/azure-load-balancer-internal=true",
                           "service.beta.kubernetes.io/oci-load-balancer-internal=true"}) {
    markers.push_back(InternalMarker::parse(text));
  }
  return markers;
}

struct Case {
  std::string name;
  std::string annotations;        // JSON object
  std::string loadBalancerClass;  // "" = unset
  bool internal = false;
  std::string reason;             // substring of the reason; "" = no reason expected
};

class JudgeInternalTest : public ::testing::TestWithParam<Case> {};

TEST_P(JudgeInternalTest, Verdict) {
  const Case& c = GetParam();
  Json body = {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", {{"name", "lb"}, {"namespace", "agents"}}},
               {"spec", {{"type", "LoadBalancer"}}}};
  body["metadata"]["annotations"] = Json::parse(c.annotations);
  if (!c.loadBalancerClass.empty()) body["spec"]["loadBalancerClass"] = c.loadBalancerClass;
  const ObjectView view(body, "default");
  const InternalVerdict verdict = judgeInternal(view, defaultMarkers());
  EXPECT_EQ(verdict.internal, c.internal);
  if (c.reason.empty()) {
    EXPECT_EQ(verdict.reason, "");
  } else {
    EXPECT_THAT(verdict.reason, HasSubstr(c.reason));
  }
}

std::string caseName(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(
    Clouds, JudgeInternalTest,
    ::testing::Values(
        // Benign: one cloud, marked internal, nothing contradicting.
        Case{"GkeInternal", R"({"networking.gke.io/load-balancer-type": "Internal"})", "", true, ""},
        Case{"GkeLegacyInternal", R"({"cloud.google.com/load-balancer-type": "Internal"})", "", true, ""},
        Case{"GkeBothAgree", R"({"cloud.google.com/load-balancer-type": "Internal",
                                 "networking.gke.io/load-balancer-type": "Internal", "cloud.google.com/neg": "{}"})",
             "", true, ""},
        Case{"AwsInternalWithOtherAwsSettings", R"({"service.beta.kubernetes.io/aws-load-balancer-internal": "true",
                                                   "service.beta.kubernetes.io/aws-load-balancer-type": "nlb"})",
             "", true, ""},
        Case{"AwsSchemeInternal", R"({"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"})",
             "service.k8s.aws/nlb", true, ""},
        Case{"AzureInternalWithPrivateIp", R"({"service.beta.kubernetes.io/azure-load-balancer-internal": "true",
                                              "service.beta.kubernetes.io/azure-load-balancer-ipv4": "10.0.0.7"})",
             "", true, ""},
        Case{"OciInternal", R"({"service.beta.kubernetes.io/oci-load-balancer-internal": "true"})", "", true, ""},
        Case{"PortableChartInternalEverywhere", R"({"networking.gke.io/load-balancer-type": "Internal",
                                                   "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
                                                   "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
                                                   "meta.helm.sh/release-name": "web"})",
             "", true, ""},
        Case{"GkeInternalClass", R"({})", "networking.gke.io/l4-regional-internal", true, ""},
        // No marker at all: public, nothing to explain.
        Case{"NoAnnotations", R"({})", "", false, ""},
        Case{"OnlyUnrelatedAnnotations", R"({"prometheus.io/scrape": "true"})", "", false, ""},
        Case{"AzurePublicIpWithoutMarker", R"({"service.beta.kubernetes.io/azure-pip-name": "agents-ip"})", "", false,
             "public address"},
        Case{"AwsNlbWithoutInternal", R"({"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"})", "", false, ""},
        // Another cloud's marker.
        Case{"GkeMarkerOnAws", R"({"networking.gke.io/load-balancer-type": "Internal",
                                   "service.beta.kubernetes.io/aws-load-balancer-type": "nlb"})",
             "", false, "also speaks to AWS"},
        Case{"AzureMarkerWithAwsClass", R"({"service.beta.kubernetes.io/azure-load-balancer-internal": "true"})",
             "service.k8s.aws/nlb", false, "also speaks to AWS"},
        Case{"AwsMarkerOnGkeExternalClass", R"({"service.beta.kubernetes.io/aws-load-balancer-internal": "true"})",
             "networking.gke.io/l4-regional-external", false, "external load balancer"},
        // The same cloud contradicts its internal marker.
        Case{"AwsInternalButSchemeInternetFacing", R"({"service.beta.kubernetes.io/aws-load-balancer-internal": "true",
                                                      "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"})",
             "", false, "internet-facing"},
        Case{"AwsInternalFalse", R"({"service.beta.kubernetes.io/aws-load-balancer-internal": "false",
                                    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"})",
             "", false, "aws-load-balancer-internal: \"false\""},
        Case{"AwsInternalWithElasticIps", R"({"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
                                             "service.beta.kubernetes.io/aws-load-balancer-eip-allocations": "eipalloc-1"})",
             "", false, "public address"},
        Case{"AzureInternalWithPublicIpName", R"({"service.beta.kubernetes.io/azure-load-balancer-internal": "true",
                                                 "service.beta.kubernetes.io/azure-pip-name": "agents-ip"})",
             "", false, "azure-pip-name"},
        Case{"AzureInternalWithDnsLabel", R"({"service.beta.kubernetes.io/azure-load-balancer-internal": "true",
                                             "service.beta.kubernetes.io/azure-dns-label-name": "agents"})",
             "", false, "azure-dns-label-name"},
        Case{"GkeTypesDisagree", R"({"networking.gke.io/load-balancer-type": "Internal",
                                     "cloud.google.com/load-balancer-type": "External"})",
             "", false, "External"},
        Case{"GkeInternalLowercase", R"({"networking.gke.io/load-balancer-type": "internal"})", "", false,
             "networking.gke.io/load-balancer-type: \"internal\""},
        Case{"GkeInternalMarkerWithExternalClass", R"({"networking.gke.io/load-balancer-type": "Internal"})",
             "networking.gke.io/l4-regional-external", false, "external load balancer"},
        // A class no cloud here owns: its controller ignores these annotations.
        Case{"UnknownClass", R"({"service.beta.kubernetes.io/aws-load-balancer-internal": "true"})",
             "example.com/public-lb", false, "does not read cloud annotations"},
        Case{"UnknownClassNoMarker", R"({})", "metallb.io/public", false, ""}),
    caseName);

TEST(InternalMarkerTest, Parses) {
  const auto exact = InternalMarker::parse("a/b=c=d");
  EXPECT_EQ(exact.key, "a/b");
  EXPECT_EQ(exact.value, "c=d");
  EXPECT_FALSE(exact.anyValue);
  const auto any = InternalMarker::parse("example.com/internal");
  EXPECT_EQ(any.key, "example.com/internal");
  EXPECT_TRUE(any.anyValue);
}

TEST(JudgeInternalTest, CustomMarkerOfAnotherProvider) {
  Json body = {{"kind", "Service"},
               {"metadata", {{"name", "lb"}, {"annotations", {{"lb.example.com/private", "yes"}}}}},
               {"spec", {{"type", "LoadBalancer"}}}};
  const ObjectView view(body, "default");
  EXPECT_TRUE(judgeInternal(view, {InternalMarker::parse("lb.example.com/private=yes")}).internal);
  EXPECT_FALSE(judgeInternal(view, {InternalMarker::parse("lb.example.com/private=true")}).internal);
  body["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-type"] = "nlb";
  const ObjectView onAws(body, "default");
  EXPECT_FALSE(judgeInternal(onAws, {InternalMarker::parse("lb.example.com/private=yes")}).internal);
}

}  // namespace
}  // namespace agentguard::engine::exposure

#include "webhook/admission/response_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace agentguard::webhook {
namespace {

engine::Finding finding(std::string rule, engine::Action action, std::string path = "spec.type") {
  engine::Finding f;
  f.rule = std::move(rule);
  f.action = action;
  f.kind = "Service";
  f.namespace_ = "agents";
  f.name = "dashboard";
  f.path = std::move(path);
  f.message = "type is LoadBalancer";
  f.fix = "use ClusterIP";
  return f;
}

TEST(TruncateUtf8Test, CutsOnCharacterBoundaries) {
  EXPECT_EQ(truncateUtf8("short", 10), "short");
  EXPECT_EQ(truncateUtf8("abcdefghij", 8), "abcde...");
  // "é" is two bytes: a cut inside it steps back before it.
  EXPECT_EQ(truncateUtf8("abcd\xC3\xA9xyz", 7), "abcd...");
  EXPECT_EQ(truncateUtf8("abc\xC3\xA9xyz", 7), "abc...");
  EXPECT_EQ(truncateUtf8("abcdef", 2), "..");
}

TEST(SingleLineTest, ReplacesControlCharacters) { EXPECT_EQ(singleLine("a\nb\tc\x1b[31m"), "a b c [31m"); }

TEST(ResponseBuilderTest, OneDenialLinePerFinding) {
  const auto response = responseForFindings(
      "uid-1", {finding("exposure.service-loadbalancer", engine::Action::kDeny),
                finding("exposure.open-source-ranges", engine::Action::kDeny, "spec.loadBalancerSourceRanges[0]")});
  EXPECT_FALSE(response.allowed);
  EXPECT_EQ(response.code, 403);
  EXPECT_EQ(response.message,
            "agentguard denied Service agents/dashboard: [exposure.service-loadbalancer] spec.type: type is "
            "LoadBalancer; fix: use ClusterIP\n"
            "agentguard denied Service agents/dashboard: [exposure.open-source-ranges] "
            "spec.loadBalancerSourceRanges[0]: type is LoadBalancer; fix: use ClusterIP");
}

TEST(ResponseBuilderTest, SummarisesManyDenials) {
  engine::Findings findings;
  for (int i = 0; i < 30; ++i) {
    findings.push_back(finding("exposure.host-port", engine::Action::kDeny, "spec.ports[" + std::to_string(i) + "]"));
  }
  const auto response = responseForFindings("uid", findings);
  EXPECT_THAT(response.message, ::testing::EndsWith("... and 10 more violations; run `agentguard check` on the "
                                                     "manifest to see them all"));
}

TEST(ResponseBuilderTest, WarningsAreSingleLinesUnder512Bytes) {
  auto long_ = finding("exposure.ingress", engine::Action::kWarn);
  long_.message = std::string(600, 'x') + "\nsecond line";
  const auto response = responseForFindings("uid", {long_, long_});
  EXPECT_TRUE(response.allowed);
  ASSERT_EQ(response.warnings.size(), 1u) << "identical warnings are sent once";
  EXPECT_LE(response.warnings[0].size(), kMaxWarningBytes);
  EXPECT_EQ(response.warnings[0].find('\n'), std::string::npos);
  EXPECT_THAT(response.warnings[0], ::testing::EndsWith("..."));
}

TEST(ResponseBuilderTest, AuditAnnotationsKeyedByRuleWithoutSlash) {
  const auto response = responseForFindings(
      "uid", {finding("credentials.token", engine::Action::kAudit, "a"),
              finding("credentials.token", engine::Action::kAudit, "b")});
  ASSERT_EQ(response.auditAnnotations.size(), 1u);
  EXPECT_EQ(response.auditAnnotations[0].first, "credentials.token");
  EXPECT_EQ(response.auditAnnotations[0].second, "a: type is LoadBalancer (and 1 more)");
}

TEST(ResponseBuilderTest, SerializesAnAdmissionReview) {
  const auto allowed = nlohmann::json::parse(serializeAdmissionReview(responseForFindings("u", {})));
  EXPECT_EQ(allowed, nlohmann::json::parse(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
                                                "response":{"uid":"u","allowed":true}})"));
  const auto refused = nlohmann::json::parse(serializeAdmissionReview(internalErrorResponse("u", "Pod a/b")));
  EXPECT_EQ(refused["response"]["status"]["code"], 500);
  EXPECT_EQ(refused["response"]["status"]["reason"], "InternalError");
}

}  // namespace
}  // namespace agentguard::webhook

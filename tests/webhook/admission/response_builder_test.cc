#include "webhook/admission/response_builder.h"

#include <random>

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

// What nlohmann's dump writes for the response: the answer the API server has always been sent.
std::string dumpedByNlohmann(const AdmissionResponse& response) {
  nlohmann::json body = {{"uid", response.uid}, {"allowed", response.allowed}};
  if (!response.allowed) {
    body["status"] = {
        {"status", "Failure"}, {"code", response.code}, {"reason", response.reason}, {"message", response.message}};
  }
  if (!response.warnings.empty()) body["warnings"] = response.warnings;
  for (const auto& [key, value] : response.auditAnnotations) body["auditAnnotations"][key] = value;
  const nlohmann::json review = {
      {"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"response", std::move(body)}};
  return review.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The answer is written without a DOM when its text is ASCII; byte for byte it is what the DOM gave,
// for every ASCII character (control characters, quotes and backslashes included), and text that is not
// ASCII, invalid UTF-8 included, still comes out as valid JSON with the bad bytes replaced.
TEST(ResponseBuilderTest, SerializesByteForByteAsTheDomDid) {
  std::mt19937 random(7);
  const auto text = [&random](bool ascii) {
    std::string out(random() % 40, ' ');
    for (char& c : out) c = static_cast<char>(ascii ? random() % 128 : random() % 256);
    return out;
  };
  for (int i = 0; i < 2000; ++i) {
    const bool ascii = i % 4 != 0;
    AdmissionResponse response;
    response.uid = text(ascii);
    response.allowed = i % 3 != 0;
    if (!response.allowed) {
      response.code = i % 2 == 0 ? 403 : 500;
      response.reason = text(ascii);
      response.message = text(ascii);
    }
    for (unsigned w = random() % 3; w > 0; --w) response.warnings.push_back(text(ascii));
    if (i % 5 == 0) response.auditAnnotations = {{"b.rule", text(ascii)}, {"a.rule", text(ascii)}, {"b.rule", "last"}};
    const std::string written = serializeAdmissionReview(response);
    ASSERT_EQ(written, dumpedByNlohmann(response)) << "response " << i;
    ASSERT_TRUE(nlohmann::json::accept(written)) << "response " << i;
  }
}

}  // namespace
}  // namespace agentguard::webhook

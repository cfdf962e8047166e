// agentguard.io/skip + agentguard.io/skip-reason on an object: what is honoured, what is refused, and
// the bypasses an agent would try.
#include "engine/skip_annotations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "engine/policy/bundled_policies.h"
#include "engine/policy/policy_loader.h"

namespace agentguard::engine {
namespace {

using ::testing::HasSubstr;

// A Deployment running a privileged container, with `annotations` on the workload and `templateAnnotations`
// on its pod template.
nlohmann::json privileged(const nlohmann::json& annotations, const nlohmann::json& templateAnnotations = nullptr) {
  nlohmann::json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", "shipper"}, {"namespace", "agents"}}},
      {"spec",
       {{"template",
         {{"metadata", {{"labels", {{"app", "shipper"}}}}},
          {"spec", {{"containers", {{{"name", "shipper"}, {"image", "registry.example.com/shipper@sha256:" + std::string(64, 'a')},
                                     {"securityContext", {{"privileged", true}}}}}}}}}}}}};
  if (!annotations.is_null()) deployment["metadata"]["annotations"] = annotations;
  if (!templateAnnotations.is_null()) deployment["spec"]["template"]["metadata"]["annotations"] = templateAnnotations;
  return deployment;
}

const Engine& bundled() {
  static const Engine engine(std::make_shared<const PolicySet>(
      compilePolicies(bundledPolicyFiles(), RuleCatalog::builtin()).value()));
  return engine;
}

Findings evaluate(const nlohmann::json& object, bool honour = true) {
  EvaluationContext context;
  context.honourSkipAnnotations = honour;
  return bundled().evaluate(object, context);
}

const Finding* findingOf(const Findings& findings, std::string_view rule) {
  for (const auto& finding : findings) {
    if (finding.rule == rule) return &finding;
  }
  return nullptr;
}

constexpr const char* kRule = "privilege.privileged-container";

TEST(SkipAnnotationsTest, ASkipWithAReasonTurnsTheRuleIntoARecordedAudit) {
  const Findings findings = evaluate(privileged({{"agentguard.io/skip", kRule}, {"agentguard.io/skip-reason", "node agent, reviewed"}}));
  const Finding* finding = findingOf(findings, kRule);
  ASSERT_NE(finding, nullptr) << "a skip is recorded, not dropped";
  EXPECT_EQ(finding->action, Action::kAudit);
  EXPECT_EQ(finding->skipReason, "node agent, reviewed");
  EXPECT_EQ(findingOf(findings, kSkipAnnotationRule), nullptr);
  // Other rules still apply.
  bool otherDeny = false;
  for (const auto& f : findings) otherDeny = otherDeny || (f.rule != kRule && f.action == Action::kDeny);
  EXPECT_TRUE(otherDeny);
}

TEST(SkipAnnotationsTest, NotHonouredUnlessTheCallerSaysSo) {
  const Findings findings =
      evaluate(privileged({{"agentguard.io/skip", kRule}, {"agentguard.io/skip-reason", "reviewed"}}), false);
  ASSERT_NE(findingOf(findings, kRule), nullptr);
  EXPECT_EQ(findingOf(findings, kRule)->action, Action::kDeny);
  EXPECT_TRUE(findingOf(findings, kRule)->skipReason.empty());
}

TEST(SkipAnnotationsTest, WhitespaceInTheListIsTrimmed) {
  const Findings findings = evaluate(privileged(
      {{"agentguard.io/skip", "  privilege.host-namespaces ,\t" + std::string(kRule) + " , "}, {"agentguard.io/skip-reason", "  reviewed  "}}));
  ASSERT_NE(findingOf(findings, kRule), nullptr);
  EXPECT_EQ(findingOf(findings, kRule)->action, Action::kAudit);
  EXPECT_EQ(findingOf(findings, kRule)->skipReason, "reviewed");
}

struct RefusedCase {
  std::string name;
  nlohmann::json annotations;
  std::string messagePart;
};

class SkipAnnotationsRefusedTest : public ::testing::TestWithParam<RefusedCase> {};

TEST_P(SkipAnnotationsRefusedTest, IsADenialAndSkipsNothing) {
  const Findings findings = evaluate(privileged(GetParam().annotations));
  const Finding* refusal = findingOf(findings, kSkipAnnotationRule);
  ASSERT_NE(refusal, nullptr);
  EXPECT_EQ(refusal->action, Action::kDeny);
  EXPECT_THAT(refusal->message, HasSubstr(GetParam().messagePart));
  EXPECT_THAT(refusal->fix, HasSubstr("agentguard.io/skip"));
  EXPECT_THAT(refusal->fix, HasSubstr("agentguard.io/skip-reason"));
  EXPECT_EQ(refusal->kind, "Deployment");
  EXPECT_EQ(refusal->name, "shipper");
  ASSERT_NE(findingOf(findings, kRule), nullptr);
  EXPECT_EQ(findingOf(findings, kRule)->action, Action::kDeny);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SkipAnnotationsRefusedTest,
    ::testing::Values(
        RefusedCase{"NoReason", {{"agentguard.io/skip", kRule}}, "agentguard.io/skip needs agentguard.io/skip-reason"},
        RefusedCase{"EmptyReason", {{"agentguard.io/skip", kRule}, {"agentguard.io/skip-reason", ""}},
                    "it is empty or only blanks"},
        RefusedCase{"OnlySpaces", {{"agentguard.io/skip", kRule}, {"agentguard.io/skip-reason", "   \t "}},
                    "it is empty or only blanks"},
        RefusedCase{"Star", {{"agentguard.io/skip", "*"}, {"agentguard.io/skip-reason", "everything"}},
                    "a pattern is not accepted"},
        RefusedCase{"CategoryPattern", {{"agentguard.io/skip", "privilege.*"}, {"agentguard.io/skip-reason", "r"}},
                    "a pattern is not accepted"},
        RefusedCase{"UnknownRule",
                    {{"agentguard.io/skip", std::string(kRule) + ",privilege.everything"}, {"agentguard.io/skip-reason", "r"}},
                    "names \"privilege.everything\", which is not an agentguard rule"},
        RefusedCase{"NoRule", {{"agentguard.io/skip", " , "}, {"agentguard.io/skip-reason", "r"}}, "names no rule"},
        RefusedCase{"NotAString", {{"agentguard.io/skip", {kRule}}, {"agentguard.io/skip-reason", "r"}},
                    "must be a string of rule ids"}),
    [](const ::testing::TestParamInfo<RefusedCase>& param) { return param.param.name; });

TEST(SkipAnnotationsTest, OnlyTheObjectsOwnExactKeysCount) {
  // On the pod template: not the workload's skip.
  Findings findings = evaluate(privileged(nullptr, {{"agentguard.io/skip", kRule}, {"agentguard.io/skip-reason", "r"}}));
  ASSERT_NE(findingOf(findings, kRule), nullptr);
  EXPECT_EQ(findingOf(findings, kRule)->action, Action::kDeny);
  // Upper-case keys are other annotations (Kubernetes keys are case-sensitive).
  findings = evaluate(privileged({{"Agentguard.io/Skip", kRule}, {"AGENTGUARD.IO/SKIP-REASON", "r"}}));
  EXPECT_EQ(findingOf(findings, kRule)->action, Action::kDeny);
  EXPECT_EQ(findingOf(findings, kSkipAnnotationRule), nullptr);
  // A reason without a skip skips nothing and is harmless.
  findings = evaluate(privileged({{"agentguard.io/skip-reason", "r"}}));
  EXPECT_EQ(findingOf(findings, kRule)->action, Action::kDeny);
  EXPECT_EQ(findingOf(findings, kSkipAnnotationRule), nullptr);
}

TEST(SkipAnnotationsTest, RemovingAnObjectWithABadSkipIsNotRefused) {
  EvaluationContext context;
  context.removal = true;
  const Findings findings = bundled().evaluate(privileged({{"agentguard.io/skip", "*"}}), context);
  EXPECT_EQ(findingOf(findings, kSkipAnnotationRule), nullptr);
}

}  // namespace
}  // namespace agentguard::engine

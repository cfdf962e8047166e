// agentguard.io/skip through the review handler: honoured only when an exemption admin set it or it is
// as it was; anyone else's setting or change is refused, as for the agentguard.io/exempt label.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/skip_annotations.h"
#include "tests/webhook/support/admission_fixtures.h"
#include "webhook/admission/exemption_guard.h"
#include "webhook/admission/review_handler.h"

namespace agentguard::webhook {
namespace {

using ::testing::HasSubstr;
namespace fx = testing;

nlohmann::json nodePort(const std::string& skip, const std::string& reason) {
  nlohmann::json service = fx::service("agents", "debug", "NodePort");
  if (!skip.empty()) service["metadata"]["annotations"][std::string(engine::kSkipAnnotation)] = skip;
  if (!reason.empty()) service["metadata"]["annotations"][std::string(engine::kSkipReasonAnnotation)] = reason;
  return service;
}

struct SkipCase {
  std::string name;
  std::string operation;
  nlohmann::json oldObject;
  nlohmann::json object;
  bool admin = false;
  Decision decision;
  std::vector<std::string> deniedRules;
};

class SkipAnnotationGuardTest : public ::testing::TestWithParam<SkipCase> {};

TEST_P(SkipAnnotationGuardTest, Decides) {
  const SkipCase& c = GetParam();
  const fx::FixedEngineSource engines(fx::bundledPolicies());
  fx::FakeNetworkPolicies networkPolicies;
  const ReviewHandler handler(engines, &networkPolicies);
  AdmissionRequest request;
  request.uid = "1";
  request.kind = "Service";
  request.version = "v1";
  request.resource = "services";
  request.operation = c.operation;
  request.namespace_ = "agents";
  request.name = "debug";
  request.username = c.admin ? "alice" : "system:serviceaccount:agents:builder";
  request.groups = c.admin ? std::vector<std::string>{"system:masters"} : std::vector<std::string>{"system:serviceaccounts"};
  request.object = c.object;
  request.oldObject = c.oldObject;
  ReviewOutcome outcome;
  handler.evaluate(request, outcome);
  EXPECT_EQ(decisionName(outcome.decision), decisionName(c.decision));
  EXPECT_EQ(outcome.deniedRules, c.deniedRules);
  if (c.decision == Decision::kAllow && !c.object.is_null()) {
    // A skipped rule stays on record as an audit with its reason.
    const bool recorded = std::any_of(outcome.findings.begin(), outcome.findings.end(), [](const engine::Finding& f) {
      return f.rule == "exposure.service-nodeport" && f.action == engine::Action::kAudit && !f.skipReason.empty();
    });
    EXPECT_TRUE(recorded);
  }
}

const nlohmann::json kSkipped = nodePort("exposure.service-nodeport", "debug port reviewed by the platform team");

INSTANTIATE_TEST_SUITE_P(
    Cases, SkipAnnotationGuardTest,
    ::testing::Values(
        SkipCase{"AgentCreatesWithSkip", "CREATE", nullptr, kSkipped, false, Decision::kDeny,
                 {"exposure.service-nodeport", "webhook.skip-annotation"}},
        SkipCase{"AdminCreatesWithSkip", "CREATE", nullptr, kSkipped, true, Decision::kAllow, {}},
        SkipCase{"AgentUpdatesLeavingAdminsSkip", "UPDATE", kSkipped, kSkipped, false, Decision::kAllow, {}},
        SkipCase{"AgentChangesTheReason", "UPDATE", kSkipped,
                 nodePort("exposure.service-nodeport", "something else"), false, Decision::kDeny,
                 {"exposure.service-nodeport", "webhook.skip-annotation"}},
        SkipCase{"AgentAddsARuleToTheSkip", "UPDATE", kSkipped,
                 nodePort("exposure.service-nodeport,exposure.host-port", "debug port reviewed by the platform team"),
                 false, Decision::kDeny, {"exposure.service-nodeport", "webhook.skip-annotation"}},
        SkipCase{"AgentRemovesTheSkip", "UPDATE", kSkipped, nodePort("", ""), false, Decision::kDeny,
                 {"exposure.service-nodeport"}},
        SkipCase{"AdminSkipWithoutReason", "CREATE", nullptr, nodePort("exposure.service-nodeport", ""), true,
                 Decision::kDeny, {"exposure.service-nodeport", "policy.skip-annotation"}}),
    [](const ::testing::TestParamInfo<SkipCase>& param) { return param.param.name; });

TEST(SkipAnnotationGuardMessageTest, NamesTheAnnotationsAndWhoMaySetThem) {
  AdmissionRequest request;
  request.kind = "Service";
  request.version = "v1";
  request.operation = "CREATE";
  request.namespace_ = "agents";
  request.name = "debug";
  request.username = "mallory";
  request.object = kSkipped;
  const auto refusal = skipAnnotationRefusal(request, nullptr, ExemptionAdmins{});
  ASSERT_TRUE(refusal.has_value());
  EXPECT_THAT(refusal->message, HasSubstr("user \"mallory\" set or changed the annotations agentguard.io/skip / "
                                          "agentguard.io/skip-reason"));
  EXPECT_THAT(refusal->message, HasSubstr("only group system:masters may set or change them"));
  EXPECT_EQ(refusal->path, "metadata.annotations[\"agentguard.io/skip\"]");
}

}  // namespace
}  // namespace agentguard::webhook

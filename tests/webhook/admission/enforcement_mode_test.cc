#include "webhook/admission/enforcement_mode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "webhook/admission/exemption_guard.h"
#include "webhook/admission/review_handler.h"
#include "tests/webhook/support/admission_fixtures.h"

namespace agentguard::webhook {
namespace {

using engine::Action;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
namespace fx = testing;

struct CeilingCase {
  std::string name;
  EnforcementMode mode;
  Action ruleAction;
  Action expected;
};

class ActionUnderTest : public ::testing::TestWithParam<CeilingCase> {};

TEST_P(ActionUnderTest, TakesTheLooserOfModeAndRule) {
  const auto& c = GetParam();
  EXPECT_EQ(actionUnder(c.mode, c.ruleAction), c.expected);
}

// The mode is a ceiling: it lowers, never raises.
const CeilingCase kCeilingCases[] = {
    {"EnforceKeepsDeny", EnforcementMode::kEnforce, Action::kDeny, Action::kDeny},
    {"EnforceKeepsAWarnRuleWarning", EnforcementMode::kEnforce, Action::kWarn, Action::kWarn},
    {"EnforceKeepsAnAuditRuleAuditing", EnforcementMode::kEnforce, Action::kAudit, Action::kAudit},
    {"WarnLowersDeny", EnforcementMode::kWarn, Action::kDeny, Action::kWarn},
    {"WarnKeepsWarn", EnforcementMode::kWarn, Action::kWarn, Action::kWarn},
    {"WarnNeverRaisesAudit", EnforcementMode::kWarn, Action::kAudit, Action::kAudit},
    {"AuditLowersDeny", EnforcementMode::kAudit, Action::kDeny, Action::kAudit},
    {"AuditLowersWarn", EnforcementMode::kAudit, Action::kWarn, Action::kAudit},
    {"AuditKeepsAudit", EnforcementMode::kAudit, Action::kAudit, Action::kAudit},
};
INSTANTIATE_TEST_SUITE_P(Cases, ActionUnderTest, ::testing::ValuesIn(kCeilingCases),
                         [](const auto& param) { return param.param.name; });

TEST(EnforcementModeTest, ParsesExactlyTheThreeNames) {
  for (const EnforcementMode mode : {EnforcementMode::kEnforce, EnforcementMode::kWarn, EnforcementMode::kAudit}) {
    EnforcementMode parsed = EnforcementMode::kEnforce;
    ASSERT_TRUE(parseEnforcementMode(enforcementModeName(mode), parsed)) << enforcementModeName(mode);
    EXPECT_EQ(parsed, mode);
  }
  for (const char* wrong : {"", "Enforce", "deny", "dryrun", "warn "}) {
    EnforcementMode parsed = EnforcementMode::kAudit;
    EXPECT_FALSE(parseEnforcementMode(wrong, parsed)) << wrong;
    EXPECT_EQ(parsed, EnforcementMode::kAudit) << "a failed parse changed the mode: " << wrong;
  }
}

TEST(EnforcementModeTest, ALoweredFindingRemembersItsRulesAction) {
  engine::Findings findings(3);
  findings[0].action = Action::kDeny;
  findings[1].action = Action::kWarn;
  findings[2].action = Action::kAudit;
  const RelaxedActions relaxed = applyEnforcementMode(EnforcementMode::kAudit, findings);
  ASSERT_EQ(relaxed.size(), 3u);
  EXPECT_EQ(findings[0].action, Action::kAudit);
  EXPECT_EQ(relaxed[0], Action::kDeny);
  EXPECT_EQ(findings[1].action, Action::kAudit);
  EXPECT_EQ(relaxed[1], Action::kWarn);
  EXPECT_EQ(findings[2].action, Action::kAudit);
  EXPECT_EQ(relaxed[2], std::nullopt);

  engine::Findings enforced(1);
  const RelaxedActions none = applyEnforcementMode(EnforcementMode::kEnforce, enforced);
  EXPECT_EQ(enforced[0].action, Action::kDeny);
  EXPECT_EQ(none, RelaxedActions{std::nullopt});
}

// Through the handler: one privileged Deployment, answered under each mode.
class ModeReviewTest : public ::testing::Test {
 protected:
  ModeReviewTest() : engines_(fx::testPolicies()) { networkPolicies_.add(fx::defaultDenyEgress("agents")); }

  ReviewOutcome reviewUnder(EnforcementMode mode, const nlohmann::json& review) const {
    ReviewOptions options;
    options.mode = mode;
    const ReviewHandler handler(engines_, &networkPolicies_, options);
    return handler.review(review.dump());
  }

  static nlohmann::json privileged() {
    return fx::admissionReviewFor(fx::privilegedDeployment("agents", "scraper"));
  }

  fx::FixedEngineSource engines_;
  fx::FakeNetworkPolicies networkPolicies_;
};

constexpr const char* kPrivilegedPath = "spec.template.spec.containers[0].securityContext.privileged";

TEST_F(ModeReviewTest, EnforceRefuses) {
  const auto outcome = reviewUnder(EnforcementMode::kEnforce, privileged());
  EXPECT_EQ(outcome.decision, Decision::kDeny);
  EXPECT_EQ(outcome.deniedRules, std::vector<std::string>{"privilege.privileged-container"});
  const auto response = nlohmann::json::parse(outcome.body)["response"];
  EXPECT_EQ(response["allowed"], false);
  EXPECT_EQ(response["status"]["code"], 403);
  EXPECT_FALSE(response.contains("warnings")) << outcome.body;
}

TEST_F(ModeReviewTest, WarnAdmitsWithAWarningNamingFieldAndFix) {
  const auto outcome = reviewUnder(EnforcementMode::kWarn, privileged());
  EXPECT_EQ(outcome.decision, Decision::kWarn);
  EXPECT_THAT(outcome.deniedRules, IsEmpty());
  EXPECT_EQ(outcome.warnedRules, std::vector<std::string>{"privilege.privileged-container"});
  const auto response = nlohmann::json::parse(outcome.body)["response"];
  EXPECT_EQ(response["allowed"], true);
  EXPECT_FALSE(response.contains("status")) << outcome.body;
  ASSERT_EQ(response["warnings"].size(), 1u) << outcome.body;
  EXPECT_EQ(response["warnings"][0].get<std::string>(),
            std::string("[privilege.privileged-container] denied once enforced: Deployment agents/scraper: ") +
                kPrivilegedPath +
                ": container \"app\" is privileged; fix: remove securityContext.privileged or set it to false");
}

TEST_F(ModeReviewTest, AuditAdmitsSilentlyAndRecords) {
  const auto outcome = reviewUnder(EnforcementMode::kAudit, privileged());
  EXPECT_EQ(outcome.decision, Decision::kAllow);
  EXPECT_THAT(outcome.deniedRules, IsEmpty());
  EXPECT_THAT(outcome.warnedRules, IsEmpty());
  EXPECT_EQ(outcome.auditedRules, std::vector<std::string>{"privilege.privileged-container"});
  const auto response = nlohmann::json::parse(outcome.body)["response"];
  EXPECT_EQ(response["allowed"], true);
  EXPECT_FALSE(response.contains("warnings")) << outcome.body;
  EXPECT_EQ(response["auditAnnotations"]["privilege.privileged-container"].get<std::string>(),
            std::string("denied once enforced: ") + kPrivilegedPath + ": container \"app\" is privileged");
}

// A rule's own looser action stands in every mode: the mode never raises it.
TEST_F(ModeReviewTest, ARulesLooserActionStands) {
  auto pod = fx::podWithApiKey("agents", "reader");
  pod["spec"]["containers"][0]["env"] = {{{"name", "GITHUB_TOKEN"}, {"value", "ghp_not_a_real_token"}}};
  for (const EnforcementMode mode : {EnforcementMode::kEnforce, EnforcementMode::kWarn}) {
    const auto outcome = reviewUnder(mode, fx::admissionReviewFor(pod));
    EXPECT_EQ(outcome.decision, Decision::kAllow) << enforcementModeName(mode) << ": " << outcome.body;
    EXPECT_EQ(outcome.auditedRules, std::vector<std::string>{"credentials.test-audit-token"});
    const auto annotation =
        nlohmann::json::parse(outcome.body)["response"]["auditAnnotations"]["credentials.test-audit-token"];
    EXPECT_THAT(annotation.get<std::string>(), ::testing::Not(HasSubstr("once enforced")));
  }
}

// The webhook's own guards refuse in every mode: an exemption label set during a warn rollout would
// still exempt the namespace once the install enforces.
TEST_F(ModeReviewTest, GuardsRefuseInEveryMode) {
  const nlohmann::json ns = {{"apiVersion", "v1"},
                             {"kind", "Namespace"},
                             {"metadata", {{"name", "agents"}, {"labels", {{std::string(kExemptLabel), "true"}}}}}};
  auto review = fx::admissionReviewFor(ns, "CREATE");
  review["request"]["userInfo"] = {{"username", "system:serviceaccount:agents:builder"},
                                   {"groups", {"system:serviceaccounts"}}};
  for (const EnforcementMode mode : {EnforcementMode::kEnforce, EnforcementMode::kWarn, EnforcementMode::kAudit}) {
    const auto outcome = reviewUnder(mode, review);
    EXPECT_EQ(outcome.decision, Decision::kDeny) << enforcementModeName(mode) << ": " << outcome.body;
    EXPECT_EQ(outcome.deniedRules, std::vector<std::string>{std::string(kExemptLabelRule)});
  }
}

// Without policies the webhook cannot evaluate: it refuses in audit mode too (fail closed).
TEST(ModeReviewFailClosedTest, AuditStillRefusesWhatItCannotEvaluate) {
  fx::FixedEngineSource none(nullptr);
  fx::FakeNetworkPolicies networkPolicies;
  ReviewOptions options;
  options.mode = EnforcementMode::kAudit;
  const ReviewHandler handler(none, &networkPolicies, options);
  const auto outcome = handler.review(fx::admissionReviewFor(fx::privilegedDeployment("agents", "scraper")).dump());
  EXPECT_EQ(outcome.decision, Decision::kError) << outcome.body;
  EXPECT_EQ(nlohmann::json::parse(outcome.body)["response"]["allowed"], false);
}

}  // namespace
}  // namespace agentguard::webhook

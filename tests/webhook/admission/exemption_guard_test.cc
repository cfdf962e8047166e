// The namespace exemption label: only the configured administrators may add, change or remove it.
#include "webhook/admission/exemption_guard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/webhook/support/admission_fixtures.h"
#include "webhook/admission/review_handler.h"

namespace agentguard::webhook {
namespace {

using ::testing::HasSubstr;
namespace fx = testing;

const std::optional<std::string> kNoLabel;

nlohmann::json namespaceObject(const std::optional<std::string>& exempt, const std::string& team = "research") {
  nlohmann::json labels = {{"team", team}};
  if (exempt) labels[std::string(kExemptLabel)] = *exempt;
  return {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "agents"}, {"labels", labels}}}};
}

struct GuardCase {
  std::string name;
  std::string operation = "UPDATE";
  std::optional<std::string> before;  // the label on the old object (UPDATE only)
  std::optional<std::string> after;   // the label on the new object
  std::string username = "system:serviceaccount:agents:builder";
  std::vector<std::string> groups = {"system:serviceaccounts", "system:authenticated"};
  std::vector<std::string> messageParts;  // empty: allowed
  std::string kind = "Namespace";
  std::string group;
  std::string subResource;
  std::string teamAfter = "research";
};

AdmissionRequest requestFor(const GuardCase& c) {
  AdmissionRequest request;
  request.uid = "1";
  request.kind = c.kind;
  request.group = c.group;
  request.version = "v1";
  request.resource = "namespaces";
  request.subResource = c.subResource;
  request.operation = c.operation;
  request.name = "agents";
  request.username = c.username;
  request.groups = c.groups;
  request.object = namespaceObject(c.after, c.teamAfter);
  request.object["kind"] = c.kind;
  return request;
}

class ExemptionGuardTest : public ::testing::TestWithParam<GuardCase> {};

TEST_P(ExemptionGuardTest, Decides) {
  const GuardCase& c = GetParam();
  ExemptionAdmins admins;
  admins.users = {"system:serviceaccount:agentguard:agentguard"};
  const nlohmann::json oldObject = c.operation == "UPDATE" ? namespaceObject(c.before) : nlohmann::json();
  const auto refusal = exemptLabelRefusal(requestFor(c), oldObject, admins);
  if (c.messageParts.empty()) {
    EXPECT_FALSE(refusal.has_value()) << refusal->message;
    return;
  }
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->rule, kExemptLabelRule);
  EXPECT_EQ(refusal->action, engine::Action::kDeny);
  EXPECT_EQ(refusal->objectName(), "Namespace agents");
  EXPECT_EQ(refusal->path, R"(metadata.labels["agentguard.io/exempt"])");
  const std::string text = refusal->describe();
  EXPECT_THAT(text, HasSubstr("only group system:masters or user system:serviceaccount:agentguard:agentguard may"));
  for (const auto& part : c.messageParts) EXPECT_THAT(text, HasSubstr(part));
}

// Designated initializers leave the other fields at their defaults on purpose.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const std::vector<GuardCase> kGuardCases = {
    {.name = "RegularUserAddsTheLabelOnCreate",
     .operation = "CREATE",
     .after = "true",
     .messageParts = {R"(user "system:serviceaccount:agents:builder" added the label agentguard.io/exempt="true")"}},
    {.name = "RegularUserAddsTheLabelOnUpdate",
     .before = kNoLabel,
     .after = "true",
     .messageParts = {"added the label agentguard.io/exempt=\"true\""}},
    {.name = "RegularUserRemovesTheLabel",
     .before = "true",
     .after = kNoLabel,
     .messageParts = {"removed the label agentguard.io/exempt=\"true\""}},
    {.name = "RegularUserChangesTheValue",
     .before = "false",
     .after = "true",
     .messageParts = {R"(changed the label agentguard.io/exempt from "false" to "true")"}},
    {.name = "AnyValueCountsNotJustTrue",
     .operation = "CREATE",
     .after = "no",
     .messageParts = {"added the label agentguard.io/exempt=\"no\""}},
    {.name = "ThroughTheStatusSubresource",
     .before = kNoLabel,
     .after = "true",
     .messageParts = {"added the label"},
     .subResource = "status"},
    {.name = "UnnamedUser",
     .before = kNoLabel,
     .after = "true",
     .username = "",
     .groups = {},
     .messageParts = {"an unnamed user added"}},
    {.name = "AdminGroupMemberAddsTheLabel",
     .operation = "CREATE",
     .after = "true",
     .username = "kubernetes-admin",
     .groups = {"system:masters", "system:authenticated"}},
    {.name = "AdminGroupMemberRemovesTheLabel", .before = "true", .after = kNoLabel, .groups = {"system:masters"}},
    {.name = "NamedAdminUserChangesTheLabel",
     .before = "true",
     .after = "false",
     .username = "system:serviceaccount:agentguard:agentguard"},
    {.name = "UnchangedLabelOnUpdate", .before = "true", .after = "true"},
    {.name = "OtherLabelChangesAllowed", .before = "true", .after = "true", .teamAfter = "platform"},
    {.name = "NoLabelEitherSide", .before = kNoLabel, .after = kNoLabel, .teamAfter = "platform"},
    {.name = "CreateWithoutTheLabel", .operation = "CREATE", .after = kNoLabel},
    {.name = "DeleteIsNotGuarded", .operation = "DELETE", .before = "true", .after = kNoLabel},
    {.name = "OtherKindsAreNotGuarded", .before = kNoLabel, .after = "true", .kind = "ConfigMap"},
    {.name = "NamespaceKindOfAnotherGroup", .before = kNoLabel, .after = "true", .group = "example.com"},
};

INSTANTIATE_TEST_SUITE_P(Cases, ExemptionGuardTest, ::testing::ValuesIn(kGuardCases),
                         [](const auto& param) { return param.param.name; });

TEST(ExemptionAdminsTest, DescribesWhoMaySetTheLabel) {
  ExemptionAdmins admins;
  EXPECT_EQ(admins.describe(), "group system:masters");
  admins.groups = {"system:masters", "platform-admins"};
  admins.users = {"alice"};
  EXPECT_EQ(admins.describe(), "groups system:masters, platform-admins or user alice");
  EXPECT_TRUE(admins.includes("bob", {"platform-admins"}));
  EXPECT_TRUE(admins.includes("alice", {}));
  EXPECT_FALSE(admins.includes("bob", {"system:authenticated"}));
  EXPECT_FALSE(admins.includes("", {}));
  admins.groups.clear();
  admins.users.clear();
  EXPECT_THAT(admins.describe(), HasSubstr("nobody"));
}

// Through the handler: the refusal is a 403 with the usual denial line, counted under its rule.
TEST(ExemptionGuardReviewTest, RefusesARegularUserRemovingTheLabel) {
  fx::FixedEngineSource engines(fx::testPolicies());
  fx::FakeNetworkPolicies networkPolicies;
  ReviewHandler handler(engines, &networkPolicies);

  auto review = fx::admissionReviewFor(namespaceObject(kNoLabel), "UPDATE");
  review["request"]["oldObject"] = namespaceObject("true");
  review["request"]["userInfo"] = {{"username", "system:serviceaccount:agents:builder"},
                                   {"groups", {"system:serviceaccounts", "system:authenticated"}}};
  const auto refused = handler.review(review.dump());
  EXPECT_EQ(refused.decision, Decision::kDeny) << refused.body;
  EXPECT_EQ(refused.deniedRules, std::vector<std::string>{std::string(kExemptLabelRule)});
  const auto response = nlohmann::json::parse(refused.body)["response"];
  EXPECT_EQ(response["allowed"], false);
  EXPECT_EQ(response["status"]["code"], 403);
  EXPECT_THAT(
      response["status"]["message"].get<std::string>(),
      HasSubstr(
          R"(agentguard denied Namespace agents: [webhook.exempt-label] metadata.labels["agentguard.io/exempt"]: )"
          R"(user "system:serviceaccount:agents:builder" removed the label)"));

  review["request"]["userInfo"]["groups"].push_back("system:masters");
  const auto allowed = handler.review(review.dump());
  EXPECT_EQ(allowed.decision, Decision::kAllow) << allowed.body;

  ReviewOptions options;
  options.exemptionAdmins.groups = {};
  options.exemptionAdmins.users = {"system:serviceaccount:agents:builder"};
  ReviewHandler delegated(engines, &networkPolicies, options);
  review["request"]["userInfo"]["groups"] = {"system:serviceaccounts"};
  EXPECT_EQ(delegated.review(review.dump()).decision, Decision::kAllow);
}

}  // namespace
}  // namespace agentguard::webhook

#include "common/decision/decision_statement.h"

#include <gtest/gtest.h>

#include "common/decision/canonical_json.h"
#include "common/decision/digest.h"

namespace agentguard::decision {
namespace {

Decision deployment() {
  Decision decision;
  decision.verifierId = "https://agentguard.io/webhook";
  decision.timeVerified = "2026-12-07T03:00:00Z";
  decision.group = "apps";
  decision.version = "v1";
  decision.kind = "Deployment";
  decision.namespace_ = "agents";
  decision.name = "scraper";
  decision.object = nlohmann::json::parse(R"({"kind":"Deployment","spec":{"replicas":1,"ratio":0.5}})");
  decision.policyUri = "file:///etc/agentguard/policies";
  decision.policyDigest = std::string(64, 'a');
  decision.passed = false;
  decision.uid = "705ab4f5-6393-11e8-b7cc-42010a800002";
  decision.operation = "CREATE";
  decision.user = "system:serviceaccount:agents:runner";
  decision.groups = {"system:serviceaccounts"};
  decision.action = "deny";
  decision.mode = "enforce";
  decision.findings = {{"privilege.privileged-container", "critical", "spec.template.spec.containers[0]"}};
  return decision;
}

TEST(DecisionStatementTest, IsAnInTotoStatementWithAVerificationSummary) {
  const Decision decision = deployment();
  Result<std::string> payload = statementPayload(decision, LogPosition{"replica-a", 7, std::string(64, 'b')});
  ASSERT_TRUE(payload.ok()) << payload.error().describe();
  const auto statement = nlohmann::json::parse(*payload);
  EXPECT_EQ(statement["_type"], "https://in-toto.io/Statement/v1");
  EXPECT_EQ(statement["predicateType"], "https://slsa.dev/verification_summary/v1");
  EXPECT_EQ(statement["subject"][0]["name"], "apps/v1/Deployment/agents/scraper");
  EXPECT_EQ(statement["subject"][0]["digest"]["sha256"], sha256Hex(*canonicalJson(decision.object)));
  const auto& predicate = statement["predicate"];
  EXPECT_EQ(predicate["verifier"]["id"], "https://agentguard.io/webhook");
  EXPECT_EQ(predicate["verificationResult"], "FAILED");
  EXPECT_EQ(predicate["policy"]["digest"]["sha256"], std::string(64, 'a'));
  const auto& extension = predicate[std::string(kDecisionField)];
  EXPECT_EQ(extension["action"], "deny");
  EXPECT_EQ(extension["findings"][0]["rule"], "privilege.privileged-container");
  EXPECT_EQ(extension["log"]["seq"], 7);
  // The payload is itself canonical, so anyone can recompute prev from the bytes.
  EXPECT_EQ(*canonicalJson(statement), *payload);
  Result<LogPosition> position = positionOf(statement);
  ASSERT_TRUE(position.ok());
  EXPECT_EQ(position->origin, "replica-a");
  EXPECT_EQ(position->seq, 7u);
}

TEST(DecisionStatementTest, SubjectDigestIgnoresKeyOrderAndWhitespace) {
  Decision first = deployment();
  Decision second = deployment();
  second.object = nlohmann::json::parse(R"({ "spec": {"ratio": 5e-1, "replicas": 1.0}, "kind": "Deployment" })");
  const auto digestOf = [](const Decision& d) {
    return nlohmann::json::parse(*statementPayload(d, {}))["subject"][0]["digest"]["sha256"];
  };
  EXPECT_EQ(digestOf(first), digestOf(second));
}

TEST(DecisionStatementTest, CoreAndClusterScopedNames) {
  Decision pod = deployment();
  pod.group = "";
  pod.kind = "Pod";
  EXPECT_EQ(subjectName(pod), "core/v1/Pod/agents/scraper");
  Decision role = deployment();
  role.group = "rbac.authorization.k8s.io";
  role.kind = "ClusterRole";
  role.namespace_ = "";
  EXPECT_EQ(subjectName(role), "rbac.authorization.k8s.io/v1/ClusterRole//scraper");
}

TEST(DecisionStatementTest, PositionOfNamesWhatIsMissing) {
  EXPECT_FALSE(positionOf(nlohmann::json::object()).ok());
  auto statement = nlohmann::json::parse(*statementPayload(deployment(), {}));
  statement["predicate"][std::string(kDecisionField)]["log"]["seq"] = -1;
  EXPECT_FALSE(positionOf(statement).ok());
}

Decision toolCall() {
  Decision decision;
  decision.verifierId = "https://agentguard.io/gate";
  decision.timeVerified = "2026-12-07T03:00:00Z";
  decision.policyUri = "agentsandbox:agents/analyst";
  decision.policyDigest = std::string(64, 'c');
  decision.passed = false;
  decision.action = "deny";
  decision.mode = "enforce";
  decision.toolCall = ToolCall{"mail", "send_email", "tools/call", "agents", "analyst", "analyst-pod", "analyst", "10.0.0.7",
                               "tools.argument", "arguments/to: not allowed", std::string(64, 'd')};
  return decision;
}

TEST(DecisionStatementTest, ToolCallRecordHasKindCallerAndArgumentsDigest) {
  Result<std::string> payload = statementPayload(toolCall(), LogPosition{"gate-a", 3, std::string(64, 'b')});
  ASSERT_TRUE(payload.ok()) << payload.error().describe();
  const auto statement = nlohmann::json::parse(*payload);
  EXPECT_EQ(statement["subject"][0]["name"], "toolcall/agents/analyst/mail/send_email");
  EXPECT_EQ(statement["subject"][0]["digest"]["sha256"], std::string(64, 'd'));
  const auto& predicate = statement["predicate"];
  EXPECT_EQ(predicate["verificationResult"], "FAILED");
  EXPECT_EQ(predicate["resourceUri"], "mcp:toolcall/agents/analyst/mail/send_email");
  const auto& extension = predicate[std::string(kDecisionField)];
  EXPECT_EQ(extension["kind"], "toolcall");
  EXPECT_EQ(extension["caller"]["pod"], "analyst-pod");
  EXPECT_EQ(extension["caller"]["serviceAccount"], "analyst");
  EXPECT_EQ(extension["rule"], "tools.argument");
  EXPECT_EQ(extension["action"], "deny");
  EXPECT_FALSE(extension.contains("findings"));
  EXPECT_EQ(positionOf(statement)->seq, 3u);
}

TEST(DecisionStatementTest, ToolCallWithoutToolIsNamedByMethodAndNeedsAHexDigest) {
  Decision decision = toolCall();
  decision.toolCall->tool = "";
  decision.toolCall->method = "resources/read";
  auto statement = nlohmann::json::parse(*statementPayload(decision, {}));
  EXPECT_EQ(statement["subject"][0]["name"], "toolcall/agents/analyst/mail/resources/read");
  decision.toolCall->argumentsDigest = "sha256:" + std::string(64, 'd');
  EXPECT_FALSE(statementPayload(decision, {}).ok());
}

TEST(DecisionStatementTest, AdmissionRecordsHaveNoKindField) {
  auto statement = nlohmann::json::parse(*statementPayload(deployment(), {}));
  EXPECT_FALSE(statement["predicate"][std::string(kDecisionField)].contains("kind"));
}

}  // namespace
}  // namespace agentguard::decision

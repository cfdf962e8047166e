#include "webhook/admission/decision_recorder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/decision/decision_log_verifier.h"
#include "common/decision/digest.h"
#include "common/decision/dsse_envelope.h"
#include "tests/common/decision/test_keys.h"
#include "tests/support/scratch_dir.h"
#include "tests/webhook/support/admission_fixtures.h"
#include "webhook/admission/review_handler.h"
#include "webhook/options/webhook_flags.h"

namespace agentguard::webhook {
namespace {

namespace fx = testing;

class DecisionRecorderTest : public ::testing::Test {
 protected:
  DecisionRecorderTest() : engines_(fx::testPolicies()) {
    networkPolicies_.add(fx::defaultDenyEgress("agents"));
  }

  std::unique_ptr<decision::DecisionLogWriter> openWriter(const std::string& path) {
    auto writer = decision::DecisionLogWriter::open(path, std::move(decision::SigningKey::fromPem(pem_)).value(), "replica-a");
    EXPECT_TRUE(writer.ok()) << writer.error().describe();
    return std::move(*writer);
  }
  ReviewOutcome reviewWith(decision::DecisionLogWriter& writer, const nlohmann::json& review,
                           OnRecordFailure onFailure = OnRecordFailure::kDeny,
                           EnforcementMode mode = EnforcementMode::kEnforce) {
    decision::DecisionLogQueue queue(writer);
    DecisionRecorder recorder(queue, [] { return std::string(64, 'c'); }, "file:///policies", onFailure);
    ReviewOptions options;
    options.decisionRecorder = &recorder;
    options.mode = mode;
    ReviewHandler handler(engines_, &networkPolicies_, options);
    return handler.review(review.dump());
  }

  std::string pem_ = decision::testing::newEd25519Pem();
  agentguard::testing::ScratchDir dir_{"decision-recorder"};
  fx::FixedEngineSource engines_;
  fx::FakeNetworkPolicies networkPolicies_;
};

TEST_F(DecisionRecorderTest, EveryAnswerIsRecordedAndAnnotatedWithTheRecordDigest) {
  const std::string path = (dir_ / "decisions.dsse.jsonl").string();
  auto writer = openWriter(path);
  const auto denied = reviewWith(*writer, fx::admissionReviewFor(fx::privilegedDeployment("agents", "scraper")));
  const auto allowed = reviewWith(*writer, fx::admissionReviewFor(fx::deployment("agents", "web")));
  EXPECT_EQ(denied.decision, Decision::kDeny);
  EXPECT_EQ(allowed.decision, Decision::kAllow);

  std::ifstream in(path);
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  const auto response = nlohmann::json::parse(denied.body)["response"];
  EXPECT_EQ(response["auditAnnotations"]["decision"], "sha256:" + decision::sha256Hex(first));
  EXPECT_EQ(nlohmann::json::parse(allowed.body)["response"]["auditAnnotations"]["decision"],
            "sha256:" + decision::sha256Hex(second));

  const auto statement = nlohmann::json::parse(decision::parseEnvelopeLine(first)->payload);
  EXPECT_EQ(statement["subject"][0]["name"], "apps/v1/Deployment/agents/scraper");
  const auto& predicate = statement["predicate"];
  EXPECT_EQ(predicate["verificationResult"], "FAILED");
  EXPECT_EQ(predicate["policy"]["digest"]["sha256"], std::string(64, 'c'));
  const auto& extension = predicate[std::string(decision::kDecisionField)];
  EXPECT_EQ(extension["action"], "deny");
  EXPECT_EQ(extension["mode"], "enforce");
  EXPECT_EQ(extension["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_EQ(extension["findings"][0]["rule"], "privilege.privileged-container");

  std::ifstream log(path);
  const auto verified = decision::verifyDecisionLog(log, *decision::TrustedKeys::fromPem(
                                                              decision::SigningKey::fromPem(pem_)->publicKeyPem()));
  EXPECT_TRUE(verified.ok) << verified.problem;
  EXPECT_EQ(verified.records, 2u);
}

// Under audit the privileged Deployment is admitted and recorded as an audit, with the mode it was
// answered under, so a rollout's log shows what enforcement would refuse.
TEST_F(DecisionRecorderTest, AuditModeRecordsTheFindingAsAnAudit) {
  const std::string path = (dir_ / "decisions.dsse.jsonl").string();
  auto writer = openWriter(path);
  const auto audited = reviewWith(*writer, fx::admissionReviewFor(fx::privilegedDeployment("agents", "scraper")),
                                  OnRecordFailure::kDeny, EnforcementMode::kAudit);
  EXPECT_EQ(audited.decision, Decision::kAllow) << audited.body;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  const auto statement = nlohmann::json::parse(decision::parseEnvelopeLine(line)->payload);
  const auto& extension = statement["predicate"][std::string(decision::kDecisionField)];
  EXPECT_EQ(extension["action"], "audit");
  EXPECT_EQ(extension["mode"], "audit");
  EXPECT_EQ(extension["findings"][0]["rule"], "privilege.privileged-container");
  EXPECT_EQ(statement["predicate"]["verificationResult"], "PASSED");
}

// /dev/full accepts the open and fails every write, like a full volume.
TEST_F(DecisionRecorderTest, AnAnswerThatCannotBeRecordedIsARefusal) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  auto writer = openWriter("/dev/full");
  const auto outcome = reviewWith(*writer, fx::admissionReviewFor(fx::deployment("agents", "web")));
  EXPECT_EQ(outcome.decision, Decision::kError);
  EXPECT_NE(outcome.error.find("could not be written"), std::string::npos) << outcome.error;
  const auto response = nlohmann::json::parse(outcome.body)["response"];
  EXPECT_EQ(response["allowed"], false);
  EXPECT_FALSE(response.contains("auditAnnotations"));
}

TEST_F(DecisionRecorderTest, WithOnFailureAllowAnUnrecordedAnswerStandsAndSaysWhy) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  auto writer = openWriter("/dev/full");
  const auto allowed = reviewWith(*writer, fx::admissionReviewFor(fx::deployment("agents", "web")), OnRecordFailure::kAllow);
  EXPECT_EQ(allowed.decision, Decision::kAllow);
  EXPECT_NE(allowed.error.find("answered without a decision record"), std::string::npos) << allowed.error;
  EXPECT_EQ(nlohmann::json::parse(allowed.body)["response"]["allowed"], true);
  // A refusal stays a refusal.
  const auto denied = reviewWith(*writer, fx::admissionReviewFor(fx::privilegedDeployment("agents", "scraper")),
                                 OnRecordFailure::kAllow);
  EXPECT_EQ(denied.decision, Decision::kDeny);
  EXPECT_EQ(nlohmann::json::parse(denied.body)["response"]["allowed"], false);
}

TEST(DecisionLogFlagsTest, OnFailureWaitAndCheckpointFlags) {
  const std::vector<std::string> base = {"--tls-cert-file", "c", "--tls-private-key-file", "k", "--policies", "/p",
                                         "--decision-log-file", "/d", "--decision-signing-key", "/k"};
  auto defaults = parseWebhookFlags(base);
  ASSERT_TRUE(defaults.ok()) << defaults.error().describe();
  EXPECT_EQ(defaults->decisionLogOnFailure, OnRecordFailure::kDeny);
  EXPECT_EQ(defaults->decisionLogWait, std::chrono::seconds(1));
  EXPECT_EQ(defaults->decisionCheckpointRecords, 1000u);
  EXPECT_EQ(defaults->decisionCheckpointInterval, std::chrono::seconds(10));

  auto set = base;
  set.insert(set.end(), {"--decision-log-on-failure=allow", "--decision-log-wait", "250ms",
                         "--decision-checkpoint-records=50", "--decision-checkpoint-interval", "3s"});
  auto parsed = parseWebhookFlags(set);
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_EQ(parsed->decisionLogOnFailure, OnRecordFailure::kAllow);
  EXPECT_EQ(parsed->decisionLogWait, std::chrono::milliseconds(250));
  EXPECT_EQ(parsed->decisionCheckpointRecords, 50u);
  EXPECT_EQ(parsed->decisionCheckpointInterval, std::chrono::seconds(3));

  for (const std::string bad : {"--decision-log-on-failure=maybe", "--decision-log-wait=0s",
                                "--decision-checkpoint-records=0", "--decision-checkpoint-records=ten",
                                "--decision-checkpoint-interval=soon"}) {
    auto args = base;
    args.push_back(bad);
    auto refused = parseWebhookFlags(args);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.error().message.find(bad.substr(2, bad.find('=') - 2)), std::string::npos) << refused.error().message;
  }
}

TEST(DecisionLogFlagsTest, CheckpointSinkFlags) {
  const std::vector<std::string> base = {"--tls-cert-file", "c", "--tls-private-key-file", "k", "--policies", "/p"};
  auto set = base;
  set.insert(set.end(), {"--decision-log-file", "/d", "--decision-signing-key", "/k", "--decision-checkpoint-file",
                         "/mnt/worm/checkpoints", "--decision-checkpoint-url=https://audit.example/checkpoints",
                         "--decision-checkpoint-configmap", "agentguard/agentguard-checkpoints",
                         "--decision-trust-configmap=agentguard/agentguard-trust"});
  auto parsed = parseWebhookFlags(set);
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_EQ(parsed->decisionCheckpointFile, "/mnt/worm/checkpoints");
  EXPECT_EQ(parsed->decisionCheckpointUrl, "https://audit.example/checkpoints");
  EXPECT_EQ(parsed->decisionCheckpointConfigMap, "agentguard/agentguard-checkpoints");
  EXPECT_EQ(parsed->decisionTrustConfigMap, "agentguard/agentguard-trust");

  for (const std::string bad : {"--decision-checkpoint-url=ftp://x/y", "--decision-checkpoint-configmap=name",
                                "--decision-checkpoint-configmap=/name", "--decision-checkpoint-configmap=ns/",
                                "--decision-checkpoint-configmap=a/b/c", "--decision-trust-configmap=trust"}) {
    auto args = set;
    args.push_back(bad);
    auto refused = parseWebhookFlags(args);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.error().message.find(bad.substr(2, bad.find('=') - 2)), std::string::npos) << refused.error().message;
  }
  auto withoutLog = base;
  withoutLog.insert(withoutLog.end(), {"--decision-checkpoint-file", "/mnt/worm/checkpoints"});
  auto refused = parseWebhookFlags(withoutLog);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("need --decision-log-file"), std::string::npos) << refused.error().message;
}

TEST(DecisionLogFlagsTest, LogFileAndSigningKeyGoTogether) {
  const std::vector<std::string> base = {"--tls-cert-file", "c", "--tls-private-key-file", "k", "--policies", "/p"};
  auto both = base;
  both.insert(both.end(), {"--decision-log-file", "/var/log/d.dsse.jsonl", "--decision-signing-key=/keys/k.pem"});
  auto parsed = parseWebhookFlags(both);
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_EQ(parsed->decisionLogFile, "/var/log/d.dsse.jsonl");
  EXPECT_EQ(parsed->decisionSigningKey, "/keys/k.pem");
  auto onlyLog = base;
  onlyLog.insert(onlyLog.end(), {"--decision-log-file", "/var/log/d.dsse.jsonl"});
  EXPECT_FALSE(parseWebhookFlags(onlyLog).ok());
  EXPECT_TRUE(parseWebhookFlags(base)->decisionLogFile.empty());
}

}  // namespace
}  // namespace agentguard::webhook

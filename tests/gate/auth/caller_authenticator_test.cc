#include "gate/auth/caller_authenticator.h"

#include <gtest/gtest.h>

#include <memory>

#include "common/encoding/base64.h"
#include "common/time/manual_clock.h"
#include "tests/gate/auth/fake_caller_lookup.h"

namespace agentguard::gate {
namespace {

using namespace std::chrono_literals;
using testing::boundTokenStatus;
using testing::FakeCallerLookup;
using testing::Json;
using testing::sandboxPod;

constexpr int64_t kStart = 1'800'000'000;

// A token whose payload says it expires at `exp` (seconds since the epoch).
std::string tokenExpiringAt(int64_t exp, const std::string& nonce = "a") {
  std::string payload = encoding::encodeBase64(R"({"exp":)" + std::to_string(exp) + R"(,"n":")" + nonce + "\"}");
  while (!payload.empty() && payload.back() == '=') payload.pop_back();
  for (char& c : payload) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return "eyJhbGciOiJSUzI1NiJ9." + payload + ".sig";
}

class CallerAuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.setWall(time::WallTime(std::chrono::seconds(kStart)));
    lookup_.pods.emplace("agents/analyst-0", sandboxPod("agents", "analyst-0", "pod-uid", "10.0.0.5"));
    token_ = tokenExpiringAt(kStart + 3600);
    lookup_.reviews.insert_or_assign(token_, boundTokenStatus("agents", "agent", "analyst-0", "pod-uid"));
  }

  std::unique_ptr<CallerAuthenticator> authenticator(size_t entries = 16) {
    AuthenticatorOptions options;
    options.namespaceName = "agents";
    options.cacheEntries = entries;
    options.clock = &clock_;
    return makeCallerAuthenticator(lookup_, std::move(options));
  }

  FakeCallerLookup lookup_;
  std::string token_;
  time::ManualClock clock_;
};

TEST_F(CallerAuthenticatorTest, BoundTokenFromItsPodAuthenticates) {
  const auto caller = authenticator()->authenticate(token_, "10.0.0.5");
  ASSERT_TRUE(caller.ok()) << caller.error().describe();
  EXPECT_EQ(caller->sandbox, "analyst");
  EXPECT_EQ(caller->pod, "analyst-0");
  EXPECT_EQ(lookup_.reviewedAudiences, std::vector<std::string>{"agentguard-gate"});
}

TEST_F(CallerAuthenticatorTest, TokenFromAnotherAddressIsRefused) {
  const auto caller = authenticator()->authenticate(token_, "10.0.0.9");
  ASSERT_FALSE(caller.ok());
  EXPECT_EQ(caller.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(caller.error().message, "pod agents/analyst-0 has IP 10.0.0.5, the request came from 10.0.0.9");
}

TEST_F(CallerAuthenticatorTest, MissingTokenIsRefused) {
  EXPECT_EQ(authenticator()->authenticate("", "10.0.0.5").error().message,
            "no bearer token; send Authorization: Bearer <contents of $AGENTGUARD_GATE_TOKEN_FILE>");
  EXPECT_EQ(lookup_.reviewCalls, 0);
}

TEST_F(CallerAuthenticatorTest, ForgedTokenIsRefused) {
  const auto caller = authenticator()->authenticate("forged", "10.0.0.5");
  EXPECT_EQ(caller.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(caller.error().message,
            "token is not valid for audience agentguard-gate: invalid bearer token; send the projected token from "
            "$AGENTGUARD_GATE_TOKEN_FILE");
}

TEST_F(CallerAuthenticatorTest, DeletedPodIsRefused) {
  lookup_.pods.clear();
  EXPECT_EQ(authenticator()->authenticate(token_, "10.0.0.5").error().message,
            "pod agents/analyst-0 named by the token does not exist");
}

TEST_F(CallerAuthenticatorTest, ServiceAccountMustBeThePods) {
  lookup_.reviews.insert_or_assign(token_, boundTokenStatus("agents", "other", "analyst-0", "pod-uid"));
  EXPECT_EQ(authenticator()->authenticate(token_, "10.0.0.5").error().message,
            "pod agents/analyst-0 runs as ServiceAccount agent, the token is of ServiceAccount other");
}

TEST_F(CallerAuthenticatorTest, ApiServerFailureIsUnavailableAndNotCached) {
  lookup_.reviews.insert_or_assign(token_, makeError(ErrorCode::kUnavailable, "connection refused"));
  const auto auth = authenticator();
  EXPECT_EQ(auth->authenticate(token_, "10.0.0.5").error().code, ErrorCode::kUnavailable);
  lookup_.reviews.insert_or_assign(token_, boundTokenStatus("agents", "agent", "analyst-0", "pod-uid"));
  EXPECT_TRUE(auth->authenticate(token_, "10.0.0.5").ok());
  EXPECT_EQ(lookup_.reviewCalls, 2);
  lookup_.podError = makeError(ErrorCode::kUnavailable, "timeout");
  EXPECT_EQ(auth->authenticate(token_, "10.0.0.5").error().code, ErrorCode::kUnavailable);
}

TEST_F(CallerAuthenticatorTest, AnswersAreCachedForAtMostSixtySeconds) {
  const auto auth = authenticator();
  ASSERT_TRUE(auth->authenticate(token_, "10.0.0.5").ok());
  clock_.advance(59s);
  ASSERT_TRUE(auth->authenticate(token_, "10.0.0.5").ok());
  EXPECT_EQ(lookup_.reviewCalls, 1);
  clock_.advance(1s);
  ASSERT_TRUE(auth->authenticate(token_, "10.0.0.5").ok());
  EXPECT_EQ(lookup_.reviewCalls, 2);
}

TEST_F(CallerAuthenticatorTest, LongerTtlIsClampedToSixtySeconds) {
  AuthenticatorOptions options;
  options.namespaceName = "agents";
  options.cacheTtl = 600s;
  options.clock = &clock_;
  const auto auth = makeCallerAuthenticator(lookup_, std::move(options));
  ASSERT_TRUE(auth->authenticate(token_, "10.0.0.5").ok());
  clock_.advance(60s);
  ASSERT_TRUE(auth->authenticate(token_, "10.0.0.5").ok());
  EXPECT_EQ(lookup_.reviewCalls, 2);
}

TEST_F(CallerAuthenticatorTest, CacheNeverOutlivesTheTokensExp) {
  const std::string shortLived = tokenExpiringAt(kStart + 10, "short");
  lookup_.reviews.insert_or_assign(shortLived, boundTokenStatus("agents", "agent", "analyst-0", "pod-uid"));
  const auto auth = authenticator();
  ASSERT_TRUE(auth->authenticate(shortLived, "10.0.0.5").ok());
  clock_.advance(9s);
  ASSERT_TRUE(auth->authenticate(shortLived, "10.0.0.5").ok());
  EXPECT_EQ(lookup_.reviewCalls, 1);
  clock_.advance(1s);
  lookup_.reviews.insert_or_assign(shortLived, Json{{"authenticated", false}, {"error", "token has expired"}});
  EXPECT_FALSE(auth->authenticate(shortLived, "10.0.0.5").ok());
  EXPECT_EQ(lookup_.reviewCalls, 2);
}

TEST_F(CallerAuthenticatorTest, RefusalsAreCachedToo) {
  const auto auth = authenticator();
  EXPECT_FALSE(auth->authenticate("forged", "10.0.0.5").ok());
  EXPECT_FALSE(auth->authenticate("forged", "10.0.0.5").ok());
  EXPECT_EQ(lookup_.reviewCalls, 1);
}

TEST_F(CallerAuthenticatorTest, PodChecksAreNotCached) {
  const auto auth = authenticator();
  ASSERT_TRUE(auth->authenticate(token_, "10.0.0.5").ok());
  lookup_.pods.at("agents/analyst-0")["status"]["phase"] = "Succeeded";
  EXPECT_EQ(auth->authenticate(token_, "10.0.0.5").error().message, "pod agents/analyst-0 is Succeeded, not Running");
}

TEST_F(CallerAuthenticatorTest, CacheIsBounded) {
  const auto auth = authenticator(2);
  for (const char* nonce : {"1", "2", "3"}) {
    const std::string token = tokenExpiringAt(kStart + 3600, nonce);
    lookup_.reviews.insert_or_assign(token, boundTokenStatus("agents", "agent", "analyst-0", "pod-uid"));
    ASSERT_TRUE(auth->authenticate(token, "10.0.0.5").ok());
  }
  EXPECT_EQ(lookup_.reviewCalls, 3);
  // The first token was evicted for the third; the third is still cached.
  ASSERT_TRUE(auth->authenticate(tokenExpiringAt(kStart + 3600, "3"), "10.0.0.5").ok());
  EXPECT_EQ(lookup_.reviewCalls, 3);
  ASSERT_TRUE(auth->authenticate(tokenExpiringAt(kStart + 3600, "1"), "10.0.0.5").ok());
  EXPECT_EQ(lookup_.reviewCalls, 4);
}

TEST_F(CallerAuthenticatorTest, SourceIpIdentifiesTheOneSandboxPod) {
  const auto auth = authenticator();
  const auto caller = auth->identifyBySourceIp("10.0.0.5");
  ASSERT_TRUE(caller.ok()) << caller.error().describe();
  EXPECT_EQ(caller->pod, "analyst-0");
  EXPECT_EQ(auth->identifyBySourceIp("10.0.0.7").error().message,
            "no Running AgentSandbox pod in namespace agents has IP 10.0.0.7");
  Json plain = sandboxPod("agents", "web", "web-uid", "10.0.0.8");
  plain["metadata"].erase("ownerReferences");
  lookup_.pods.emplace("agents/web", plain);
  EXPECT_EQ(auth->identifyBySourceIp("10.0.0.8").error().message,
            "no Running AgentSandbox pod in namespace agents has IP 10.0.0.8 (pod agents/web has no controller; only "
            "AgentSandbox Pods may call the gate)");
  lookup_.podError = makeError(ErrorCode::kUnavailable, "timeout");
  EXPECT_EQ(auth->identifyBySourceIp("10.0.0.5").error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace agentguard::gate

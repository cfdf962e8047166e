#include "gate/auth/token_review.h"

#include <gtest/gtest.h>

#include "common/encoding/base64.h"
#include "tests/gate/auth/fake_caller_lookup.h"

namespace agentguard::gate {
namespace {

using testing::boundTokenStatus;
using testing::Json;

std::string reasonOf(const Json& status) {
  const auto read = readTokenReview(Json{{"status", status}}, "agentguard-gate", "agents");
  return read.ok() ? "accepted" : read.error().message;
}

TEST(TokenReviewTest, RequestNamesTokenAndAudience) {
  const Json request = tokenReviewRequest("t0ken", "agentguard-gate");
  EXPECT_EQ(request.at("apiVersion"), "authentication.k8s.io/v1");
  EXPECT_EQ(request.at("kind"), "TokenReview");
  EXPECT_EQ(request.at("spec"), (Json{{"token", "t0ken"}, {"audiences", {"agentguard-gate"}}}));
}

TEST(TokenReviewTest, BoundTokenOfTheNamespaceIsRead) {
  const auto read = readTokenReview(Json{{"status", boundTokenStatus("agents", "agent", "analyst-0", "uid-1")}},
                                    "agentguard-gate", "agents");
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(read->namespaceName, "agents");
  EXPECT_EQ(read->serviceAccount, "agent");
  EXPECT_EQ(read->podName, "analyst-0");
  EXPECT_EQ(read->podUid, "uid-1");
}

TEST(TokenReviewTest, EachRefusalSaysWhy) {
  const Json good = boundTokenStatus("agents", "agent", "analyst-0", "uid-1");
  Json unauthenticated = {{"authenticated", false}, {"error", "token has expired"}};
  Json wrongAudience = boundTokenStatus("agents", "agent", "analyst-0", "uid-1", "https://kubernetes.default.svc");
  Json noAudiences = good;
  noAudiences.erase("audiences");
  Json otherNamespace = boundTokenStatus("intruders", "agent", "x-0", "uid-2");
  Json user = good;
  user["user"]["username"] = "alice";
  Json malformedUser = good;
  malformedUser["user"]["username"] = "system:serviceaccount:agents";
  Json unbound = good;
  unbound["user"].erase("extra");
  Json twoPods = good;
  twoPods["user"]["extra"]["authentication.kubernetes.io/pod-name"] = {"a", "b"};

  EXPECT_EQ(reasonOf(good), "accepted");
  EXPECT_EQ(reasonOf(unauthenticated),
            "token is not valid for audience agentguard-gate: token has expired; send the projected token from "
            "$AGENTGUARD_GATE_TOKEN_FILE");
  EXPECT_EQ(reasonOf(wrongAudience), "token audience is not agentguard-gate; send the projected token from $AGENTGUARD_GATE_TOKEN_FILE");
  EXPECT_EQ(reasonOf(noAudiences), reasonOf(wrongAudience));
  EXPECT_EQ(reasonOf(otherNamespace), "token belongs to namespace intruders, this gate serves namespace agents");
  EXPECT_EQ(reasonOf(user), "token user alice is not a ServiceAccount; only sandbox Pods may call the gate");
  EXPECT_EQ(reasonOf(malformedUser),
            "token user system:serviceaccount:agents is not of the form system:serviceaccount:<namespace>:<name>");
  EXPECT_EQ(reasonOf(unbound),
            "token of ServiceAccount agents/agent is not bound to a Pod; send the projected token from $AGENTGUARD_GATE_TOKEN_FILE");
  EXPECT_EQ(reasonOf(twoPods), reasonOf(unbound));
  EXPECT_EQ(readTokenReview(Json::object(), "agentguard-gate", "agents").error().code, ErrorCode::kForbidden);
}

// header.payload.signature with the payload's JSON in base64url without padding.
std::string jwtWithPayload(const std::string& payload) {
  std::string encoded = encoding::encodeBase64(payload);
  while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
  for (char& c : encoded) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return "eyJhbGciOiJSUzI1NiJ9." + encoded + ".c2ln";
}

TEST(TokenReviewTest, JwtExpiryIsReadFromThePayload) {
  const auto exp = jwtExpiry(jwtWithPayload(R"({"aud":["agentguard-gate"],"exp":1800000000,"sub":"x?>"})"));
  ASSERT_TRUE(exp.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(exp->time_since_epoch()).count(), 1800000000);
}

TEST(TokenReviewTest, UnreadableExpiryIsAbsent) {
  for (const std::string& token :
       {std::string("not-a-jwt"), std::string("a.b"), jwtWithPayload("{}"), jwtWithPayload(R"({"exp":"soon"})"),
        jwtWithPayload(R"({"exp":-5})"), jwtWithPayload(R"({"exp":99999999999999999})"), jwtWithPayload("not json"),
        std::string("a.+/+/.c"), std::string("a..c")}) {
    EXPECT_FALSE(jwtExpiry(token).has_value()) << token;
  }
}

}  // namespace
}  // namespace agentguard::gate

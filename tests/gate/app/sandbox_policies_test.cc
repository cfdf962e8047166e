#include "gate/app/sandbox_policies.h"

#include <gtest/gtest.h>

#include "common/decision/digest.h"
#include "tests/gate/app/sandbox_json.h"

namespace agentguard::gate::app {
namespace {

const server::Caller kCaller{"agents", "analyst", "uid-s", "analyst-0", "uid-p", "analyst", "10.0.0.7"};

class SandboxPoliciesTest : public ::testing::Test {
 protected:
  server::CallDecision decide(const std::string& body, std::map<std::string, std::string> headers = {}) {
    headers_ = std::move(headers);
    body_ = body;
    return policies_.decide(kCaller, server::McpRequest{"mail", &headers_, &body_});
  }

  SandboxPolicies policies_{1024 * 1024};
  std::map<std::string, std::string> headers_;
  std::string body_;
};

TEST_F(SandboxPoliciesTest, AllowedCallCarriesItsUpstreamDigestAndTool) {
  policies_.store(testing::analystSandbox("http://mail:8000/mcp"));
  const server::CallDecision decision = decide(testing::sendEmail("ops@example.com"));
  EXPECT_FALSE(decision.refused) << decision.reason;
  EXPECT_EQ(decision.tool, "send_email");
  EXPECT_EQ(decision.upstream.url, "http://mail:8000/mcp");
  EXPECT_EQ(decision.upstream.secretName, "mail-mcp");
  EXPECT_EQ(decision.argumentsDigest, decision::sha256Hex(R"({"to":"ops@example.com"})"));
  EXPECT_EQ(decision.policyDigest.size(), 64u);
}

TEST_F(SandboxPoliciesTest, RefusalsCarryTheContractsCodesAndStatuses) {
  policies_.store(testing::analystSandbox("http://mail:8000/mcp"));
  struct Case {
    std::string name;
    std::string body;
    std::map<std::string, std::string> headers;
    int code;
    int status;
  };
  const std::vector<Case> cases = {
      {"argument", testing::sendEmail("evil@example.net"), {}, -32013, 200},
      {"tool", R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_all"}})", {}, -32011, 200},
      {"method", R"({"jsonrpc":"2.0","id":1,"method":"resources/list"})", {}, -32012, 200},
      {"malformed", R"({"jsonrpc":"2.0",)", {}, -32700, 400},
      {"duplicate key", R"({"jsonrpc":"2.0","id":1,"id":2,"method":"ping"})", {}, -32700, 400},
      {"batch", "[" + testing::sendEmail("ops@example.com") + "]", {}, -32017, 400},
      {"header mismatch", testing::sendEmail("ops@example.com"), {{"mcp-method", "ping"}}, -32020, 400},
  };
  for (const Case& c : cases) {
    const server::CallDecision decision = decide(c.body, c.headers);
    EXPECT_TRUE(decision.refused) << c.name;
    EXPECT_TRUE(decision.enforce) << c.name;
    EXPECT_EQ(decision.code, c.code) << c.name << ": " << decision.reason;
    EXPECT_EQ(decision.httpStatus, c.status) << c.name;
    EXPECT_FALSE(decision.reason.empty()) << c.name;
    EXPECT_EQ(decision.argumentsDigest.size(), 64u) << c.name;
  }
}

TEST_F(SandboxPoliciesTest, AuditModeForwardsRefusalsButNotHeaderMismatches) {
  policies_.store(testing::analystSandbox("http://mail:8000/mcp", "Audit"));
  const server::CallDecision audited = decide(testing::sendEmail("evil@example.net"));
  EXPECT_TRUE(audited.refused);
  EXPECT_TRUE(audited.forwards());
  const server::CallDecision mismatch = decide(testing::sendEmail("ops@example.com"), {{"mcp-method", "ping"}});
  EXPECT_FALSE(mismatch.forwards());
}

TEST_F(SandboxPoliciesTest, UnknownOrInvalidSandboxIsPolicyUnavailable) {
  EXPECT_EQ(decide(testing::sendEmail("ops@example.com")).code, -32019);
  nlohmann::json broken = testing::analystSandbox("ftp://mail/");
  policies_.store(broken);
  const server::CallDecision decision = decide(testing::sendEmail("ops@example.com"));
  EXPECT_TRUE(decision.refused);
  EXPECT_EQ(decision.code, -32019);
  EXPECT_NE(decision.reason.find("AgentSandbox analyst"), std::string::npos) << decision.reason;
  EXPECT_NE(decision.reason.find("url"), std::string::npos) << decision.reason;
  policies_.store(testing::analystSandbox("http://mail:8000/mcp"));
  EXPECT_FALSE(decide(testing::sendEmail("ops@example.com")).refused);
  policies_.remove(broken);
  EXPECT_EQ(decide(testing::sendEmail("ops@example.com")).code, -32019);
}

TEST_F(SandboxPoliciesTest, UpstreamOfSessionStreamsAndToolsListFilter) {
  policies_.store(testing::analystSandbox("http://mail:8000/mcp"));
  EXPECT_EQ(policies_.upstream(kCaller, "mail")->url, "http://mail:8000/mcp");
  EXPECT_EQ(policies_.upstream(kCaller, "calendar").error().code, ErrorCode::kNotFound);
  auto filtered = policies_.filterToolsList(
      kCaller, "mail", 2, R"({"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"send_email"},{"name":"delete_all"}]}})");
  ASSERT_TRUE(filtered.ok());
  EXPECT_EQ(filtered->find("delete_all"), std::string::npos);
  EXPECT_NE(filtered->find("send_email"), std::string::npos);
  EXPECT_FALSE(policies_.filterToolsList(kCaller, "mail", 2, "not json").ok());
}

}  // namespace
}  // namespace agentguard::gate::app

#include "gate/server/call_pipeline.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/gate/server/fake_ports.h"

namespace agentguard::gate::server {
namespace {

class CallPipelineTest : public ::testing::Test {
 protected:
  IncomingRequest call(const std::string& tool) const {
    IncomingRequest request;
    request.method = "POST";
    request.server = "mail";
    request.sourceIp = "10.0.0.7";
    request.headers = {{"authorization", "Bearer agent-token"},
                       {"content-type", "application/json"},
                       {"mcp-session-id", "s-1"},
                       {"x-forwarded-for", "1.2.3.4"},
                       {"cookie", "a=b"}};
    request.body = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")" + tool + R"("}})";
    return request;
  }

  std::ostringstream logs_;
  log::Logger logger_{logs_, log::Level::kDebug};
  testing::TokenTable authenticator_;
  testing::SendEmailPolicy policy_{"http://mail.tools:8000/mcp"};
  testing::FixedCredential credentials_;
  testing::CountingRecorder recorder_;
  testing::NullObserver observer_;
  CallPipeline pipeline_{authenticator_, policy_, credentials_, recorder_, observer_, logger_};
};

TEST_F(CallPipelineTest, ForwardsOnlyTheSafeHeadersAndTheUpstreamCredential) {
  const Admission admission = pipeline_.admitCall(call("send_email"));
  ASSERT_FALSE(admission.answer) << admission.answer->body;
  const auto& headers = admission.forward.headers;
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"content-type", "application/json"}, {"mcp-session-id", "s-1"}, {"authorization", "Bearer upstream-secret"}};
  EXPECT_EQ(headers, expected);
  EXPECT_EQ(admission.forward.url.host, "mail.tools");
  EXPECT_EQ(admission.forward.caller.pod, "analyst-0");
  EXPECT_EQ(admission.forward.caller.sourceIp, "10.0.0.7");
}

TEST_F(CallPipelineTest, RecordsBeforeAnswering) {
  (void)pipeline_.admitCall(call("send_email"));
  (void)pipeline_.admitCall(call("delete_all"));
  EXPECT_EQ(recorder_.actions, (std::vector<std::string>{"allow", "deny"}));
}

TEST_F(CallPipelineTest, RefusalsAreLoggedWithTheSandboxAndRuleButNeverTheToken) {
  (void)pipeline_.admitCall(call("delete_all"));
  const std::string logged = logs_.str();
  EXPECT_NE(logged.find("Refused a tool call"), std::string::npos) << logged;
  EXPECT_NE(logged.find("agents/analyst"), std::string::npos) << logged;
  EXPECT_NE(logged.find("tools.tool-not-allowed"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("agent-token"), std::string::npos) << logged;
}

TEST_F(CallPipelineTest, RefusedRecordOnAnEnforcedRefusalStillAnswersTheRefusal) {
  recorder_.failing = true;
  const Admission admission = pipeline_.admitCall(call("delete_all"));
  ASSERT_TRUE(admission.answer);
  const auto body = nlohmann::json::parse(admission.answer->body);
  EXPECT_EQ(body["error"]["code"], codes::kToolNotAllowed);
  EXPECT_EQ(body["error"]["data"]["record"], "");
}

TEST_F(CallPipelineTest, WithoutFailClosedAnUnrecordedCallGoesOn) {
  CallPipeline lenient(authenticator_, policy_, credentials_, recorder_, observer_, logger_, /*failClosed=*/false);
  recorder_.failing = true;
  EXPECT_FALSE(lenient.admitCall(call("send_email")).answer);
}

TEST_F(CallPipelineTest, UnreadableCredentialIsUpstreamUnavailable) {
  testing::SendEmailPolicy otherNamespace("http://mail.tools:8000/mcp");
  class NoSecrets final : public CredentialSource {
   public:
    Result<std::string> secretValue(const std::string&, const std::string&, const std::string&) override {
      return makeError(ErrorCode::kNotFound, "secrets \"mail-mcp\" not found");
    }
  } noSecrets;
  CallPipeline pipeline(authenticator_, policy_, noSecrets, recorder_, observer_, logger_);
  const Admission admission = pipeline.admitCall(call("send_email"));
  ASSERT_TRUE(admission.answer);
  const auto body = nlohmann::json::parse(admission.answer->body);
  EXPECT_EQ(body["error"]["code"], codes::kUpstreamUnavailable);
  EXPECT_NE(body["error"]["data"]["reason"].get<std::string>().find("agents/mail-mcp"), std::string::npos);
}

TEST_F(CallPipelineTest, SessionRequestsNeedACallerAndAKnownServer) {
  IncomingRequest stream = call("send_email");
  stream.method = "GET";
  stream.body.clear();
  EXPECT_FALSE(pipeline_.admitSession(stream).answer);
  stream.server = "calendar";
  const Admission unknown = pipeline_.admitSession(stream);
  ASSERT_TRUE(unknown.answer);
  EXPECT_EQ(nlohmann::json::parse(unknown.answer->body)["error"]["code"], codes::kMethodNotAllowed);
  stream.headers.erase("authorization");
  const Admission anonymous = pipeline_.admitSession(stream);
  ASSERT_TRUE(anonymous.answer);
  EXPECT_EQ(anonymous.answer->status, 401);
  EXPECT_TRUE(recorder_.actions.empty());  // session streams are not tool calls
}

}  // namespace
}  // namespace agentguard::gate::server

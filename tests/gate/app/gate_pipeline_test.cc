// The MCP proxy with the real tool policy, the real decision log and the gate's metrics on loopback:
// only caller authentication and the Secret are stand-ins.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>


#include "common/decision/decision_log_verifier.h"
#include "common/decision/decision_log_writer.h"
#include "common/decision/digest.h"
#include "gate/app/gate_metrics.h"
#include "gate/app/sandbox_policies.h"
#include "gate/server/mcp_server.h"
#include "gate/server/toolcall_recorder.h"
#include "tests/common/decision/test_keys.h"
#include "tests/gate/app/sandbox_json.h"
#include "tests/gate/server/fake_ports.h"
#include "tests/gate/server/loopback_mcp.h"
#include "tests/support/scratch_dir.h"

namespace agentguard::gate::app {
namespace {

using server::testing::post;
using server::testing::Reply;

class GatePipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pem_ = decision::testing::newEd25519Pem();
    auto writer = decision::DecisionLogWriter::open((dir_ / "log.dsse.jsonl").string(),
                                                    std::move(decision::SigningKey::fromPem(pem_)).value(), "gate-0");
    ASSERT_TRUE(writer.ok()) << writer.error().describe();
    writer_ = std::move(*writer);
    queue_.emplace(*writer_);
    recorder_ = std::make_unique<server::ToolCallRecorder>(&*queue_);
    pipeline_ = std::make_unique<server::CallPipeline>(authenticator_, policies_, credentials_, *recorder_, metrics_,
                                                       logger_);
    server::McpServerOptions options;
    options.listen = "127.0.0.1:0";
    server_ = std::make_unique<server::McpServer>(options, *pipeline_, logger_);
    ASSERT_TRUE(server_->start().ok());
  }
  void TearDown() override { server_->stop(); }

  // Stops the gate and flushes the log; the verification of what it holds.
  decision::LogVerification verifiedLog() {
    server_->stop();
    queue_.reset();
    std::ifstream in(dir_ / "log.dsse.jsonl");
    return decision::verifyDecisionLog(in, *decision::TrustedKeys::fromPem(decision::SigningKey::fromPem(pem_)->publicKeyPem()));
  }

  std::ostringstream logs_;
  log::Logger logger_{logs_, log::Level::kDebug};
  agentguard::testing::ScratchDir dir_{"gate-pipeline"};
  std::string pem_;
  server::testing::Upstream upstream_;
  server::testing::TokenTable authenticator_;
  server::testing::FixedCredential credentials_;
  SandboxPolicies policies_{1024 * 1024};
  GateMetrics metrics_;
  std::unique_ptr<decision::DecisionLogWriter> writer_;
  std::optional<decision::DecisionLogQueue> queue_;
  std::unique_ptr<server::ToolCallRecorder> recorder_;
  std::unique_ptr<server::CallPipeline> pipeline_;
  std::unique_ptr<server::McpServer> server_;
};

TEST_F(GatePipelineTest, AllowedAndRefusedCallsAreDecidedOnTheBodyAndRecorded) {
  policies_.store(testing::analystSandbox(upstream_.url("/json")));
  const Reply allowed = post(server_->port(), "/mcp/mail", testing::sendEmail("ops@example.com"));
  ASSERT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_EQ(allowed.json()["result"]["content"][0]["text"], "sent");
  EXPECT_EQ(upstream_.last().header("authorization"), "Bearer upstream-secret");

  const Reply argument = post(server_->port(), "/mcp/mail", testing::sendEmail("attacker@evil.example"));
  EXPECT_EQ(argument.status, 200);
  EXPECT_EQ(argument.json()["error"]["code"], -32013);
  EXPECT_EQ(argument.json()["error"]["data"]["rule"], "tools.argument");
  EXPECT_NE(argument.json()["error"]["data"]["reason"].get<std::string>().find("/to"), std::string::npos);
  EXPECT_EQ(upstream_.calls(), 1u);

  const decision::LogVerification verified = verifiedLog();
  EXPECT_TRUE(verified.ok) << verified.problem;
  EXPECT_EQ(verified.records, 2u);
  std::ifstream in(dir_ / "log.dsse.jsonl");
  std::string line;
  std::getline(in, line);
  std::getline(in, line);
  const auto envelope = nlohmann::json::parse(line);
  // The record id the agent reads names the refused call's line in the log.
  EXPECT_EQ(argument.json()["error"]["data"]["record"], decision::sha256Hex(line));
  EXPECT_EQ(envelope["payloadType"], "application/vnd.in-toto+json");
  EXPECT_NE(metrics_.render().find(R"(agentguard_gate_decisions_total{result="denied",server="mail",tool="send_email"} 1)"),
            std::string::npos)
      << metrics_.render();
}

TEST_F(GatePipelineTest, MalformedBatchAndMismatchedRequestsAreRefusedWith400) {
  policies_.store(testing::analystSandbox(upstream_.url("/json")));
  const std::vector<std::tuple<std::string, std::string, int>> cases = {
      {"malformed", R"({"jsonrpc":"2.0","id":1,"method":)", -32700},
      {"batch", "[" + testing::sendEmail("ops@example.com") + "]", -32017},
      {"header mismatch", testing::sendEmail("ops@example.com"), -32020},
  };
  for (const auto& [name, body, code] : cases) {
    std::vector<std::pair<std::string, std::string>> headers = {{"authorization", "Bearer agent-token"}};
    if (name == "header mismatch") headers.emplace_back("mcp-name", "read_file");
    const Reply reply = post(server_->port(), "/mcp/mail", body, headers);
    EXPECT_EQ(reply.status, 400) << name;
    EXPECT_EQ(reply.json()["error"]["code"], code) << name << ": " << reply.body;
  }
  EXPECT_EQ(upstream_.calls(), 0u);
  EXPECT_EQ(verifiedLog().records, 3u);
}

TEST_F(GatePipelineTest, ToolsListIsFilteredByThePolicyInAnEventStream) {
  policies_.store(testing::analystSandbox(upstream_.url("/sse")));
  const Reply reply = post(server_->port(), "/mcp/mail", R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.contentType, "text/event-stream");
  EXPECT_EQ(reply.body.find("delete_all"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("send_email"), std::string::npos) << reply.body;
}

TEST_F(GatePipelineTest, InvalidPolicyRefusesTheSandboxsCallsWithItsReason) {
  policies_.store(testing::analystSandbox("http://user:pw@mail/mcp"));
  const Reply reply = post(server_->port(), "/mcp/mail", testing::sendEmail("ops@example.com"));
  EXPECT_EQ(reply.json()["error"]["code"], -32019);
  EXPECT_NE(reply.json()["error"]["data"]["reason"].get<std::string>().find("spec.tools.servers[0].url"),
            std::string::npos)
      << reply.body;
  EXPECT_EQ(upstream_.calls(), 0u);
}

}  // namespace
}  // namespace agentguard::gate::app

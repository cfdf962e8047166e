// The MCP proxy end to end on loopback: a real McpServer in front of a small upstream MCP-like HTTP
// server (JSON and SSE answers), with in-memory caller authentication and policy.
#include "gate/server/mcp_server.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>


#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/decision/decision_log_verifier.h"
#include "common/decision/decision_log_writer.h"
#include "common/http/server.h"
#include "gate/server/toolcall_recorder.h"
#include "tests/common/decision/test_keys.h"
#include "tests/gate/server/fake_ports.h"
#include "tests/gate/server/loopback_mcp.h"
#include "tests/support/scratch_dir.h"

namespace agentguard::gate::server {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using testing::post;
using testing::Reply;
using testing::Upstream;

std::string toolCall(const std::string& tool) {
  return R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")" + tool +
         R"(","arguments":{"to":"ops@example.com"}}})";
}

class McpServerTest : public ::testing::Test {
 protected:
  void startGate(const std::string& upstreamUrl, bool enforce = true, size_t maxRequestBytes = 1024 * 1024) {
    policy_ = std::make_unique<testing::SendEmailPolicy>(upstreamUrl, enforce);
    pipeline_ = std::make_unique<CallPipeline>(authenticator_, *policy_, credentials_, *recorder_, observer_, logger_);
    McpServerOptions options;
    options.listen = "127.0.0.1:0";
    options.maxRequestBytes = maxRequestBytes;
    options.upstreamConnectTimeout = std::chrono::milliseconds(2000);
    server_ = std::make_unique<McpServer>(options, *pipeline_, logger_);
    ASSERT_TRUE(server_->start().ok());
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  std::ostringstream logs_;
  log::Logger logger_{logs_, log::Level::kDebug};
  Upstream upstream_;
  testing::TokenTable authenticator_;
  testing::FixedCredential credentials_;
  testing::CountingRecorder counting_;
  CallRecorder* recorder_ = &counting_;
  testing::NullObserver observer_;
  std::unique_ptr<testing::SendEmailPolicy> policy_;
  std::unique_ptr<CallPipeline> pipeline_;
  std::unique_ptr<McpServer> server_;
};

TEST_F(McpServerTest, AllowedCallIsForwardedWithTheUpstreamCredentialInsteadOfTheAgentsToken) {
  startGate(upstream_.url("/json"));
  const Reply reply = post(server_->port(), "/mcp/mail", toolCall("send_email"),
                           {{"authorization", "Bearer agent-token"}, {"cookie", "agent=1"}, {"mcp-method", "tools/call"}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json()["result"]["content"][0]["text"], "sent");
  ASSERT_EQ(upstream_.calls(), 1u);
  const http::Request seen = upstream_.last();
  EXPECT_EQ(seen.header("authorization"), "Bearer upstream-secret");
  EXPECT_EQ(seen.header("mcp-method"), "tools/call");
  EXPECT_EQ(seen.header("cookie"), "");
  EXPECT_EQ(seen.body, toolCall("send_email"));
  EXPECT_EQ(counting_.actions, std::vector<std::string>{"allow"});
}

TEST_F(McpServerTest, RefusedToolNeverReachesTheUpstreamAndIsAnsweredWithItsRecord) {
  startGate(upstream_.url("/json"));
  const Reply reply = post(server_->port(), "/mcp/mail", toolCall("delete_all"));
  ASSERT_EQ(reply.status, 200);
  const auto error = reply.json()["error"];
  EXPECT_EQ(error["code"], codes::kToolNotAllowed);
  EXPECT_EQ(error["data"]["rule"], "tools.tool-not-allowed");
  EXPECT_EQ(error["data"]["record"], std::string(64, 'f'));
  EXPECT_EQ(reply.json()["id"], 1);
  EXPECT_EQ(upstream_.calls(), 0u);
  EXPECT_EQ(counting_.actions, std::vector<std::string>{"deny"});
}

TEST_F(McpServerTest, AuditModeRecordsTheRefusalAndForwards) {
  startGate(upstream_.url("/json"), /*enforce=*/false);
  const Reply reply = post(server_->port(), "/mcp/mail", toolCall("delete_all"));
  EXPECT_EQ(reply.json()["result"]["content"][0]["text"], "sent");
  EXPECT_EQ(upstream_.calls(), 1u);
  EXPECT_EQ(counting_.actions, std::vector<std::string>{"audit"});
}

TEST_F(McpServerTest, ToolsListIsFilteredInJsonAndInEventStreams) {
  for (const std::string path : {"/json", "/sse"}) {
    startGate(upstream_.url(path));
    const Reply reply = post(server_->port(), "/mcp/mail", R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})");
    ASSERT_EQ(reply.status, 200) << path;
    EXPECT_EQ(reply.body.find("delete_all"), std::string::npos) << path << ": " << reply.body;
    EXPECT_NE(reply.body.find("send_email"), std::string::npos) << path << ": " << reply.body;
    if (path == "/sse") {
      EXPECT_EQ(reply.contentType, "text/event-stream");
      EXPECT_NE(reply.body.find("event: message\nid: 7\ndata: {"), std::string::npos) << reply.body;
    }
    server_->stop();
  }
}

TEST_F(McpServerTest, EventStreamAnswersPassThroughUnchanged) {
  startGate(upstream_.url("/sse"));
  const Reply reply = post(server_->port(), "/mcp/mail", toolCall("send_email"));
  EXPECT_EQ(reply.contentType, "text/event-stream");
  EXPECT_EQ(reply.body, ": comment\n\nevent: message\nid: 7\ndata: "
                        R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"sent"}]}})"
                        "\n\n");
}

TEST_F(McpServerTest, MissingOrForgedTokenIsRefusedWith401AndRecorded) {
  startGate(upstream_.url("/json"));
  for (const auto& headers : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {}, {{"authorization", "Bearer forged"}}, {{"authorization", "Basic YTpi"}}}) {
    const Reply reply = post(server_->port(), "/mcp/mail", toolCall("send_email"), headers);
    EXPECT_EQ(reply.status, 401);
    EXPECT_EQ(reply.json()["error"]["code"], codes::kCallerRefused);
    EXPECT_EQ(reply.json()["error"]["data"]["rule"], "tools.caller");
  }
  EXPECT_EQ(upstream_.calls(), 0u);
  EXPECT_EQ(counting_.actions, (std::vector<std::string>{"deny", "deny", "deny"}));
}

TEST_F(McpServerTest, UnwritableRecordFailsClosedWithoutForwarding) {
  startGate(upstream_.url("/json"));
  counting_.failing = true;
  const Reply reply = post(server_->port(), "/mcp/mail", toolCall("send_email"));
  EXPECT_EQ(reply.json()["error"]["code"], codes::kRecordUnwritable);
  EXPECT_EQ(reply.json()["error"]["data"]["rule"], "tools.record");
  EXPECT_EQ(upstream_.calls(), 0u);
}

TEST_F(McpServerTest, OversizedBodyIsRefusedWith413) {
  startGate(upstream_.url("/json"), true, /*maxRequestBytes=*/1024);
  const Reply reply = post(server_->port(), "/mcp/mail", toolCall(std::string(4096, 'a')));
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.json()["error"]["code"], codes::kRequestTooLarge);
  EXPECT_EQ(reply.json()["error"]["data"]["rule"], "tools.size");
  EXPECT_EQ(upstream_.calls(), 0u);
  // Refused unread, and recorded all the same: the caller comes from the headers.
  EXPECT_EQ(counting_.actions, std::vector<std::string>{"deny"});
  EXPECT_FALSE(reply.json()["error"]["data"]["record"].get<std::string>().empty());
}

TEST_F(McpServerTest, MalformedBodyIsAnsweredWith400FromThePolicy) {
  startGate(upstream_.url("/json"));
  const Reply reply = post(server_->port(), "/mcp/mail", R"({"jsonrpc":"2.0",)");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.json()["error"]["code"], codes::kParseError);
  EXPECT_EQ(upstream_.calls(), 0u);
}

TEST_F(McpServerTest, UnreachableUpstreamIsUpstreamUnavailable) {
  uint16_t closedPort = 0;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    closedPort = probe.local_endpoint().port();
  }
  startGate("http://127.0.0.1:" + std::to_string(closedPort) + "/mcp");
  const Reply reply = post(server_->port(), "/mcp/mail", toolCall("send_email"));
  EXPECT_EQ(reply.json()["error"]["code"], codes::kUpstreamUnavailable);
  EXPECT_EQ(reply.json()["error"]["data"]["rule"], "tools.upstream");
}

TEST_F(McpServerTest, UnknownPathsAndMethodsAreRefused) {
  startGate(upstream_.url("/json"));
  EXPECT_EQ(post(server_->port(), "/other", toolCall("send_email")).status, 404);
  EXPECT_EQ(post(server_->port(), "/mcp/Not_A_Label", toolCall("send_email")).status, 404);
  EXPECT_EQ(upstream_.calls(), 0u);
}

TEST_F(McpServerTest, KeepAliveConnectionServesSeveralCalls) {
  startGate(upstream_.url("/sse"));
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  for (int i = 0; i < 3; ++i) {
    bhttp::request<bhttp::string_body> request(bhttp::verb::post, "/mcp/mail", 11);
    request.set(bhttp::field::authorization, "Bearer agent-token");
    request.body() = toolCall("send_email");
    request.prepare_payload();
    bhttp::write(socket, request);
    boost::beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> response;
    bhttp::read(socket, buffer, response);
    EXPECT_EQ(response.result_int(), 200);
  }
  EXPECT_EQ(upstream_.calls(), 3u);
}

// Records signed by the real writer, for an allowed and a refused call, verify with the repository's
// verifier and carry the tool-call facts.
TEST_F(McpServerTest, SignedRecordsOfAllowedAndRefusedCallsVerify) {
  const agentguard::testing::ScratchDir dir("gate-mcp-server-records");
  const std::string pem = decision::testing::newEd25519Pem();
  auto writer = decision::DecisionLogWriter::open((dir / "log.dsse.jsonl").string(),
                                                  std::move(decision::SigningKey::fromPem(pem)).value(), "gate-test");
  ASSERT_TRUE(writer.ok()) << writer.error().describe();
  {
    decision::DecisionLogQueue queue(**writer);
    ToolCallRecorder recorder(&queue);
    recorder_ = &recorder;
    startGate(upstream_.url("/json"));
    const Reply allowed = post(server_->port(), "/mcp/mail", toolCall("send_email"));
    const Reply refused = post(server_->port(), "/mcp/mail", toolCall("delete_all"));
    EXPECT_EQ(refused.json()["error"]["data"]["record"].get<std::string>().size(), 64u);
    server_->stop();
  }
  std::ifstream in(dir / "log.dsse.jsonl");
  const auto trust = decision::TrustedKeys::fromPem(decision::SigningKey::fromPem(pem)->publicKeyPem());
  const decision::LogVerification verified = decision::verifyDecisionLog(in, *trust);
  EXPECT_TRUE(verified.ok) << verified.problem;
  EXPECT_EQ(verified.records, 2u);
}

}  // namespace
}  // namespace agentguard::gate::server

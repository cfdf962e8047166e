#include "gate/mcp/tools_list_filter.h"

#include <gtest/gtest.h>

#include "sandbox_fixture.h"

namespace agentguard::gate::mcp {
namespace {

using Json = nlohmann::json;

const Json kListResult = Json::parse(R"({"jsonrpc":"2.0","id":2,"result":{"tools":[
  {"name":"send_email","inputSchema":{"type":"object"}},
  {"name":"delete_all","inputSchema":{"type":"object"}},
  {"name":"read_file"},
  {"name":7},
  {"title":"no name"},
  "send_email"
],"nextCursor":"c2"}})");

std::vector<std::string> names(const Json& response) {
  std::vector<std::string> out;
  for (const Json& tool : response["result"]["tools"]) out.push_back(tool["name"].get<std::string>());
  return out;
}

TEST(ToolsListFilterTest, OnlyAllowedToolsRemain) {
  const Json filtered = filterToolsList(examplePolicy(), "mail", 2, kListResult);
  EXPECT_EQ(names(filtered), (std::vector<std::string>{"send_email", "read_file"}));
  EXPECT_EQ(filtered["result"]["nextCursor"], "c2");
  EXPECT_EQ(filtered["result"]["tools"][0]["inputSchema"]["type"], "object");
  EXPECT_TRUE(names(filterToolsList(examplePolicy(), "web", 2, kListResult)).empty());
  EXPECT_TRUE(names(filterToolsList(examplePolicy(), "unknown", 2, kListResult)).empty());
}

TEST(ToolsListFilterTest, AuditModeRemovesNothing) {
  EXPECT_EQ(filterToolsList(examplePolicy("Audit"), "mail", 2, kListResult), kListResult);
}

TEST(ToolsListFilterTest, OtherMessagesPassUnchanged) {
  const policy::SandboxToolPolicy policy = examplePolicy();
  EXPECT_EQ(filterToolsList(policy, "mail", 3, kListResult), kListResult);  // another request's result
  const Json error = Json::parse(R"({"jsonrpc":"2.0","id":2,"error":{"code":-1,"message":"x"}})");
  EXPECT_EQ(filterToolsList(policy, "mail", 2, error), error);
  const Json note = Json::parse(R"({"jsonrpc":"2.0","method":"notifications/message","params":{"tools":[1]}})");
  EXPECT_EQ(filterToolsList(policy, "mail", 2, note), note);
}

TEST(ToolsListFilterTest, AToolsFieldThatIsNotAListBecomesEmpty) {
  const Json odd = Json::parse(R"({"jsonrpc":"2.0","id":2,"result":{"tools":{"name":"delete_all"}}})");
  EXPECT_EQ(filterToolsList(examplePolicy(), "mail", 2, odd)["result"]["tools"], Json::array());
}

TEST(ToolsListFilterTest, JsonBodiesAreRewritten) {
  Result<std::string> body = filterToolsListBody(examplePolicy(), "mail", 2, kListResult.dump());
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(names(Json::parse(*body)), (std::vector<std::string>{"send_email", "read_file"}));
  EXPECT_FALSE(filterToolsListBody(examplePolicy(), "mail", 2, "{\"id\":2,\"id\":2}").ok());
  EXPECT_FALSE(filterToolsListBody(examplePolicy(), "mail", 2, "not json").ok());
}

TEST(ToolsListFilterTest, SseEventsKeepTheirFieldsAndLoseUnlistedTools) {
  const std::string text = kListResult.dump();
  // Split between two members: a line break inside a string would not be JSON.
  const size_t split = text.find("\"jsonrpc\"");
  ASSERT_NE(split, std::string::npos);
  const std::string half = text.substr(0, split);
  const std::string rest = text.substr(split);
  const std::string event = "event: message\r\nid: 42\r\ndata: " + half + "\r\ndata:" + rest + "\r\n: comment\r\n";
  Result<std::string> rewritten = filterToolsListSseEvent(examplePolicy(), "mail", 2, event);
  ASSERT_TRUE(rewritten.ok()) << rewritten.error().message;
  const std::string expectedData = filterToolsList(examplePolicy(), "mail", 2, kListResult).dump();
  EXPECT_EQ(*rewritten, "event: message\nid: 42\ndata: " + expectedData + "\n: comment\n");
}

TEST(ToolsListFilterTest, SseEventsWithoutDataPassAndBadDataFails) {
  const policy::SandboxToolPolicy policy = examplePolicy();
  Result<std::string> priming = filterToolsListSseEvent(policy, "mail", 2, "id: 1\ndata:\n");
  ASSERT_TRUE(priming.ok());
  EXPECT_EQ(*priming, "id: 1\ndata:\n");
  Result<std::string> comment = filterToolsListSseEvent(policy, "mail", 2, ": keepalive\n");
  ASSERT_TRUE(comment.ok());
  EXPECT_EQ(*comment, ": keepalive\n");
  EXPECT_FALSE(filterToolsListSseEvent(policy, "mail", 2, "data: {\"tools\":\n").ok());
}

TEST(ToolsListFilterTest, AFieldNamedLikeDataIsNotData) {
  // "dataX: ..." is another field, which EventSource ignores; it must not be read as the message.
  Result<std::string> out =
      filterToolsListSseEvent(examplePolicy(), "mail", 2, "dataX: {}\ndata: " + kListResult.dump() + "\n");
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->starts_with("dataX: {}\ndata: ")) << *out;
  EXPECT_EQ(out->find("delete_all"), std::string::npos);
}

}  // namespace
}  // namespace agentguard::gate::mcp

#include "gate/mcp/json_rpc_message.h"

#include <gtest/gtest.h>

#include <string>

#include "gate/mcp/error_codes.h"

namespace agentguard::gate::mcp {
namespace {

// std::get throws when the read went the other way; the ASSERTs before it say so first.
bool isMessage(const JsonRpcRead& read) { return std::holds_alternative<JsonRpcMessage>(read); }
const JsonRpcMessage& messageOf(const JsonRpcRead& read) { return std::get<JsonRpcMessage>(read); }
const JsonRpcReadFailure& failureOf(const JsonRpcRead& read) { return std::get<JsonRpcReadFailure>(read); }

TEST(JsonRpcMessageTest, ReadsRequestsNotificationsAndResponses) {
  const JsonRpcRead call = readJsonRpcMessage(
      R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"search","arguments":{"query":"x"}}})");
  ASSERT_TRUE(isMessage(call));
  const JsonRpcMessage& request = messageOf(call);
  EXPECT_EQ(request.kind, JsonRpcMessage::Kind::kRequest);
  EXPECT_EQ(request.id, 7);
  EXPECT_EQ(request.method, "tools/call");
  EXPECT_EQ(request.params["name"], "search");

  const JsonRpcRead note = readJsonRpcMessage(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  ASSERT_TRUE(isMessage(note));
  EXPECT_EQ(messageOf(note).kind, JsonRpcMessage::Kind::kNotification);
  EXPECT_TRUE(messageOf(note).id.is_null());
  EXPECT_TRUE(messageOf(note).params.is_null());

  const JsonRpcRead answer = readJsonRpcMessage(R"({"jsonrpc":"2.0","id":"s-1","result":{}})");
  ASSERT_TRUE(isMessage(answer));
  EXPECT_EQ(messageOf(answer).kind, JsonRpcMessage::Kind::kResponse);
  EXPECT_EQ(messageOf(answer).id, "s-1");
}

struct BadBody {
  const char* name;
  std::string body;
  int code;
};

TEST(JsonRpcMessageTest, MalformedBodiesAreRefusedWithTheirCode) {
  const BadBody kCases[] = {
      {"not JSON", "tools/call", kParseError},
      {"truncated", R"({"jsonrpc":"2.0","id":1,"method":"ping")", kParseError},
      {"duplicate method", R"({"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/call"})", kParseError},
      {"duplicate name in params",
       R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","name":"delete_all"}})", kParseError},
      {"duplicate argument",
       R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"f","arguments":{"url":"https://a/","url":"https://b/"}}})",
       kParseError},
      {"invalid UTF-8", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xffing\"}", kParseError},
      {"trailing garbage", R"({"jsonrpc":"2.0","id":1,"method":"ping"} {})", kParseError},
      {"too deep", std::string(100, '[') + std::string(100, ']'), kParseError},
      {"empty", "", kParseError},
      {"batch", R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", kBatchRefused},
      {"empty batch", "[]", kBatchRefused},
      {"string", R"("ping")", kInvalidRequest},
      {"number", "1", kInvalidRequest},
      {"null", "null", kInvalidRequest},
      {"no jsonrpc", R"({"id":1,"method":"ping"})", kInvalidRequest},
      {"jsonrpc 1.0", R"({"jsonrpc":"1.0","id":1,"method":"ping"})", kInvalidRequest},
      {"jsonrpc as number", R"({"jsonrpc":2.0,"id":1,"method":"ping"})", kInvalidRequest},
      {"method as number", R"({"jsonrpc":"2.0","id":1,"method":1})", kInvalidRequest},
      {"method as null", R"({"jsonrpc":"2.0","id":1,"method":null})", kInvalidRequest},
      {"id as object", R"({"jsonrpc":"2.0","id":{},"method":"ping"})", kInvalidRequest},
      {"id as fraction", R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", kInvalidRequest},
      {"id null on a request", R"({"jsonrpc":"2.0","id":null,"method":"tools/call","params":{"name":"x"}})", kInvalidRequest},
      {"id null on a response", R"({"jsonrpc":"2.0","id":null,"result":{}})", kInvalidRequest},
      {"id as boolean", R"({"jsonrpc":"2.0","id":true,"method":"ping"})", kInvalidRequest},
      {"params as string", R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":"x"})", kInvalidRequest},
      {"request with result", R"({"jsonrpc":"2.0","id":1,"method":"ping","result":{}})", kInvalidRequest},
      {"response with both", R"({"jsonrpc":"2.0","id":1,"result":{},"error":{}})", kInvalidRequest},
      {"response without id", R"({"jsonrpc":"2.0","result":{}})", kInvalidRequest},
      {"nothing", R"({"jsonrpc":"2.0"})", kInvalidRequest},
  };
  for (const BadBody& c : kCases) {
    const JsonRpcRead read = readJsonRpcMessage(c.body);
    ASSERT_FALSE(isMessage(read)) << c.name;
    EXPECT_EQ(failureOf(read).code, c.code) << c.name << ": " << failureOf(read).reason;
    EXPECT_FALSE(failureOf(read).reason.empty()) << c.name;
  }
}

TEST(JsonRpcMessageTest, TheIdIsKeptWhenTheRestIsInvalid) {
  const JsonRpcRead read = readJsonRpcMessage(R"({"jsonrpc":"1.0","id":"abc","method":"ping"})");
  ASSERT_FALSE(isMessage(read));
  EXPECT_EQ(failureOf(read).id, "abc");
}

TEST(JsonRpcMessageTest, BodiesOverTheLimitAreRefusedBeforeParsing) {
  const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":")" + std::string(2000, 'x') + "\"}}";
  const JsonRpcRead read = readJsonRpcMessage(body, 1024);
  ASSERT_FALSE(isMessage(read));
  EXPECT_EQ(failureOf(read).code, kRequestTooLarge);
  EXPECT_EQ(failureOf(read).rule, kRuleSize);
  EXPECT_TRUE(isMessage(readJsonRpcMessage(body)));
}

TEST(JsonRpcMessageTest, MethodCaseIsKeptAsSent) {
  const JsonRpcRead read = readJsonRpcMessage(R"({"jsonrpc":"2.0","id":1,"method":"Tools/Call"})");
  ASSERT_TRUE(isMessage(read));
  EXPECT_EQ(messageOf(read).method, "Tools/Call");
}

}  // namespace
}  // namespace agentguard::gate::mcp

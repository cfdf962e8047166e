#include "gate/mcp/json_rpc_error.h"

#include <gtest/gtest.h>

#include "gate/mcp/error_codes.h"

namespace agentguard::gate::mcp {
namespace {

TEST(JsonRpcErrorTest, TheBodyIsTheContractsShape) {
  const nlohmann::json body = jsonRpcError(7, kToolNotAllowed, errorMessage(kToolNotAllowed), kRuleToolNotAllowed,
                                           "tool \"delete_all\" is not allowed", "ab12");
  EXPECT_EQ(body.dump(),
            R"({"error":{"code":-32011,"data":{"reason":"tool \"delete_all\" is not allowed","record":"ab12",)"
            R"("rule":"tools.tool-not-allowed"},"message":"ToolNotAllowed"},"id":7,"jsonrpc":"2.0"})");
}

TEST(JsonRpcErrorTest, IdsThatAreNotIdsBecomeNull) {
  EXPECT_EQ(jsonRpcError("x", kBatchRefused, "BatchRefused", kRuleBatch, "r", "")["id"], "x");
  EXPECT_TRUE(jsonRpcError(nullptr, kParseError, "ParseError", kRuleInvalid, "r", "")["id"].is_null());
  EXPECT_TRUE(jsonRpcError(nlohmann::json::object(), kParseError, "ParseError", kRuleInvalid, "r", "")["id"].is_null());
}

TEST(JsonRpcErrorTest, InvalidUtf8IsReplacedSoTheBodySerialises) {
  const nlohmann::json body = jsonRpcError(1, kArgumentRefused, "ArgumentRefused", kRuleArgument, "bad \xff byte", "");
  EXPECT_EQ(body["error"]["data"]["reason"], "bad \xEF\xBF\xBD byte");
  EXPECT_NO_THROW((void)body.dump());
}

TEST(JsonRpcErrorTest, EveryCodeHasItsName) {
  EXPECT_EQ(errorMessage(kMethodNotAllowed), "MethodNotAllowed");
  EXPECT_EQ(errorMessage(kHeaderMismatch), "HeaderMismatch");
  EXPECT_EQ(errorMessage(kInvalidRequest), "InvalidRequest");
  EXPECT_EQ(errorMessage(-1), "Error");
}

}  // namespace
}  // namespace agentguard::gate::mcp

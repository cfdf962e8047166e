#include "gate/mcp/request_headers.h"

#include <gtest/gtest.h>

#include "sandbox_fixture.h"

namespace agentguard::gate::mcp {
namespace {

constexpr std::string_view kCall =
    R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send_email","arguments":{}}})";
constexpr std::string_view kRead =
    R"({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///docs/readme.md"}})";
constexpr std::string_view kPing = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
constexpr std::string_view kNew = "2026-07-28";
constexpr std::string_view kOld = "2025-11-25";

struct HeaderCase {
  const char* name;
  std::string_view body;
  HeaderMap headers;
  bool agrees;
};

TEST(RequestHeadersTest, HeadersMustAgreeWithTheBody) {
  const HeaderCase kCases[] = {
      {"old revision, no headers", kCall, {{"mcp-protocol-version", std::string(kOld)}}, true},
      {"no version, no headers", kCall, {}, true},
      {"old revision, matching", kCall,
       {{"mcp-protocol-version", std::string(kOld)}, {"mcp-method", "tools/call"}, {"mcp-name", "send_email"}}, true},
      {"old revision, method differs", kCall, {{"mcp-protocol-version", std::string(kOld)}, {"mcp-method", "ping"}}, false},
      {"old revision, name differs", kCall,
       {{"mcp-protocol-version", std::string(kOld)}, {"mcp-method", "tools/call"}, {"mcp-name", "read_file"}}, false},
      {"new revision, matching", kCall,
       {{"mcp-protocol-version", std::string(kNew)}, {"mcp-method", "tools/call"}, {"mcp-name", "send_email"}}, true},
      {"new revision, no headers", kCall, {{"mcp-protocol-version", std::string(kNew)}}, false},
      {"new revision, no name", kCall, {{"mcp-protocol-version", std::string(kNew)}, {"mcp-method", "tools/call"}}, false},
      {"later revision, no headers", kCall, {{"mcp-protocol-version", "2027-01-01"}}, false},
      {"new revision, method case differs", kCall,
       {{"mcp-protocol-version", std::string(kNew)}, {"mcp-method", "Tools/Call"}, {"mcp-name", "send_email"}}, false},
      {"new revision, name case differs", kCall,
       {{"mcp-protocol-version", std::string(kNew)}, {"mcp-method", "tools/call"}, {"mcp-name", "Send_Email"}}, false},
      {"header sent twice", kCall, {{"mcp-method", "tools/call, tools/call"}}, false},
      {"name with trailing space", kCall, {{"mcp-method", "tools/call"}, {"mcp-name", "send_email "}}, false},
      {"resource uri", kRead,
       {{"mcp-protocol-version", std::string(kNew)}, {"mcp-method", "resources/read"}, {"mcp-name", "file:///docs/readme.md"}},
       true},
      {"resource uri differs", kRead, {{"mcp-method", "resources/read"}, {"mcp-name", "file:///etc/passwd"}}, false},
      {"ping needs no name", kPing, {{"mcp-protocol-version", std::string(kNew)}, {"mcp-method", "ping"}}, true},
      {"ping with a name", kPing, {{"mcp-method", "ping"}, {"mcp-name", "x"}}, false},
      {"response with a method header", R"({"jsonrpc":"2.0","id":1,"result":{}})", {{"mcp-method", "ping"}}, false},
      {"response under the new revision", R"({"jsonrpc":"2.0","id":1,"result":{}})",
       {{"mcp-protocol-version", std::string(kNew)}}, true},
  };
  for (const HeaderCase& c : kCases) {
    const std::optional<std::string> mismatch = headerMismatch(message(c.body), c.headers);
    EXPECT_EQ(!mismatch.has_value(), c.agrees) << c.name << ": " << mismatch.value_or("agrees");
  }
}

TEST(RequestHeadersTest, NameOfToolCallWithNonStringNameIsNothing) {
  EXPECT_FALSE(messageTargetName(message(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":1}})")));
  EXPECT_EQ(messageTargetName(message(kCall)), "send_email");
  EXPECT_EQ(messageTargetName(message(kRead)), "file:///docs/readme.md");
  EXPECT_FALSE(messageTargetName(message(kPing)));
  // A number name under the new revision needs an Mcp-Name that nothing can equal.
  EXPECT_TRUE(headerMismatch(message(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":1}})"),
                             {{"mcp-method", "tools/call"}, {"mcp-name", "1"}}));
}

}  // namespace
}  // namespace agentguard::gate::mcp

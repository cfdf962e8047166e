#include "gate/mcp/decision.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "gate/mcp/error_codes.h"
#include "sandbox_fixture.h"

namespace agentguard::gate::mcp {
namespace {

std::string call(std::string_view tool, std::string_view arguments) {
  return R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")" + std::string(tool) +
         R"(","arguments":)" + std::string(arguments) + "}}";
}

struct DecisionCase {
  const char* name;
  const char* server;
  std::string body;
  int code;  // 0: allowed
};

TEST(DecisionTest, MethodsToolsAndArgumentsAreDecided) {
  const policy::SandboxToolPolicy policy = examplePolicy();
  const DecisionCase kCases[] = {
      {"initialize", "mail", R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})", 0},
      {"initialized", "mail", R"({"jsonrpc":"2.0","method":"notifications/initialized"})", 0},
      {"ping", "web", R"({"jsonrpc":"2.0","id":"p","method":"ping"})", 0},
      {"cancelled", "web", R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}})", 0},
      {"progress", "web", R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}})", 0},
      {"tools/list", "mail", R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", 0},
      {"response to the server", "mail", R"({"jsonrpc":"2.0","id":"srv-1","result":{"action":"accept"}})", 0},
      {"listed tool, good arguments", "mail", call("send_email", R"({"to":"ops@example.com","body":"disk full"})"), 0},
      {"listed tool without rules", "web", call("now", "{}"), 0},
      {"listed tool without rules, no arguments", "web", R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"now"}})", 0},
      {"allowed URL", "web", call("fetch_page", R"({"url":"https://en.wikipedia.org/wiki/Gate"})"), 0},
      {"allowed path", "mail", call("read_file", R"({"path":"/workspace/notes.md"})"), 0},
      {"search, optional absent", "web", call("search", R"({"query":"gates"})"), 0},
      {"search, optional present", "web", call("search", R"({"query":"gates","opts":{"lang":"de"}})"), 0},
      {"listed resource", "web", R"({"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"file:///docs/readme.md"}})", 0},
      {"listed method without target", "web", R"({"jsonrpc":"2.0","id":3,"method":"prompts/list"})", 0},
      {"unlisted prompt", "web", R"({"jsonrpc":"2.0","id":3,"method":"prompts/get","params":{"name":"jailbreak"}})", kMethodNotAllowed},
      {"resources/read without params", "web", R"({"jsonrpc":"2.0","id":3,"method":"resources/read"})", kMethodNotAllowed},
      {"unlisted notification", "web", R"({"jsonrpc":"2.0","method":"notifications/roots/list_changed"})", kMethodNotAllowed},

      {"unlisted tool", "mail", call("delete_all", "{}"), kToolNotAllowed},
      {"tool of the other server", "mail", call("fetch_page", R"({"url":"https://docs.example.com/"})"), kToolNotAllowed},
      {"tool name in other case", "mail", call("SEND_EMAIL", R"({"to":"ops@example.com","body":"x"})"), kToolNotAllowed},
      {"tool name null", "mail", R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":null}})", kToolNotAllowed},
      {"tool name number", "mail", R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":1}})", kToolNotAllowed},
      {"tool name array", "mail", R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":["send_email"]}})", kToolNotAllowed},
      {"no params", "mail", R"({"jsonrpc":"2.0","id":1,"method":"tools/call"})", kToolNotAllowed},
      {"params as array", "mail", R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":["send_email"]})", kToolNotAllowed},
      {"method in other case", "mail", R"({"jsonrpc":"2.0","id":1,"method":"Tools/Call","params":{"name":"send_email"}})", kMethodNotAllowed},
      {"method with space", "mail", R"({"jsonrpc":"2.0","id":1,"method":"tools/call ","params":{"name":"send_email"}})", kMethodNotAllowed},
      {"unlisted method", "mail", R"({"jsonrpc":"2.0","id":1,"method":"resources/list"})", kMethodNotAllowed},
      {"sampling", "mail", R"({"jsonrpc":"2.0","id":1,"method":"sampling/createMessage","params":{}})", kMethodNotAllowed},
      {"unlisted resource", "web", R"({"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"file:///etc/passwd"}})", kMethodNotAllowed},
      {"resource uri number", "web", R"({"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":1}})", kMethodNotAllowed},
      {"unknown server", "evil", R"({"jsonrpc":"2.0","id":1,"method":"initialize"})", kToolNotAllowed},
      {"server in other case", "MAIL", call("send_email", R"({"to":"ops@example.com","body":"x"})"), kToolNotAllowed},
      {"empty server", "", R"({"jsonrpc":"2.0","id":1,"method":"ping"})", kToolNotAllowed},

      {"arguments as array", "mail", call("send_email", R"(["ops@example.com"])"), kArgumentRefused},
      {"arguments as string", "mail", call("send_email", R"("to=ops@example.com")"), kArgumentRefused},
      {"arguments null", "mail", call("send_email", "null"), kArgumentRefused},
      {"recipient not listed", "mail", call("send_email", R"({"to":"attacker@evil.com","body":"x"})"), kArgumentRefused},
      {"recipient as list", "mail", call("send_email", R"({"to":["ops@example.com","attacker@evil.com"],"body":"x"})"), kArgumentRefused},
      {"recipient missing", "mail", call("send_email", R"({"body":"x"})"), kArgumentRefused},
      {"body too long", "mail", call("send_email", R"({"to":"ops@example.com","body":")" + std::string(4097, 'x') + "\"}"), kArgumentRefused},
      {"userinfo URL", "web", call("fetch_page", R"({"url":"https://docs.example.com@evil.com/"})"), kArgumentRefused},
      {"decimal IP URL", "web", call("fetch_page", R"({"url":"http://2130706433/"})"), kArgumentRefused},
      {"path traversal", "mail", call("read_file", R"({"path":"/workspace/../etc/shadow"})"), kArgumentRefused},
      {"encoded traversal", "mail", call("read_file", R"({"path":"/workspace/..%2f..%2fetc/shadow"})"), kArgumentRefused},
      {"regex miss", "web", call("search", R"({"query":"DROP TABLE"})"), kArgumentRefused},
      {"optional present but wrong", "web", call("search", R"({"query":"x","opts":{"lang":"fr"}})"), kArgumentRefused},
  };
  for (const DecisionCase& c : kCases) {
    const Verdict verdict = decide(policy, c.server, message(c.body), {});
    EXPECT_EQ(verdict.allowed, c.code == 0) << c.name << ": " << verdict.reason;
    EXPECT_EQ(verdict.code, c.code) << c.name << ": " << verdict.reason;
    EXPECT_FALSE(verdict.audited) << c.name;
    EXPECT_FALSE(verdict.reason.empty()) << c.name;
    EXPECT_EQ(verdict.httpStatus, 200) << c.name;
  }
}

TEST(DecisionTest, TheVerdictCarriesWhatTheRecordNeeds) {
  const Verdict verdict = decide(examplePolicy(), "web",
                                 message(R"({"jsonrpc":"2.0","id":"r-9","method":"tools/call","params":{"name":"fetch_page",
                                            "arguments":{"url":"https://evil.example/x"}}})"),
                                 {});
  EXPECT_FALSE(verdict.allowed);
  EXPECT_EQ(verdict.code, kArgumentRefused);
  EXPECT_EQ(verdict.rule, kRuleArgument);
  EXPECT_EQ(verdict.reason,
            "arguments/url: host \"evil.example\" is not in tools.servers[web].arguments.fetch_page./url.urlHosts "
            "(docs.example.com, *.wikipedia.org); call with a URL on one of those hosts");
  EXPECT_EQ(verdict.method, "tools/call");
  EXPECT_EQ(verdict.tool, "fetch_page");
  EXPECT_EQ(verdict.server, "web");
  EXPECT_EQ(verdict.requestId, "r-9");
  // sha256 of the RFC 8785 form {"url":"https://evil.example/x"}
  EXPECT_EQ(verdict.argumentsDigest, "f476a32511130af544078050b50e573a9f0c232e5bb8563f5fe0c122c125dbcf");
}

TEST(DecisionTest, TheDigestIsOfTheCanonicalArguments) {
  const policy::SandboxToolPolicy policy = examplePolicy();
  const Verdict spaced = decide(policy, "web", message(call("now", R"({ "b" : 1.0, "a" : "x" })")), {});
  const Verdict packed = decide(policy, "web", message(call("now", R"({"a":"x","b":1})")), {});
  EXPECT_EQ(spaced.argumentsDigest, packed.argumentsDigest);
  EXPECT_EQ(spaced.argumentsDigest.size(), 64u);
  const Verdict other = decide(policy, "web", message(call("now", R"({"a":"y","b":1})")), {});
  EXPECT_NE(other.argumentsDigest, packed.argumentsDigest);
}

TEST(DecisionTest, ArgumentsWithoutACanonicalFormAreRefused) {
  // The reader refuses 1e999 already; a message built another way must still not pass undigested.
  EXPECT_FALSE(std::holds_alternative<JsonRpcMessage>(readJsonRpcMessage(call("now", R"({"n":1e999})"))));
  JsonRpcMessage built = message(call("now", "{}"));
  built.params["arguments"]["n"] = std::numeric_limits<double>::infinity();
  const Verdict verdict = decide(examplePolicy(), "web", built, {});
  EXPECT_FALSE(verdict.allowed);
  EXPECT_EQ(verdict.code, kArgumentRefused);
  EXPECT_TRUE(verdict.argumentsDigest.empty());
}

TEST(DecisionTest, AuditForwardsWhatEnforceRefusesAndSaysSo) {
  const policy::SandboxToolPolicy audit = examplePolicy("Audit");
  const Verdict refused = decide(audit, "mail", message(call("delete_all", "{}")), {});
  EXPECT_TRUE(refused.allowed);
  EXPECT_TRUE(refused.audited);
  EXPECT_EQ(refused.code, kToolNotAllowed);
  EXPECT_EQ(refused.rule, kRuleToolNotAllowed);
  const Verdict fine = decide(audit, "mail", message(R"({"jsonrpc":"2.0","id":1,"method":"ping"})"), {});
  EXPECT_TRUE(fine.allowed);
  EXPECT_FALSE(fine.audited);
  EXPECT_EQ(fine.code, 0);
  // Unknown servers and header mismatches are refused in Audit too.
  EXPECT_FALSE(decide(audit, "evil", message(R"({"jsonrpc":"2.0","id":1,"method":"ping"})"), {}).allowed);
  const Verdict mismatch =
      decide(audit, "mail", message(R"({"jsonrpc":"2.0","id":1,"method":"ping"})"), {{"mcp-method", "tools/call"}});
  EXPECT_FALSE(mismatch.allowed);
  EXPECT_EQ(mismatch.code, kHeaderMismatch);
}

TEST(DecisionTest, HeaderMismatchIsRefusedWithHttp400) {
  const policy::SandboxToolPolicy policy = examplePolicy();
  const Verdict verdict = decide(policy, "mail", message(call("send_email", R"({"to":"ops@example.com","body":"x"})")),
                                 {{"mcp-method", "tools/call"}, {"mcp-name", "read_file"}});
  EXPECT_FALSE(verdict.allowed);
  EXPECT_EQ(verdict.code, kHeaderMismatch);
  EXPECT_EQ(verdict.rule, kRuleHeaderMismatch);
  EXPECT_EQ(verdict.httpStatus, 400);
  const Verdict agreeing = decide(policy, "mail", message(call("send_email", R"({"to":"ops@example.com","body":"x"})")),
                                  {{"mcp-method", "tools/call"}, {"mcp-name", "send_email"},
                                   {"mcp-protocol-version", "2026-07-28"}});
  EXPECT_TRUE(agreeing.allowed) << agreeing.reason;
}

}  // namespace
}  // namespace agentguard::gate::mcp

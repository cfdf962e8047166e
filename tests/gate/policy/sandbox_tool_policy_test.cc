#include "gate/policy/sandbox_tool_policy.h"

#include <gtest/gtest.h>

#include <string>

namespace agentguard::gate::policy {
namespace {

using Json = nlohmann::json;

// The sandbox of docs/tool-gate.md's contract.
Json exampleSandbox() {
  return Json::parse(R"({
    "apiVersion": "agentguard.io/v1alpha1", "kind": "AgentSandbox",
    "metadata": {"name": "analyst", "namespace": "agents", "uid": "u-1"},
    "spec": {
      "tools": {
        "mode": "Enforce",
        "servers": [
          {"name": "mail", "url": "http://mail-mcp.tools.svc.cluster.local:8000/mcp",
           "credentialsSecretRef": {"name": "mail-mcp", "key": "token"},
           "methods": [{"name": "tools/call", "params": ["send_email", "read_file"]}],
           "arguments": {
             "send_email": {"/to": {"enum": ["ops@example.com", "oncall@example.com"]}, "/body": {"maxLength": 4096}},
             "read_file": {"/path": {"pathPrefixes": ["/workspace/"]}}}},
          {"name": "web", "url": "https://web-mcp.tools.svc:8443/mcp",
           "methods": [{"name": "tools/call", "params": ["fetch_page", "search"]},
                       {"name": "resources/read", "params": ["file:///docs/readme.md"]},
                       {"name": "resources/list"}],
           "arguments": {
             "fetch_page": {"/url": {"urlHosts": ["docs.example.com", "*.wikipedia.org"]}},
             "search": {"/query": {"regex": "^[a-z ]{1,64}$", "maxLength": 64}}}}
        ]
      },
      "network": {"egressHosts": ["api.github.com:443", "*.pypi.org:443"]}
    }
  })");
}

std::string firstProblem(const Json& sandbox) {
  Result<SandboxToolPolicy> policy = parseSandboxToolPolicy(sandbox);
  EXPECT_FALSE(policy.ok());
  return policy.ok() ? std::string() : policy.error().message;
}

TEST(SandboxToolPolicyTest, ReadsTheContractExample) {
  Result<SandboxToolPolicy> policy = parseSandboxToolPolicy(exampleSandbox());
  ASSERT_TRUE(policy.ok()) << policy.error().describe();
  EXPECT_EQ(policy->namespaceName, "agents");
  EXPECT_EQ(policy->sandboxName, "analyst");
  EXPECT_EQ(policy->sandboxUid, "u-1");
  EXPECT_EQ(policy->mode, ToolsMode::kEnforce);
  ASSERT_EQ(policy->servers.size(), 2u);
  const ToolServer* mail = policy->server("mail");
  ASSERT_NE(mail, nullptr);
  EXPECT_EQ(mail->url, "http://mail-mcp.tools.svc.cluster.local:8000/mcp");
  ASSERT_TRUE(mail->credentialsSecretRef);
  EXPECT_EQ(mail->credentialsSecretRef->name, "mail-mcp");
  EXPECT_EQ(mail->credentialsSecretRef->key, "token");
  EXPECT_TRUE(mail->toolAllowed("send_email"));
  EXPECT_FALSE(mail->toolAllowed("delete_all"));
  EXPECT_FALSE(mail->toolAllowed("SEND_EMAIL"));
  ASSERT_EQ(mail->arguments.at("send_email").size(), 2u);
  EXPECT_EQ(policy->server("nope"), nullptr);
  EXPECT_EQ(policy->server("MAIL"), nullptr);
  const ToolServer* web = policy->server("web");
  ASSERT_NE(web, nullptr);
  EXPECT_FALSE(web->credentialsSecretRef);
  ASSERT_NE(web->method("resources/read"), nullptr);
  EXPECT_TRUE(web->method("resources/read")->allows("file:///docs/readme.md"));
  EXPECT_NE(web->method("resources/list"), nullptr);
  EXPECT_EQ(web->method("prompts/get"), nullptr);
  EXPECT_EQ(policy->egressHosts.size(), 2u);
  EXPECT_TRUE(egressHostAllowed(*policy, "files.pypi.org", 443));
}

TEST(SandboxToolPolicyTest, ASandboxWithoutToolsAllowsNothing) {
  Result<SandboxToolPolicy> policy = parseSandboxToolPolicy(Json::parse(R"({"metadata":{"name":"a"},"spec":{}})"));
  ASSERT_TRUE(policy.ok());
  EXPECT_TRUE(policy->servers.empty());
  EXPECT_TRUE(policy->egressHosts.empty());
  Result<SandboxToolPolicy> noSpec = parseSandboxToolPolicy(Json::parse(R"({"metadata":{"name":"a"}})"));
  ASSERT_TRUE(noSpec.ok());
  EXPECT_TRUE(noSpec->servers.empty());
}

TEST(SandboxToolPolicyTest, AuditModeIsRead) {
  Json sandbox = exampleSandbox();
  sandbox["spec"]["tools"]["mode"] = "Audit";
  Result<SandboxToolPolicy> policy = parseSandboxToolPolicy(sandbox);
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(policy->mode, ToolsMode::kAudit);
}

TEST(SandboxToolPolicyTest, ErrorsNameTheSandboxTheFieldPathAndTheFix) {
  Json sandbox = exampleSandbox();
  sandbox["spec"]["tools"]["servers"][1]["arguments"]["fetch_page"]["/url"]["regex"] = "(a)\\1";
  EXPECT_TRUE(firstProblem(sandbox).starts_with(
      "AgentSandbox agents/analyst: spec.tools.servers[1].arguments.fetch_page./url.regex: is not a pattern RE2 accepts"))
      << firstProblem(sandbox);
}

struct BrokenCase {
  const char* name;
  const char* pointer;  // where in the example to write `value`
  Json value;
  const char* expectedPath;
};

TEST(SandboxToolPolicyTest, BrokenPoliciesAreRefusedAtTheirField) {
  const BrokenCase kCases[] = {
      {"mode in lower case", "/spec/tools/mode", "enforce", "spec.tools.mode: "},
      {"no servers", "/spec/tools/servers", Json::array(), "spec.tools.servers: "},
      {"server name not a DNS label", "/spec/tools/servers/0/name", "Mail", "spec.tools.servers[0].name: "},
      {"duplicate server name", "/spec/tools/servers/1/name", "mail", "spec.tools.servers[1].name: "},
      {"url with userinfo", "/spec/tools/servers/0/url", "http://u:p@mail/mcp", "spec.tools.servers[0].url: "},
      {"url with fragment", "/spec/tools/servers/0/url", "http://mail/mcp#x", "spec.tools.servers[0].url: "},
      {"url not http", "/spec/tools/servers/0/url", "unix:///run/mcp.sock", "spec.tools.servers[0].url: "},
      {"misspelt arguments key", "/spec/tools/servers/0/argument", Json::object(), "spec.tools.servers[0].argument: "},
      {"misspelt tools key", "/spec/tools/server", Json::array(), "spec.tools.server: "},
      {"misspelt matcher key", "/spec/tools/servers/0/arguments/send_email/~1body", Json{{"maxlength", 1}},
       "spec.tools.servers[0].arguments.send_email./body.maxlength: "},
      {"empty matcher", "/spec/tools/servers/0/arguments/send_email/~1body", Json::object(),
       "spec.tools.servers[0].arguments.send_email./body: "},
      {"pointer without slash", "/spec/tools/servers/0/arguments/send_email/body", Json{{"maxLength", 1}},
       "spec.tools.servers[0].arguments.send_email.body: "},
      {"arguments for a tool that is not listed", "/spec/tools/servers/0/arguments/send_mail", Json{{"/to", {{"enum", {"a"}}}}},
       "spec.tools.servers[0].arguments.send_mail: "},
      {"tools/call without params", "/spec/tools/servers/0/methods/0/params", Json::array(),
       "spec.tools.servers[0].methods[0].params: "},
      {"duplicate method", "/spec/tools/servers/1/methods/2/name", "resources/read", "spec.tools.servers[1].methods[2].name: "},
      {"secret ref without key", "/spec/tools/servers/0/credentialsSecretRef", Json{{"name", "x"}},
       "spec.tools.servers[0].credentialsSecretRef.key: "},
      {"egress host without port", "/spec/network/egressHosts/0", "api.github.com", "spec.network.egressHosts[0]: "},
      {"egress host as an IP number", "/spec/network/egressHosts/1", "2130706433:443", "spec.network.egressHosts[1]: "},
      {"urlHosts with a bad pattern", "/spec/tools/servers/1/arguments/fetch_page/~1url/urlHosts/1", "a.*.org",
       "spec.tools.servers[1].arguments.fetch_page./url.urlHosts[1]: "},
  };
  for (const BrokenCase& c : kCases) {
    Json sandbox = exampleSandbox();
    sandbox[Json::json_pointer(c.pointer)] = c.value;
    const std::string problem = firstProblem(sandbox);
    EXPECT_TRUE(problem.starts_with(std::string("AgentSandbox agents/analyst: ") + c.expectedPath))
        << c.name << ": " << problem;
    // The fix follows a ';', or the problem is what the field must be.
    EXPECT_TRUE(problem.find("; ") != std::string::npos || problem.find(": must ") != std::string::npos)
        << c.name << " names no fix: " << problem;
  }
}

TEST(SandboxToolPolicyTest, EveryProblemIsACause) {
  Json sandbox = exampleSandbox();
  sandbox["spec"]["tools"]["mode"] = "Sometimes";
  sandbox["spec"]["network"]["egressHosts"][0] = "nohost";
  Result<SandboxToolPolicy> policy = parseSandboxToolPolicy(sandbox);
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.error().causes.size(), 2u);
}

TEST(SandboxToolPolicyTest, NonObjectsAreRefused) {
  EXPECT_FALSE(parseSandboxToolPolicy(Json::array()).ok());
  EXPECT_FALSE(parseSandboxToolPolicy(Json::parse(R"({"spec":[]})")).ok());
  EXPECT_FALSE(parseSandboxToolPolicy(Json::parse(R"({"spec":{"tools":"all"}})")).ok());
  EXPECT_FALSE(parseSandboxToolPolicy(Json::parse(R"({"spec":{"tools":{"servers":[7]}}})")).ok());
}

}  // namespace
}  // namespace agentguard::gate::policy

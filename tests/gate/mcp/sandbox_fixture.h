#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include <nlohmann/json.hpp>

#include "gate/mcp/json_rpc_message.h"
#include "gate/policy/sandbox_tool_policy.h"

namespace agentguard::gate::mcp {

// The policy of the contract's example sandbox, in Enforce or Audit mode.
inline policy::SandboxToolPolicy examplePolicy(std::string_view mode = "Enforce") {
  nlohmann::json sandbox = nlohmann::json::parse(R"({
    "metadata": {"name": "analyst", "namespace": "agents", "uid": "u-1"},
    "spec": {"tools": {"servers": [
      {"name": "mail", "url": "http://mail-mcp:8000/mcp",
       "methods": [{"name": "tools/call", "params": ["send_email", "read_file"]}],
       "arguments": {
         "send_email": {"/to": {"enum": ["ops@example.com", "oncall@example.com"]}, "/body": {"maxLength": 4096}},
         "read_file": {"/path": {"pathPrefixes": ["/workspace/"]}}}},
      {"name": "web", "url": "https://web-mcp:8443/mcp",
       "methods": [{"name": "tools/call", "params": ["fetch_page", "search", "now"]},
                   {"name": "resources/read", "params": ["file:///docs/readme.md"]},
                   {"name": "prompts/list"}],
       "arguments": {
         "fetch_page": {"/url": {"urlHosts": ["docs.example.com", "*.wikipedia.org"]}},
         "search": {"/query": {"regex": "^[a-z ]{1,64}$", "maxLength": 64},
                    "/opts/lang": {"enum": ["en", "de"], "optional": true}}}}
    ]}}
  })");
  sandbox["spec"]["tools"]["mode"] = mode;
  Result<policy::SandboxToolPolicy> policy = policy::parseSandboxToolPolicy(sandbox);
  EXPECT_TRUE(policy.ok()) << (policy.ok() ? "" : policy.error().describe());
  return std::move(policy).value();
}

// A message read from `body`, which must be valid.
inline JsonRpcMessage message(std::string_view body) {
  JsonRpcRead read = readJsonRpcMessage(body);
  EXPECT_TRUE(std::holds_alternative<JsonRpcMessage>(read)) << body;
  return std::get<JsonRpcMessage>(std::move(read));
}

}  // namespace agentguard::gate::mcp

#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace agentguard::gate::app::testing {

// An AgentSandbox "analyst" in "agents" with one server "mail" at `url`: tools/call of send_email
// (to: ops@example.com only) and read_file (path under /workspace/).
inline nlohmann::json analystSandbox(const std::string& url, const std::string& mode = "Enforce") {
  nlohmann::json sandbox = nlohmann::json::parse(R"({
    "apiVersion": "agentguard.io/v1alpha1", "kind": "AgentSandbox",
    "metadata": {"name": "analyst", "namespace": "agents", "uid": "uid-s"},
    "spec": {"tools": {"servers": [
      {"name": "mail", "url": "",
       "credentialsSecretRef": {"name": "mail-mcp", "key": "token"},
       "methods": [{"name": "tools/call", "params": ["send_email", "read_file"]}],
       "arguments": {
         "send_email": {"/to": {"enum": ["ops@example.com"]}},
         "read_file": {"/path": {"pathPrefixes": ["/workspace/"]}}}}]},
      "network": {"egressHosts": ["api.github.com:443"]}}
  })");
  sandbox["spec"]["tools"]["servers"][0]["url"] = url;
  sandbox["spec"]["tools"]["mode"] = mode;
  return sandbox;
}

inline std::string sendEmail(const std::string& to) {
  return R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send_email","arguments":{"to":")" + to +
         R"("}}})";
}

}  // namespace agentguard::gate::app::testing

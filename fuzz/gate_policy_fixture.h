#pragma once

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "gate/policy/sandbox_tool_policy.h"

// The sandbox policy the gate's fuzz targets decide against: one server of each kind of matcher.
inline const agentguard::gate::policy::SandboxToolPolicy& fuzzPolicy(bool audit) {
  static const auto make = [](const char* mode) {
    nlohmann::json sandbox = nlohmann::json::parse(R"({
      "metadata": {"name": "fuzz", "namespace": "fuzz"},
      "spec": {"tools": {"servers": [
        {"name": "mail", "url": "http://mail:8000/mcp",
         "methods": [{"name": "tools/call", "params": ["send_email", "read_file", "fetch_page", "search"]},
                     {"name": "resources/read", "params": ["file:///docs/readme.md"]}],
         "arguments": {
           "send_email": {"/to": {"enum": ["ops@example.com"]}, "/body": {"maxLength": 64}},
           "read_file": {"/path": {"pathPrefixes": ["/workspace/"]}},
           "fetch_page": {"/url": {"urlHosts": ["docs.example.com", "*.wikipedia.org", "**.corp.example"]}},
           "search": {"/q": {"regex": "^[a-z ]{1,16}$"}, "/o/x~1y": {"enum": [1, true], "optional": true}}}}
      ]}, "network": {"egressHosts": ["api.github.com:443"]}}
    })");
    sandbox["spec"]["tools"]["mode"] = mode;
    auto policy = agentguard::gate::policy::parseSandboxToolPolicy(sandbox);
    if (!policy) std::abort();
    return std::move(policy).value();
  };
  static const agentguard::gate::policy::SandboxToolPolicy enforce = make("Enforce");
  static const agentguard::gate::policy::SandboxToolPolicy auditing = make("Audit");
  return audit ? auditing : enforce;
}

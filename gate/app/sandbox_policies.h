#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "common/kube/informer.h"
#include "gate/policy/sandbox_tool_policy.h"
#include "gate/server/call_ports.h"

namespace agentguard::gate::app {

// The tool policy of every AgentSandbox of the namespace, parsed once per change of the object (fed by
// the AgentSandbox informer), and the CallPolicy the MCP proxy decides with. A sandbox whose policy
// does not parse keeps its error: its calls are refused with -32019 and that error as the reason.
class SandboxPolicies final : public server::CallPolicy {
 public:
  explicit SandboxPolicies(size_t maxMessageBytes);

  kube::InformerHandlers handlers();
  void store(const nlohmann::json& sandbox);
  void remove(const nlohmann::json& sandbox);

  // The parsed policy of `sandbox`, or the error that keeps it from being used.
  Result<std::shared_ptr<const policy::SandboxToolPolicy>> find(const std::string& sandbox) const;

  server::CallDecision decide(const server::Caller& caller, const server::McpRequest& request) const override;
  Result<server::Upstream> upstream(const server::Caller& caller, const std::string& server) const override;
  Result<std::string> filterToolsList(const server::Caller& caller, const std::string& server,
                                      const nlohmann::json& requestId, const std::string& message) const override;

 private:
  struct Entry {
    std::shared_ptr<const policy::SandboxToolPolicy> policy;  // null when it did not parse
    std::string error;
    std::string digest;  // hex SHA-256 of the canonical spec.tools and spec.network.egressHosts
  };
  Result<Entry> entry(const server::Caller& caller) const;

  size_t maxMessageBytes_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // by sandbox name; guarded by mutex_
};

}  // namespace agentguard::gate::app

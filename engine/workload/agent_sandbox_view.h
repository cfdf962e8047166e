#pragma once

#include <nlohmann/json.hpp>

#include "engine/network/network_policy_source.h"

namespace agentguard::engine {

// An AgentSandbox (agentguard.io) is judged as agentguard-operator will run it, so the CLI, the webhook and the
// operator reach one verdict on the same pod:
// - its Pod is spec.template, with what the operator enforces filled in where the template leaves it unset
//   (runAsNonRoot, seccomp RuntimeDefault, no privilege escalation, read-only root, capabilities dropped, no
//   token automount, no host namespaces, the sandbox's labels and RuntimeClass). A value the template sets is
//   kept as written, so a contradiction (privileged: true) is reported at its path in the AgentSandbox;
// - its egress is governed by the NetworkPolicy the operator writes for it (deny all but spec.network.egress and
//   DNS), in addition to the namespace's other policies.
bool isAgentSandbox(const nlohmann::json& object);
nlohmann::json agentSandboxAsRun(const nlohmann::json& sandbox);
nlohmann::json agentSandboxOwnPolicy(const nlohmann::json& sandbox);

// The namespace's policies (from `inner`, which may be null) plus one more, indexed anew per call (an
// AgentSandbox is judged once per admission, so the index is not kept).
class PolicySourceWith final : public NetworkPolicySource {
 public:
  PolicySourceWith(const NetworkPolicySource* inner, nlohmann::json added)
      : inner_(inner), added_(std::make_shared<const nlohmann::json>(std::move(added))) {}
  Result<NamespacePoliciesPtr> policiesIn(std::string_view ns) const override;

 private:
  const NetworkPolicySource* inner_;
  SharedObject added_;
};

}  // namespace agentguard::engine

#pragma once

#include <string>

namespace agentguard::gate {

// Who is calling the gate: the sandbox Pod a request was authenticated as (TokenReview of its projected
// token, or its source IP alone for a CONNECT without Proxy-Authorization). Every field is set.
struct Caller {
  std::string namespaceName;   // the sandbox's namespace, which is the gate's
  std::string sandbox;         // AgentSandbox name (the Pod's controller)
  std::string sandboxUid;
  std::string pod;
  std::string podUid;
  std::string serviceAccount;  // the Pod's ServiceAccount name (without "system:serviceaccount:<ns>:")
  std::string sourceIp;        // the connection's peer address, equal to the Pod's status.podIP
};

}  // namespace agentguard::gate

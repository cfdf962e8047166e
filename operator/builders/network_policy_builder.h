#pragma once

#include <nlohmann/json.hpp>

#include "operator/api/agent_sandbox.h"

namespace agentguard::op {

// The sandbox's NetworkPolicy: selects the Pod by agentguard.io/sandbox=<name>; policyTypes Ingress and Egress;
// egress only to (1) the DNS pods (namespace by kubernetes.io/metadata.name, pods by dns.podSelector) and the
// node-local DNS cache address, port 53 UDP and TCP, when dns.mode is ClusterDNS, and (2) each allow-listed
// block with its ports; ingress only from the allow-listed sources. endPort ranges are written out port by port.
// The policy carries the finalizer agentguard.io/isolation-teardown, so it stays in force until the operator has
// seen the Pod gone, whoever deletes it. Empty lists are omitted, as the API server omits them, so the object compares equal to what it stores.
nlohmann::json buildNetworkPolicy(const SandboxMeta& sandbox, const NetworkSpec& network);

// True when `live` (as stored) still does what `desired` says: the same spec, our labels and our controller
// reference. Anything else is drift and is written back.
bool networkPolicyMatches(const nlohmann::json& desired, const nlohmann::json& live);

}  // namespace agentguard::op

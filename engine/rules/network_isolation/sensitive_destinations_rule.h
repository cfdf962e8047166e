#pragma once

#include "engine/rules/rule.h"

namespace agentguard::engine {

// network-isolation.egress-sensitive-destinations: egress allowed to link-local (cloud metadata)
// addresses, or DNS allowed to the internet rather than to the cluster's resolver.
RuleDefinition egressSensitiveDestinationsRule();

}  // namespace agentguard::engine

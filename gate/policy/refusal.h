#pragma once

#include <optional>
#include <string>

namespace agentguard::gate::policy {

// What a matcher answers about one value: nothing when the value passes, otherwise why it does not and
// how the caller can make a call that would ("host \"evil.example\" is not in ...; call with a URL on
// one of those hosts"). The gate puts it in the denial's data.reason, which the agent reads.
using Refusal = std::optional<std::string>;

}  // namespace agentguard::gate::policy

#pragma once

#include <string_view>

namespace agentguard::gate::policy {

// What an MCP method acts on, named in its params: tools/call and prompts/get name a tool or prompt
// (params.name); resources/read, resources/subscribe and resources/unsubscribe a resource (params.uri).
enum class MethodTarget { kNone, kName, kUri };

MethodTarget methodTarget(std::string_view method);

// The base protocol methods every sandbox may send: initialize, server/discover (2026-07-28), ping,
// notifications/initialized, notifications/cancelled, notifications/progress and tools/list (whose
// result the gate filters).
bool isBaseMethod(std::string_view method);

}  // namespace agentguard::gate::policy

#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result/result.h"
#include "gate/policy/sandbox_tool_policy.h"

namespace agentguard::gate::mcp {

// tools/list results show the agent only the tools it may call. In Audit mode nothing is removed.

// `response` with every entry of result.tools whose name the server's policy does not allow removed
// (entries without a string name too; a result.tools that is not an array becomes []). Messages that
// are not a result for `requestId` (errors, notifications, requests, other ids) come back unchanged.
nlohmann::json filterToolsList(const policy::SandboxToolPolicy& policy, std::string_view server,
                               const nlohmann::json& requestId, nlohmann::json response);

// The same on a JSON response body: the rewritten body. InvalidArgument when the body is not JSON the
// strict reader accepts (the app then answers kUpstreamUnavailable rather than pass it unfiltered).
Result<std::string> filterToolsListBody(const policy::SandboxToolPolicy& policy, std::string_view server,
                                        const nlohmann::json& requestId, std::string_view body);

// The same on one Server-Sent Event (its lines, without the blank line that ends it): the data lines
// are joined with '\n' as EventSource does, filtered as a JSON body, and written back as one "data:"
// line where the first one was; other fields (id, event, retry, comments) are kept in place. An event
// without data comes back unchanged. Lines end with "\n", "\r\n" or "\r" and are written with "\n".
Result<std::string> filterToolsListSseEvent(const policy::SandboxToolPolicy& policy, std::string_view server,
                                            const nlohmann::json& requestId, std::string_view event);

}  // namespace agentguard::gate::mcp

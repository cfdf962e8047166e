#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result/result.h"

namespace agentguard::kube {

// Translates API server answers into Errors. `what` names the request in the message ("GET
// /api/v1/namespaces/agents/pods/scraper"); the API server's own message follows it.
//
//   404 NotFound; 409 AlreadyExists (reason AlreadyExists) or Conflict; 410 Gone; 400/413/422
//   InvalidArgument with status.details.causes as causes; 401/403 Forbidden; 408/429/5xx Unavailable with
//   retryAfter from the Retry-After header or status.details.retryAfterSeconds; anything else Internal.
Error errorFromResponse(int httpStatus, std::string_view body, std::string_view retryAfterHeader,
                        std::string_view what);

// The same for a metav1.Status object on its own (the object of a watch ERROR event); its `code` is the
// HTTP status it stands for.
Error errorFromStatus(const nlohmann::json& status, std::string_view what);

// A request that got no answer: connection refused or reset, TLS failure, timeout. Always Unavailable.
Error connectionError(std::string_view what, std::string_view detail);

// Retry-After in delta-seconds ("5"); an HTTP date or anything else gives nullopt.
std::optional<std::chrono::milliseconds> parseRetryAfter(std::string_view header);

}  // namespace agentguard::kube

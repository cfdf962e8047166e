#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "common/result/result.h"

namespace agentguard::op {

struct ReconcileResult {
  std::optional<Error> error;                             // retry with backoff (at least Retry-After)
  std::optional<std::chrono::milliseconds> requeueAfter;  // a timer: expiry, TTL, teardown

  std::string_view label() const { return error ? "error" : requeueAfter ? "requeue" : "success"; }
};

}  // namespace agentguard::op

#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "common/time/clock.h"

// Times in AgentSandbox specs: RFC 3339 timestamps are common/time/rfc3339.h; lifetimes are Go durations.
namespace agentguard::op {

using WallTime = time::WallTime;

// A Go duration of hours, minutes, seconds and milliseconds: "90s", "1h30m", "1.5h", "250ms". Negative and
// unit-less values are refused.
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text);

}  // namespace agentguard::op

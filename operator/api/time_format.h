#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace agentguard::op {

using WallTime = std::chrono::system_clock::time_point;

// RFC 3339 as Kubernetes writes metav1.Time: "2024-05-01T12:00:00Z" (seconds, UTC).
std::string formatTime(WallTime time);
// metav1.MicroTime: "2024-05-01T12:00:00.123456Z" (leases, events).
std::string formatMicroTime(WallTime time);
// Accepts RFC 3339 with an optional fraction and a Z or ±hh:mm offset. Times outside 1900..2200 are clamped to
// those bounds (the clock cannot hold years beyond 2262).
std::optional<WallTime> parseTime(std::string_view text);

// A Go duration of hours, minutes, seconds and milliseconds: "90s", "1h30m", "1.5h", "250ms". Negative and
// unit-less values are refused.
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text);

}  // namespace agentguard::op

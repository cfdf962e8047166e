#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/time/clock.h"

// Timestamps as Kubernetes and in-toto write them: RFC 3339 in UTC.
namespace agentguard::time {

// "2024-05-01T12:00:00Z" (seconds; metav1.Time, records' timeVerified, Events' timestamps).
std::string formatRfc3339(WallTime time);
// "2024-05-01T12:00:00.123456Z" (metav1.MicroTime: Leases, Events).
std::string formatRfc3339Micro(WallTime time);
// Accepts RFC 3339 with an optional fraction and a Z or +-hh:mm offset. Times outside 1900..2200 are clamped to
// those bounds (the clock cannot hold years beyond 2262).
std::optional<WallTime> parseRfc3339(std::string_view text);

}  // namespace agentguard::time

#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result/result.h"

// The one duration grammar of agentguard: every flag that takes a duration, and every duration field the
// operator reads from an AgentSandbox or AgentSandboxClass, goes through parseDuration.
namespace agentguard::time {

// The longest duration: what std::chrono::nanoseconds (and Go's time.Duration) holds, in whole
// milliseconds: 2562047h47m16.854s, about 292 years. Clocks and waits count in nanoseconds, so nothing
// longer may reach them.
inline constexpr std::chrono::milliseconds kMaxDuration{9'223'372'036'854};

// A subset of Go's time.ParseDuration: one or more decimal numbers, each with an optional fraction and a
// unit of h, m, s or ms: "1h30m", "1.5h", "90s", "500ms". Refused, with a message that quotes the text and
// shows the grammar: no unit ("10", also "0"), a sign ("-5s", "+5s"), other units ("1d", "5us"), a bare
// or trailing point (".5s", "5.s"), more than nine decimals, anything finer than a millisecond ("0.5ms"),
// and anything longer than `max` ("is too long: at most ..."), checked without any arithmetic that could
// overflow.
Result<std::chrono::milliseconds> parseDuration(std::string_view text, std::chrono::milliseconds max = kMaxDuration);

// Go's spelling of a duration, largest units first: "1h30m", "2562047h47m16.854s", "500ms", "0s".
std::string formatDuration(std::chrono::milliseconds duration);

}  // namespace agentguard::time

#include "operator/api/time_format.h"

#include "common/time/duration.h"

namespace agentguard::op {

std::optional<std::chrono::milliseconds> parseDuration(std::string_view text) {
  // common/time's grammar, bounded far beyond any sensible lifetime so that now + lifetime stays inside the
  // clock's range (it ends in 2262).
  constexpr std::chrono::milliseconds kMaxLifetime = std::chrono::hours(100 * 365 * 24);
  auto parsed = time::parseDuration(text, kMaxLifetime);
  if (!parsed) return std::nullopt;
  return *parsed;
}

}  // namespace agentguard::op

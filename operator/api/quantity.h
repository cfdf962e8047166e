#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace agentguard::op {

// A Kubernetes resource quantity ("500m", "2", "1.5", "512Mi", "1G", "1e3") in thousandths of its unit: CPU
// "500m" is 500, memory "1Ki" is 1,024,000. Rounded up, as the API server rounds. nullopt for anything else,
// negative values, and values beyond 2^62 thousandths.
std::optional<int64_t> parseQuantityMillis(std::string_view text);

}  // namespace agentguard::op

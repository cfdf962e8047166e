#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace agentguard::text {

// "a, b,,c" -> {"a", "b", "c"}: the items between commas, in order, with the characters in `blanks`
// trimmed from both ends of each; empty items are dropped, so "" is the empty list.
std::vector<std::string> splitCommaList(std::string_view text, std::string_view blanks = " ");

}  // namespace agentguard::text

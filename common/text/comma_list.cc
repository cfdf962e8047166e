#include "common/text/comma_list.h"

#include <algorithm>

namespace agentguard::text {

std::vector<std::string> splitCommaList(std::string_view text, std::string_view blanks) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    const size_t first = item.find_first_not_of(blanks);
    if (first != std::string_view::npos) {
      items.emplace_back(item.substr(first, item.find_last_not_of(blanks) - first + 1));
    }
    start = comma + 1;
  }
  return items;
}

}  // namespace agentguard::text

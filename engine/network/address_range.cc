#include "engine/network/address_range.h"

#include <algorithm>

namespace agentguard::engine {

AddressSet::AddressSet(std::vector<AddressRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const AddressRange& a, const AddressRange& b) { return a.first < b.first; });
  for (const auto& range : ranges) {
    if (!ranges_.empty() && (range.first <= ranges_.back().last || range.first == ranges_.back().last + 1)) {
      ranges_.back().last = std::max(ranges_.back().last, range.last);
    } else {
      ranges_.push_back(range);
    }
  }
}

void AddressSet::add(AddressRange range) {
  std::vector<AddressRange> merged;
  merged.reserve(ranges_.size() + 1);
  bool placed = false;
  for (const auto& current : ranges_) {
    // Disjoint and not adjacent: keep as is, in order.
    if (current.last < range.first && current.last + 1 != range.first) {
      merged.push_back(current);
    } else if (range.last < current.first && range.last + 1 != current.first) {
      if (!placed) merged.push_back(range);
      placed = true;
      merged.push_back(current);
    } else {
      range.first = std::min(range.first, current.first);
      range.last = std::max(range.last, current.last);
    }
  }
  if (!placed) merged.push_back(range);
  ranges_ = std::move(merged);
}

void AddressSet::remove(AddressRange range) {
  std::vector<AddressRange> kept;
  kept.reserve(ranges_.size() + 1);
  for (const auto& current : ranges_) {
    if (current.last < range.first || range.last < current.first) {
      kept.push_back(current);
      continue;
    }
    if (current.first < range.first) kept.push_back({current.first, range.first - 1});
    if (range.last < current.last) kept.push_back({range.last + 1, current.last});
  }
  ranges_ = std::move(kept);
}

void AddressSet::add(const AddressSet& other) {
  for (const auto& range : other.ranges_) add(range);
}

AddressSet AddressSet::intersection(const AddressSet& other) const {
  AddressSet result;
  size_t i = 0, j = 0;
  while (i < ranges_.size() && j < other.ranges_.size()) {
    const AddressRange& a = ranges_[i];
    const AddressRange& b = other.ranges_[j];
    const Address first = std::max(a.first, b.first);
    const Address last = std::min(a.last, b.last);
    if (first <= last) result.ranges_.push_back({first, last});
    if (a.last < b.last) {
      ++i;
    } else {
      ++j;
    }
  }
  return result;
}

long double AddressSet::count() const {
  long double total = 0;
  for (const auto& range : ranges_) total += static_cast<long double>(range.last - range.first) + 1.0L;
  return total;
}

}  // namespace agentguard::engine

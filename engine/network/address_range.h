#pragma once

#include <vector>

namespace agentguard::engine {

// An IPv4 address is held in the low 32 bits, an IPv6 address in all 128; the family travels beside it.
__extension__ using Address = unsigned __int128;

// The addresses first..last, both included.
struct AddressRange {
  Address first = 0;
  Address last = 0;
};

// A set of addresses of one family as sorted, disjoint, non-adjacent ranges: what a NetworkPolicy's
// ipBlocks reach once their `except` lists are carved out.
class AddressSet {
 public:
  AddressSet() = default;
  // The union of any ranges, in any order (sorted once: cheaper than adding them one by one).
  explicit AddressSet(std::vector<AddressRange> ranges);

  void add(AddressRange range);
  void remove(AddressRange range);
  void add(const AddressSet& other);
  AddressSet intersection(const AddressSet& other) const;

  bool empty() const { return ranges_.empty(); }
  // How many addresses the set holds (as a floating-point count: an IPv6 set may hold 2^128).
  long double count() const;
  const std::vector<AddressRange>& ranges() const { return ranges_; }

 private:
  std::vector<AddressRange> ranges_;
};

}  // namespace agentguard::engine

#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/network/address_range.h"

namespace agentguard::engine {

// An IPv4 or IPv6 network such as 10.0.0.0/8 or 2001:db8::/32. A bare address is a /32 or /128.
class Cidr {
 public:
  static std::optional<Cidr> parse(std::string_view text);

  bool isV4() const { return v4_; }
  int prefixLength() const { return prefix_; }
  // True when every address of `inner` lies inside this network (same family only).
  bool contains(const Cidr& inner) const;
  // True for 0.0.0.0/0 and ::/0.
  bool isEverything() const { return prefix_ == 0; }
  // The addresses of the network, in its family's numbering (see Address).
  AddressRange range() const;

 private:
  bool v4_ = true;
  int prefix_ = 0;
  std::array<uint8_t, 16> bytes_{};
};

}  // namespace agentguard::engine

#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agentguard::op {

// An IPv4 or IPv6 block as written in a NetworkPolicy ipBlock ("203.0.113.0/24", "2001:db8::/32").
class IpBlock {
 public:
  // A block needs a prefix length; a bare address is refused unless `allowBareAddress` (then /32 or /128).
  static std::optional<IpBlock> parse(std::string_view text, bool allowBareAddress = false);

  bool isV4() const { return v4_; }
  int prefixLength() const { return prefix_; }
  // True when every address of `inner` is inside this block (same family only).
  bool contains(const IpBlock& inner) const;
  // True for an IPv6 block inside ::ffff:0:0/96 (IPv4-mapped) or ::/96 (IPv4-compatible): implementations that
  // convert such addresses read "::ffff:0.0.0.0/96" as all of IPv4, so a policy must never carry one.
  bool embedsIpv4() const;
  // The block in canonical form: host bits cleared ("10.1.2.3/8" -> "10.0.0.0/8").
  std::string canonical() const;

 private:
  bool v4_ = true;
  int prefix_ = 0;
  std::array<uint8_t, 16> bytes_{};
};

}  // namespace agentguard::op

#include "engine/network/cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <string>

namespace agentguard::engine {

std::optional<Cidr> Cidr::parse(std::string_view text) {
  Cidr cidr;
  const size_t slash = text.find('/');
  const std::string address(text.substr(0, slash));
  if (inet_pton(AF_INET, address.c_str(), cidr.bytes_.data()) == 1) {
    cidr.v4_ = true;
    cidr.prefix_ = 32;
  } else if (inet_pton(AF_INET6, address.c_str(), cidr.bytes_.data()) == 1) {
    cidr.v4_ = false;
    cidr.prefix_ = 128;
  } else {
    return std::nullopt;
  }
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    int prefix = -1;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() || prefix < 0 ||
        prefix > cidr.prefix_) {
      return std::nullopt;
    }
    cidr.prefix_ = prefix;
  }
  return cidr;
}

bool Cidr::contains(const Cidr& inner) const {
  if (v4_ != inner.v4_ || inner.prefix_ < prefix_) return false;
  int remaining = prefix_;
  for (size_t i = 0; remaining > 0; ++i, remaining -= 8) {
    const int bits = remaining >= 8 ? 8 : remaining;
    const auto mask = static_cast<uint8_t>(0xFFu << (8 - bits));
    if ((bytes_[i] & mask) != (inner.bytes_[i] & mask)) return false;
  }
  return true;
}

AddressRange Cidr::range() const {
  const int width = v4_ ? 32 : 128;
  Address first = 0;
  for (int i = 0; i < width / 8; ++i) first = (first << 8) | bytes_[static_cast<size_t>(i)];
  const int hostBits = width - prefix_;
  const Address hostMask = hostBits == 128 ? ~Address{0} : (Address{1} << hostBits) - 1;
  first &= ~hostMask;
  if (v4_) first &= 0xFFFFFFFFu;
  return {first, first | hostMask};
}

}  // namespace agentguard::engine

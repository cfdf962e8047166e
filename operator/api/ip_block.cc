#include "operator/api/ip_block.h"

#include <arpa/inet.h>

#include <cstdlib>

namespace agentguard::op {

std::optional<IpBlock> IpBlock::parse(std::string_view text, bool allowBareAddress) {
  const size_t slash = text.find('/');
  const std::string address(text.substr(0, slash));
  IpBlock block;
  if (address.find(':') == std::string::npos) {
    in_addr v4{};
    if (inet_pton(AF_INET, address.c_str(), &v4) != 1) return std::nullopt;
    block.v4_ = true;
    const auto* bytes = reinterpret_cast<const uint8_t*>(&v4.s_addr);
    for (int i = 0; i < 4; ++i) block.bytes_[static_cast<size_t>(i)] = bytes[i];
  } else {
    in6_addr v6{};
    if (inet_pton(AF_INET6, address.c_str(), &v6) != 1) return std::nullopt;
    block.v4_ = false;
    for (size_t i = 0; i < 16; ++i) block.bytes_[i] = v6.s6_addr[i];
  }
  const int maxPrefix = block.v4_ ? 32 : 128;
  if (slash == std::string_view::npos) {
    if (!allowBareAddress) return std::nullopt;
    block.prefix_ = maxPrefix;
    return block;
  }
  const std::string_view prefixText = text.substr(slash + 1);
  if (prefixText.empty() || prefixText.size() > 3) return std::nullopt;
  int prefix = 0;
  for (const char c : prefixText) {
    if (c < '0' || c > '9') return std::nullopt;
    prefix = prefix * 10 + (c - '0');
  }
  if (prefix > maxPrefix) return std::nullopt;
  block.prefix_ = prefix;
  return block;
}

bool IpBlock::contains(const IpBlock& inner) const {
  if (v4_ != inner.v4_ || inner.prefix_ < prefix_) return false;
  int remaining = prefix_;
  for (size_t i = 0; remaining > 0; ++i, remaining -= 8) {
    const uint8_t mask = remaining >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - remaining));
    if ((bytes_[i] & mask) != (inner.bytes_[i] & mask)) return false;
  }
  return true;
}

bool IpBlock::embedsIpv4() const {
  if (v4_ || prefix_ < 96) return false;
  for (size_t i = 0; i < 10; ++i) {
    if (bytes_[i] != 0) return false;
  }
  const bool mapped = bytes_[10] == 0xff && bytes_[11] == 0xff;
  const bool compatible = bytes_[10] == 0 && bytes_[11] == 0;
  return mapped || compatible;
}

std::string IpBlock::canonical() const {
  std::array<uint8_t, 16> masked = bytes_;
  const int bits = v4_ ? 32 : 128;
  for (int bit = prefix_; bit < bits; ++bit) {
    masked[static_cast<size_t>(bit / 8)] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  }
  char buffer[INET6_ADDRSTRLEN];
  if (v4_) {
    in_addr v4{};
    auto* bytes = reinterpret_cast<uint8_t*>(&v4.s_addr);
    for (size_t i = 0; i < 4; ++i) bytes[i] = masked[i];
    inet_ntop(AF_INET, &v4, buffer, sizeof(buffer));
  } else {
    in6_addr v6{};
    for (size_t i = 0; i < 16; ++i) v6.s6_addr[i] = masked[i];
    inet_ntop(AF_INET6, &v6, buffer, sizeof(buffer));
  }
  return std::string(buffer) + "/" + std::to_string(prefix_);
}

}  // namespace agentguard::op

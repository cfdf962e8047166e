#include "gate/policy/host_name.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <string>

#include "common/text/ascii.h"

namespace agentguard::gate::policy {
namespace {

constexpr size_t kMaxHostBytes = 253;
constexpr size_t kMaxLabelBytes = 63;

Error refused(std::string message) { return makeError(ErrorCode::kInvalidArgument, std::move(message)); }

// WHATWG URL readers take a host whose last label is a number ("1", "0x1f", "0x") for an IPv4 address
// in any of its forms, so such a label makes the host an address, never a name.
bool isNumericLabel(std::string_view label) {
  if (label.size() >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X')) {
    for (char c : label.substr(2)) {
      if (!text::isHexDigit(c)) return false;
    }
    return true;
  }
  if (label.empty()) return false;
  for (char c : label) {
    if (!text::isDigit(c)) return false;
  }
  return true;
}

// Four decimal parts 0..255 without leading zeros: the only IPv4 form every reader agrees on.
bool isDottedDecimal(std::string_view host) {
  int parts = 0;
  size_t start = 0;
  while (start <= host.size()) {
    size_t end = host.find('.', start);
    if (end == std::string_view::npos) end = host.size();
    const std::string_view part = host.substr(start, end - start);
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) return false;
    int value = 0;
    for (char c : part) {
      if (!text::isDigit(c)) return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255) return false;
    ++parts;
    start = end + 1;
  }
  return parts == 4;
}

Result<HostName> ipv6Host(std::string_view bracketed) {
  const std::string inner(bracketed.substr(1, bracketed.size() - 2));
  if (inner.find('%') != std::string::npos) return refused("has an IPv6 zone; name the address without it");
  std::array<unsigned char, 16> address{};
  if (inner.empty() || inet_pton(AF_INET6, inner.c_str(), address.data()) != 1) {
    return refused("is not an IPv6 address");
  }
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (inet_ntop(AF_INET6, address.data(), text.data(), text.size()) == nullptr) {
    return refused("is not an IPv6 address");
  }
  return HostName{HostName::Kind::kIpv6, "[" + std::string(text.data()) + "]"};
}

}  // namespace

Result<HostName> parseHostName(std::string_view host) {
  if (host.empty()) return refused("is empty");
  if (host.size() > kMaxHostBytes + 1) return refused("is longer than 253 characters");
  for (char c : host) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return refused("is not ASCII (internationalised names are not compared); write the name in its xn-- form");
    }
  }
  if (host.front() == '[') {
    if (host.back() != ']') return refused("opens '[' without closing it");
    return ipv6Host(host);
  }
  std::string name;
  name.reserve(host.size());
  for (char c : host) name.push_back(text::toLower(c));
  if (name.back() == '.') name.pop_back();
  if (name.empty() || name.size() > kMaxHostBytes) return refused("is empty or longer than 253 characters");

  size_t start = 0;
  std::string_view lastLabel;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string::npos) end = name.size();
    const std::string_view label = std::string_view(name).substr(start, end - start);
    if (label.empty()) return refused("has an empty label");
    if (label.size() > kMaxLabelBytes) return refused("has a label longer than 63 characters");
    for (char c : label) {
      if (!text::isLowerAlnum(c) && c != '-') {
        return refused(std::string("has the character '") + c + "', which is not allowed in a host name");
      }
    }
    if (label.front() == '-' || label.back() == '-') return refused("has a label that starts or ends with '-'");
    lastLabel = label;
    start = end + 1;
  }
  if (isNumericLabel(lastLabel)) {
    if (!isDottedDecimal(name)) {
      return refused("is a number that other readers take for an IPv4 address; write the address as a.b.c.d");
    }
    return HostName{HostName::Kind::kIpv4, name};
  }
  return HostName{HostName::Kind::kDns, name};
}

}  // namespace agentguard::gate::policy

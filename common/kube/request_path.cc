#include "common/kube/request_path.h"

#include "common/text/ascii.h"

namespace agentguard::kube {
namespace {

bool isUnreserved(unsigned char c) {
  return text::isAlnum(static_cast<char>(c)) || c == '-' || c == '.' || c == '_' || c == '~';
}

void appendEncoded(std::string& out, std::string_view text, bool pathSegment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    // ':' and '@' may stay literal inside a path segment (RBAC names such as "system:node" use them).
    if (isUnreserved(c) || (pathSegment && (c == ':' || c == '@'))) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
}

}  // namespace

std::string encodePathSegment(std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  appendEncoded(out, segment, true);
  return out;
}

QueryString& QueryString::add(std::string_view key, std::string_view value) {
  if (value.empty()) return *this;
  text_ += text_.empty() ? '?' : '&';
  appendEncoded(text_, key, false);
  text_ += '=';
  appendEncoded(text_, value, false);
  return *this;
}

QueryString& QueryString::add(std::string_view key, long long value) { return add(key, std::to_string(value)); }

}  // namespace agentguard::kube

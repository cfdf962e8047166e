// The pathPrefixes matcher on arbitrary text. Besides never crashing: whatever it allows stays under
// /workspace/ however often another reader percent-decodes it, and has no "." or ".." segment, no
// backslash and no NUL after any number of decodings.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gate/policy/path_prefix_matcher.h"

using agentguard::gate::policy::PathPrefixMatcher;

namespace {

const PathPrefixMatcher& matcher() {
  static const PathPrefixMatcher prefixes = [] {
    auto parsed = PathPrefixMatcher::parse({"/workspace/", "/data"}, "fuzz");
    if (!parsed) __builtin_trap();
    return std::move(parsed).value();
  }();
  return prefixes;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One percent-decoding as a lenient reader does it: escapes it cannot read stay as they are.
std::string decodeOnce(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

bool clean(std::string_view path) {
  if (!path.starts_with("/workspace/") && path != "/data" && !path.starts_with("/data/")) return false;
  if (path.find('\\') != std::string_view::npos || path.find('\0') != std::string_view::npos) return false;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "." || segment == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (matcher().checkPath(text, "fuzz")) return 0;
  std::string path(text);
  for (int round = 0; round < 4; ++round) {
    if (!clean(path)) __builtin_trap();
    path = decodeOnce(path);
  }
  return 0;
}

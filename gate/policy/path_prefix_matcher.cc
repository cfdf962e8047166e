#include "gate/policy/path_prefix_matcher.h"

#include <string>

#include "common/manifest/utf8.h"
#include "common/text/ascii.h"
#include "gate/policy/matcher_messages.h"

namespace agentguard::gate::policy {
namespace {

constexpr size_t kMaxPrefixes = 256;

Error refused(std::string message) { return makeError(ErrorCode::kInvalidArgument, std::move(message)); }

int hexValue(char c) {
  if (text::isDigit(c)) return c - '0';
  return text::toLower(c) - 'a' + 10;
}

// Whether `path` (decoded) is under `prefix` on a segment boundary.
bool isUnder(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return false;
  if (prefix.ends_with('/') || path.size() == prefix.size()) return true;
  return path[prefix.size()] == '/';
}

// The checks a prefix and a decoded value share: absolute, no NUL or backslash, no dot segments.
Status checkSegments(std::string_view path) {
  if (!path.starts_with('/')) return refused("is not an absolute path (it must start with '/')");
  if (path.find('\0') != std::string_view::npos) return refused("has a NUL byte");
  if (path.find('\\') != std::string_view::npos) return refused("has a backslash");
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "." || segment == "..") return refused("has a \"" + std::string(segment) + "\" segment");
    start = end + 1;
  }
  return okStatus();
}

}  // namespace

Result<std::string> decodeFilePath(std::string_view value) {
  std::string decoded;
  decoded.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%') {
      decoded.push_back(value[i]);
      continue;
    }
    if (i + 2 >= value.size() || !text::isHexDigit(value[i + 1]) || !text::isHexDigit(value[i + 2])) {
      return refused("has a '%' that does not start a %XX escape");
    }
    const char byte = static_cast<char>(hexValue(value[i + 1]) * 16 + hexValue(value[i + 2]));
    if (byte == '/' || byte == '\\') return refused("has an encoded '/' or '\\' (%2F, %5C)");
    if (byte == '%') return refused("has an encoded '%' (%25), which another reader could decode again");
    decoded.push_back(byte);
    i += 2;
  }
  if (!manifest::isWellFormedUtf8(decoded)) return refused("is not UTF-8 once percent-decoded");
  if (Status segments = checkSegments(decoded); !segments) return segments.error();
  return decoded;
}

Result<PathPrefixMatcher> PathPrefixMatcher::parse(const nlohmann::json& spec, std::string_view path) {
  if (!spec.is_array() || spec.empty() || spec.size() > kMaxPrefixes) {
    return policyError(path, "must list 1 to 256 absolute paths; write e.g. pathPrefixes: [\"/workspace/\"]");
  }
  PathPrefixMatcher matcher;
  for (size_t i = 0; i < spec.size(); ++i) {
    const std::string at = std::string(path) + "[" + std::to_string(i) + "]";
    if (!spec[i].is_string()) return policyError(at, "must be an absolute path as a string");
    const std::string& prefix = spec[i].get_ref<const std::string&>();
    if (prefix.find('%') != std::string::npos) {
      return policyError(at, "has a '%'; write the prefix as plain text, it is compared with the decoded value");
    }
    if (Status segments = checkSegments(prefix); !segments) {
      return policyError(at, segments.error().message + "; write an absolute path without \".\" or \"..\" segments");
    }
    matcher.prefixes_.push_back(prefix);
  }
  return matcher;
}

Refusal PathPrefixMatcher::check(const nlohmann::json& value, std::string_view location) const {
  if (!value.is_string()) {
    return "the value is a " + std::string(value.type_name()) + ", not a string, and " + std::string(location) +
           ".pathPrefixes applies to paths; send the path as a string";
  }
  return checkPath(value.get_ref<const std::string&>(), location);
}

Refusal PathPrefixMatcher::checkPath(std::string_view value, std::string_view location) const {
  std::string listed;
  for (const std::string& prefix : prefixes_) {
    if (!listed.empty()) listed += ", ";
    listed += prefix;
  }
  Result<std::string> decoded = decodeFilePath(value);
  if (!decoded) {
    return "the path " + quotedForMessage(std::string(value)) + " " + decoded.error().message + "; send a plain path under " +
           listed + " (" + std::string(location) + ".pathPrefixes)";
  }
  for (const std::string& prefix : prefixes_) {
    if (isUnder(*decoded, prefix)) return std::nullopt;
  }
  return "the path " + quotedForMessage(*decoded) + " is not under " + std::string(location) + ".pathPrefixes (" +
         listed + "); send a path under one of those";
}

}  // namespace agentguard::gate::policy

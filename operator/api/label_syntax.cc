#include "operator/api/label_syntax.h"

#include "common/text/ascii.h"

namespace agentguard::op {
namespace {

// A qualified name's part: alphanumerics, '-', '_', '.', beginning and ending with an alphanumeric.
std::optional<std::string> nameProblem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 63) return "must be at most 63 characters";
  if (!text::isAlnum(name.front()) || !text::isAlnum(name.back())) {
    return "must begin and end with a letter or digit";
  }
  for (const char c : name) {
    if (!text::isAlnum(c) && c != '-' && c != '_' && c != '.') {
      return "may contain only letters, digits, '-', '_' and '.'";
    }
  }
  return std::nullopt;
}

// A DNS-1123 subdomain: lower-case alphanumerics, '-' and '.', alphanumeric at both ends, at most 253.
std::optional<std::string> prefixProblem(std::string_view prefix) {
  if (prefix.empty() || prefix.size() > 253) return "has a prefix that is empty or longer than 253 characters";
  if (!text::isLowerAlnum(prefix.front()) || !text::isLowerAlnum(prefix.back())) {
    return "has a prefix that does not begin and end with a lower-case letter or digit";
  }
  for (const char c : prefix) {
    if (!text::isLowerAlnum(c) && c != '-' && c != '.') {
      return "has a prefix that is not a DNS subdomain (lower-case letters, digits, '-' and '.')";
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> labelKeyProblem(std::string_view key) {
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return nameProblem(key);
  if (auto problem = prefixProblem(key.substr(0, slash))) return problem;
  return nameProblem(key.substr(slash + 1));
}

std::optional<std::string> labelValueProblem(std::string_view value) {
  if (value.empty()) return std::nullopt;
  return nameProblem(value);
}

}  // namespace agentguard::op

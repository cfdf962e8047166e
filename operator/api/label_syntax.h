#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace agentguard::op {

// The API server's syntax for label and annotation keys (an optional DNS-1123 subdomain prefix of at most 253
// characters and '/', then a name of at most 63: alphanumerics, '-', '_', '.', alphanumeric at both ends) and
// label values (empty, or at most 63 characters of the same set). Checked before the operator writes a Pod, so
// a value the API server would answer with 422 is reported in the sandbox's status instead of retried.
// Each returns what is wrong ("must be at most 63 characters"), or nothing when the text is valid.
std::optional<std::string> labelKeyProblem(std::string_view key);
std::optional<std::string> labelValueProblem(std::string_view value);

// The API server's limit on the total size of an object's annotations (keys and values).
constexpr size_t kMaxAnnotationBytes = 256 * 1024;

}  // namespace agentguard::op

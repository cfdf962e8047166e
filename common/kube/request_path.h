#pragma once

#include <string>
#include <string_view>

namespace agentguard::kube {

// Percent-encodes one path segment (a namespace, name or subresource) per RFC 3986.
std::string encodePathSegment(std::string_view segment);

// Builds "?a=1&b=x%20y": parameters with an empty value are left out.
class QueryString {
 public:
  QueryString& add(std::string_view key, std::string_view value);
  QueryString& add(std::string_view key, long long value);
  // The query with its leading '?', or "" when no parameter was added.
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

}  // namespace agentguard::kube

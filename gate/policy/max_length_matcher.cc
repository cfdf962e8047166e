#include "gate/policy/max_length_matcher.h"

#include <cstdint>
#include <string>

#include "gate/policy/matcher_messages.h"

namespace agentguard::gate::policy {

size_t countCodePoints(std::string_view text) {
  size_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

Result<MaxLengthMatcher> MaxLengthMatcher::parse(const nlohmann::json& spec, std::string_view path) {
  const bool wholeNumber = spec.is_number_unsigned() || (spec.is_number_integer() && spec.get<int64_t>() >= 0);
  if (!wholeNumber) {
    return policyError(path, "must be a whole number of characters, 0 or more; write e.g. maxLength: 4096");
  }
  MaxLengthMatcher matcher;
  matcher.limit_ = spec.get<uint64_t>();
  return matcher;
}

Refusal MaxLengthMatcher::check(const nlohmann::json& value, std::string_view location) const {
  if (!value.is_string()) {
    return "the value is a " + std::string(value.type_name()) + ", not a string, and " + std::string(location) +
           ".maxLength applies to strings; send a string";
  }
  const size_t length = countCodePoints(value.get_ref<const std::string&>());
  if (length <= limit_) return std::nullopt;
  return "the string is " + std::to_string(length) + " characters long, over " + std::string(location) + ".maxLength (" +
         std::to_string(limit_) + "); send at most " + std::to_string(limit_) + " characters";
}

}  // namespace agentguard::gate::policy

#pragma once

#include <string>
#include <string_view>

namespace agentguard::manifest {

// Appends `text` as a quoted JSON string, byte for byte as nlohmann's dump(-1) writes it (the quote and
// the backslash escaped, \b \f \n \r \t, other control characters as \u00xx, nothing else), when the text
// is ASCII; otherwise appends nothing and returns false, leaving text that may be invalid UTF-8 to
// nlohmann's serializer, which replaces bad bytes. For hot paths that write small JSON documents
// without building a DOM: the log line, the admission answer.
bool appendAsciiJsonString(std::string& out, std::string_view text);

}  // namespace agentguard::manifest

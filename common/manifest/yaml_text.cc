#include "common/manifest/yaml_text.h"

#include <cstdio>
#include <string>

#include "common/manifest/utf8.h"

namespace agentguard::manifest {
namespace {

// go-yaml's reader accepts tab, LF, CR, printable ASCII, NEL, and U+00A0..U+10FFFF except surrogates
// and U+FFFE/U+FFFF.
bool goYamlAccepts(char32_t c) {
  return c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c <= 0x7E) || c == 0x85 ||
         (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

std::string codePoint(char32_t c) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "U+%04X", static_cast<unsigned>(c));
  return buffer;
}

// What is wrong with character `c` at byte `at`, or "" when it reads the same to both parsers.
std::string problemWith(char32_t c, std::string_view text, size_t at) {
  if (c == 0x0D) {
    if (at + 1 < text.size() && text[at + 1] == '\n') return "";
    return "a carriage return (CR) not followed by a line feed is a line break to Kubernetes' YAML reader only; "
           "end lines with LF or CRLF";
  }
  if (c == 0x85 || c == 0x2028 || c == 0x2029) {
    return "character " + codePoint(c) +
           " is a line break to Kubernetes' YAML reader only; use a newline, or write it as an escape "
           "inside a double-quoted string";
  }
  if (c == 0xFEFF) {
    if (at == 0) return "";
    return "a byte order mark (U+FEFF) may only start the file; remove it, or write \\uFEFF inside a "
           "double-quoted string";
  }
  if (!goYamlAccepts(c)) {
    return "control character " + codePoint(c) +
           " is refused by Kubernetes' YAML reader; remove it, or write it as an escape inside a double-quoted "
           "string";
  }
  return "";
}

// kubectl splits a stream at "---" lines and reads only the first YAML document of each part, so text
// after a "..." document end marker and before the next "---" is ignored by kubectl but read by us.
Status checkDocumentEnds(std::string_view text) {
  bool afterEnd = false;
  int line = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view current = text.substr(start, end - start);
    start = end + 1;
    ++line;
    if (!current.empty() && current.back() == '\r') current.remove_suffix(1);
    const auto isMarker = [&](std::string_view marker) {
      return current.substr(0, 3) == marker && (current.size() == 3 || current[3] == ' ' || current[3] == '\t');
    };
    if (isMarker("---")) {
      afterEnd = false;
    } else if (isMarker("...")) {
      afterEnd = true;
    } else if (afterEnd) {
      const size_t first = current.find_first_not_of(" \t");
      if (first != std::string_view::npos && current[first] != '#' && current[first] != '%') {
        return makeError(ErrorCode::kInvalidArgument,
                         "line " + std::to_string(line) +
                             ": content after a \"...\" document end marker is ignored by kubectl, which reads one "
                             "document between \"---\" lines; start the next document with \"---\"");
      }
    }
  }
  return okStatus();
}

}  // namespace

Status checkYamlText(std::string_view text) {
  int line = 1;
  int column = 1;
  for (size_t at = 0; at < text.size();) {
    char32_t c = 0;
    const size_t length = decodeUtf8(text, at, c);
    const auto position = [&] { return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": "; };
    if (length == 0) {
      char byte[8];
      std::snprintf(byte, sizeof(byte), "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(text[at])));
      return makeError(ErrorCode::kInvalidArgument, position() + "byte " + std::string(byte) +
                                                        " is not valid UTF-8; save the file as UTF-8");
    }
    if (std::string problem = problemWith(c, text, at); !problem.empty()) {
      return makeError(ErrorCode::kInvalidArgument, position() + problem);
    }
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    at += length;
  }
  return checkDocumentEnds(text);
}

}  // namespace agentguard::manifest

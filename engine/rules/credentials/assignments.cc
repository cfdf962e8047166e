#include "engine/rules/credentials/assignments.h"

#include <algorithm>

#include "engine/rules/credentials/char_classes.h"
#include "engine/rules/credentials/sensitive_names.h"

namespace agentguard::engine::credentials {
namespace {

constexpr bool isNameChar(char c) { return isAlnum(c) || c == '_' || c == '.' || c == '-'; }
constexpr bool isSpace(char c) { return c == ' ' || c == '\t'; }
constexpr bool isQuote(char c) { return c == '"' || c == '\''; }
constexpr size_t kMaxSpaces = 4;
// A setting's name or value longer than this is not one (names) or is cut there (values), which keeps the
// scan linear in the text's length whatever the text holds.
constexpr size_t kMaxName = 128;
constexpr size_t kMaxValue = 512;

// A value that is code or an expansion rather than a literal: os.environ["X"], get_secret(), cfg.Password,
// $(cat /run/secret), `cat x`, !vault |, a nested mapping or list, a YAML block scalar.
bool isExpression(std::string_view value) {
  if (value.empty()) return true;
  const char first = value.front();
  if (first == '$' || first == '`' || first == '{' || first == '[' || first == '|' || first == '>' || first == '!' ||
      first == '&' || first == '*') {
    return true;
  }
  bool dotted = false;
  bool identifierPath = isLetter(first) || first == '_';
  for (const char c : value) {
    if (c == '(' || c == '[' || c == '{') return true;
    if (c == '.') dotted = true;
    else if (!isAlnum(c) && c != '_') identifierPath = false;
  }
  return identifierPath && dotted && value.back() != '.';
}

// The name that ends right before `end` (after optional spaces and a closing quote), or an empty view.
std::string_view nameBefore(std::string_view text, size_t end, bool& quoted) {
  size_t at = end;
  for (size_t spaces = 0; at > 0 && isSpace(text[at - 1]) && spaces < kMaxSpaces; ++spaces) --at;
  quoted = at > 0 && isQuote(text[at - 1]);
  if (quoted) {
    --at;
    if (at > 0 && text[at - 1] == '\\') --at;  // \" of JSON inside a JSON string
  }
  const size_t nameEnd = at;
  while (at > 0 && isNameChar(text[at - 1]) && nameEnd - at < kMaxName) --at;
  if (at > 0 && isNameChar(text[at - 1])) return {};
  if (at > 0 && text[at - 1] == '/') return {};
  std::string_view name = text.substr(at, nameEnd - at);
  while (!name.empty() && name.front() == '-') name.remove_prefix(1);
  return name;
}

// The value that starts at `at` (after the operator), without quotes. `lineValue`: an unquoted value runs
// to the end of the line (YAML "name: value", INI "name = value"); otherwise to the next space or separator.
std::string_view valueAt(std::string_view text, size_t at, bool lineValue, bool& quotedValue, size_t& lineEnd) {
  quotedValue = false;
  text = text.substr(0, std::min(text.size(), at + kMaxValue));
  for (size_t spaces = 0; at < text.size() && isSpace(text[at]) && spaces < kMaxSpaces; ++spaces) ++at;
  if (at >= text.size()) return {};
  bool escapedQuote = text[at] == '\\' && at + 1 < text.size() && isQuote(text[at + 1]);
  if (escapedQuote) ++at;
  if (isQuote(text[at])) {
    quotedValue = true;
    const char quote = text[at];
    const size_t start = at + 1;
    size_t end = start;
    while (end < text.size() && text[end] != quote) ++end;
    if (escapedQuote && end > start && text[end - 1] == '\\') --end;
    return text.substr(start, end - start);
  }
  const size_t start = at;
  size_t end = start;
  if (lineValue) {
    // Several settings on one line ("a: b: c") end where the line does: the end found for the first is
    // reused, so that a line is read once however many names it holds.
    if (lineEnd > start && lineEnd <= text.size()) end = lineEnd;
    while (end < text.size() && text[end] != '\n' && text[end] != '\r' &&
           !(text[end] == '\\' && end + 1 < text.size() && text[end + 1] == 'n') &&
           !(text[end] == '#' && end > start && isSpace(text[end - 1]))) {
      ++end;
    }
    lineEnd = end;
    while (end > start && (isSpace(text[end - 1]) || text[end - 1] == ',' || text[end - 1] == ';')) --end;
  } else {
    while (end < text.size() && !isSpace(text[end]) && text[end] != '&' && text[end] != ';' && text[end] != ',' &&
           text[end] != '\n' && !isQuote(text[end]) && text[end] != ')' && text[end] != '\\') {
      ++end;
    }
  }
  return text.substr(start, end - start);
}

// Prose rather than a value: "Credentials: secrets live in Secret objects and ...".
bool isProse(std::string_view value) {
  constexpr size_t kProseWords = 4;
  size_t words = 1;
  for (size_t i = 1; i < value.size() && words < kProseWords; ++i) {
    if (value[i] == ' ' && value[i - 1] != ' ') ++words;
  }
  return words >= kProseWords;
}

// Whether the line holding `pos` is a comment up to there: "# ...", "// ..." (with the space: .npmrc lines
// start with "//registry..."), "; ..." (INI).
bool inComment(std::string_view text, size_t pos) {
  constexpr size_t kMaxLookBack = 256;
  const size_t stop = pos > kMaxLookBack ? pos - kMaxLookBack : 0;
  size_t at = pos;
  while (at > stop && text[at - 1] != '\n') --at;
  if (at > 0 && text[at - 1] != '\n') return false;  // the line start lies further back: not a comment line
  while (at < pos && isSpace(text[at])) ++at;
  return at < pos && (text[at] == '#' || text[at] == ';' || text.compare(at, 3, "// ") == 0);
}

bool isSecretLiteral(std::string_view name, std::string_view value) {
  return !name.empty() && isSensitiveName(name) && !isExpression(value) && !isNonSecretLiteral(value);
}

}  // namespace

std::string_view secretFlagName(std::string_view argument) {
  if (argument.size() < 3 || argument.front() != '-') return {};
  std::string_view name = argument;
  while (!name.empty() && name.front() == '-') name.remove_prefix(1);
  for (const char c : name) {
    if (!isNameChar(c)) return {};
  }
  return isSensitiveName(name) ? name : std::string_view{};
}

std::optional<Assignment> findSecretAssignment(std::string_view text) {
  size_t lineEnd = 0;  // where the last line value read ends (see valueAt)
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    bool quoted = false;
    if (c == '=') {
      if (i + 1 < text.size() && text[i + 1] == '=') {
        ++i;
        continue;
      }
      if (i > 0 && (text[i - 1] == '!' || text[i - 1] == '<' || text[i - 1] == '>' || text[i - 1] == '=')) continue;
      const std::string_view name = nameBefore(text, i, quoted);
      if (name.empty() || !isSensitiveName(name)) continue;
      const bool spaced = i > 0 && isSpace(text[i - 1]) && i + 1 < text.size() && isSpace(text[i + 1]);
      bool quotedValue = false;
      const std::string_view value = valueAt(text, i + 1, spaced, quotedValue, lineEnd);
      if (spaced && !quotedValue && isProse(value)) continue;
      if (isSecretLiteral(name, value) && !inComment(text, i)) return Assignment{name, value};
    } else if (c == ':') {
      // "name: value" or "name":"value"; not "://", "host:port" or "image:tag".
      if (i + 1 >= text.size()) continue;
      const char next = text[i + 1];
      if (!isSpace(next) && !isQuote(next) && next != '\\') continue;
      const std::string_view name = nameBefore(text, i, quoted);
      if (name.empty() || (!quoted && (i == 0 || isSpace(text[i - 1]))) || !isSensitiveName(name)) continue;
      bool quotedValue = false;
      const std::string_view value = valueAt(text, i + 1, true, quotedValue, lineEnd);
      if (!quotedValue && isProse(value)) continue;
      if (isSecretLiteral(name, value) && !inComment(text, i)) return Assignment{name, value};
    } else if (c == '-' && (i == 0 || isSpace(text[i - 1]) || isQuote(text[i - 1]))) {
      // --name value
      size_t end = i;
      while (end < text.size() && isNameChar(text[end])) ++end;
      if (end >= text.size() || !isSpace(text[end])) {
        i = end - 1;
        continue;
      }
      const std::string_view name = secretFlagName(text.substr(i, end - i));
      if (name.empty()) {
        i = end - 1;
        continue;
      }
      bool quotedValue = false;
      const std::string_view value = valueAt(text, end, false, quotedValue, lineEnd);
      if (!value.empty() && value.front() != '-' && isSecretLiteral(name, value)) return Assignment{name, value};
      i = end - 1;
    }
  }
  return std::nullopt;
}

}  // namespace agentguard::engine::credentials

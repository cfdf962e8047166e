#include "engine/rules/credentials/sensitive_names.h"

#include <array>

#include "engine/rules/credentials/char_classes.h"
#include "engine/rules/credentials/entropy.h"

namespace agentguard::engine::credentials {
namespace {

constexpr std::array<std::string_view, 13> kSecretWords = {
    "PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "SECRETS", "TOKEN", "APIKEY",
    "CREDENTIAL", "CREDENTIALS", "AUTH", "PRIVATEKEY", "ACCESSKEY", "SECRETKEY"};

// "<word> KEY" pairs that name a key meant to stay secret.
constexpr std::array<std::string_view, 6> kSecretKeyQualifiers = {"API", "ACCESS", "PRIVATE", "SIGNING", "ENCRYPTION",
                                                                  "MASTER"};

// Last words that make the name about a secret (where it is, how it is used) rather than the secret.
constexpr std::array<std::string_view, 45> kAboutWords = {
    "FILE", "FILES", "PATH", "DIR", "DIRECTORY", "LOCATION", "MOUNT", "NAME", "REF", "ID", "SID", "URL", "URI",
    "ENDPOINT", "HOST", "PORT", "TYPE", "MODE", "METHOD", "ENABLED", "DISABLED", "ENABLE", "DISABLE",
    "REQUIRED", "PROVIDER", "ISSUER", "AUDIENCE", "TTL", "EXPIRY", "EXPIRATION", "TIMEOUT", "LENGTH", "SIZE",
    "LIMIT", "COUNT", "VERSION", "USER", "USERNAME", "ALGORITHM", "SCOPE", "SCOPES", "KIND", "HEADER",
    "PREFIX", "INTERVAL"};

constexpr std::array<std::string_view, 3> kLimitWords = {"MAX", "MIN", "NUM"};

// The words of a name, at most kMaxWords of them, as views into the name: "dbPassword" -> db Password,
// "OPENAI_API_KEY" -> OPENAI API KEY, "APIKey" -> API Key. No allocation: this runs for every env var.
constexpr size_t kMaxWords = 16;

struct NameWords {
  std::array<std::string_view, kMaxWords> words;
  size_t count = 0;
};

NameWords nameWords(std::string_view name) {
  NameWords result;
  size_t start = 0;
  const auto close = [&](size_t end) {
    if (end > start && result.count < kMaxWords) result.words[result.count++] = name.substr(start, end - start);
    start = end;
  };
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!isAlnum(c)) {
      close(i);
      start = i + 1;
      continue;
    }
    if (i > start) {
      const char previous = name[i - 1];
      const bool camelStart = isLower(previous) && isUpper(c);
      const bool acronymEnd = isUpper(previous) && isUpper(c) && i + 1 < name.size() && isLower(name[i + 1]);
      if (camelStart || acronymEnd) close(i);
    }
  }
  close(name.size());
  return result;
}

// Case-insensitive comparison with an upper-case word.
bool sameWord(std::string_view word, std::string_view upper) {
  if (word.size() != upper.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    const char c = isLower(word[i]) ? static_cast<char>(word[i] - 'a' + 'A') : word[i];
    if (c != upper[i]) return false;
  }
  return true;
}

template <size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view word) {
  for (const auto candidate : list) {
    if (sameWord(word, candidate)) return true;
  }
  return false;
}

bool isBlank(std::string_view value) {
  for (const char c : value) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

bool equalsIgnoreCase(std::string_view value, std::string_view lower) {
  if (value.size() != lower.size()) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    if (toLower(value[i]) != lower[i]) return false;
  }
  return true;
}

// An absolute path of plain name characters: /var/run/secrets/google/key.json.
bool isMountedFilePath(std::string_view value) {
  if (value.size() < 2 || value.front() != '/') return false;
  for (const char c : value) {
    if (!isAlnum(c) && c != '/' && c != '.' && c != '-' && c != '_') return false;
  }
  return isNameOrPath(value);
}

}  // namespace

bool isSensitiveName(std::string_view name) {
  const NameWords parts = nameWords(name);
  if (parts.count == 0) return false;
  const auto& words = parts.words;
  if (contains(kAboutWords, words[parts.count - 1]) || contains(kLimitWords, words[0])) return false;
  for (size_t i = 0; i < parts.count; ++i) {
    if (contains(kSecretWords, words[i])) return true;
    if (sameWord(words[i], "KEY") && i > 0 && contains(kSecretKeyQualifiers, words[i - 1])) return true;
  }
  return false;
}

bool isNonSecretLiteral(std::string_view value) {
  if (isBlank(value)) return true;
  if (value.find("$(") != std::string_view::npos) return true;
  if (value.size() >= 4 && value.substr(0, 2) == "${" && value.back() == '}') return true;
  for (const auto word : {"true", "false", "yes", "no", "on", "off", "enabled", "disabled"}) {
    if (equalsIgnoreCase(value, word)) return true;
  }
  return isMountedFilePath(value);
}

}  // namespace agentguard::engine::credentials

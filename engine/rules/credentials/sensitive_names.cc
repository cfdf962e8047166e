#include "engine/rules/credentials/sensitive_names.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "engine/rules/credentials/char_classes.h"
#include "engine/rules/credentials/entropy.h"

namespace agentguard::engine::credentials {
namespace {

constexpr std::array<std::string_view, 15> kSecretWords = {
    "PASSWORD", "PASSWD", "PASSPHRASE", "PWD", "PASS", "SECRET", "SECRETS", "TOKEN", "APIKEY",
    "CREDENTIAL", "CREDENTIALS", "AUTH", "PRIVATEKEY", "ACCESSKEY", "SECRETKEY"};

// Secret words that also end compound words written without a separator: PGPASSWORD, GITHUBTOKEN,
// OPENAIAPIKEY. Short words (PASS, PWD, AUTH) are left out: as endings they are mostly other words (BYPASS,
// OAUTH).
constexpr std::array<std::string_view, 8> kGluedSecretEndings = {
    "PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "ACCESSKEY", "SECRETKEY"};
constexpr size_t kShortestGluedPrefix = 2;

// "<word> KEY" pairs that name a key meant to stay secret.
constexpr std::array<std::string_view, 6> kSecretKeyQualifiers = {"API", "ACCESS", "PRIVATE", "SIGNING", "ENCRYPTION",
                                                                  "MASTER"};

// Last words that make the name about a secret (where it is, how it is used) rather than the secret.
constexpr std::array<std::string_view, 66> kAboutWords = {
    "FILE", "FILES", "PATH", "DIR", "DIRECTORY", "LOCATION", "MOUNT", "NAME", "REF", "ID", "SID", "URL", "URI",
    "ENDPOINT", "HOST", "PORT", "TYPE", "MODE", "METHOD", "ENABLED", "DISABLED", "ENABLE", "DISABLE",
    "REQUIRED", "PROVIDER", "ISSUER", "AUDIENCE", "TTL", "EXPIRY", "EXPIRATION", "TIMEOUT", "LENGTH", "SIZE",
    "LIMIT", "COUNT", "VERSION", "USER", "USERNAME", "ALGORITHM", "SCOPE", "SCOPES", "KIND", "HEADER",
    "PREFIX", "INTERVAL", "BUDGET", "REALM", "POLICY", "STRATEGY", "BACKEND", "SERVER", "SERVICE", "DOMAIN",
    "FORMAT", "SECONDS", "MINUTES", "HOURS", "DAYS", "MS", "RATE", "STORE", "ENV", "VAR", "VARIABLE", "CLASS",
    "BINDING"};

constexpr std::array<std::string_view, 3> kLimitWords = {"MAX", "MIN", "NUM"};

// Calls `visit` with each word of a name, at most kMaxWords of them, as views into the name: "dbPassword"
// -> db Password, "OPENAI_API_KEY" -> OPENAI API KEY, "APIKey" -> API Key. No allocation: this runs for
// every env var.
constexpr size_t kMaxWords = 16;

// What a character is to the word splitting, from one table lookup.
enum class CharKind : uint8_t { kSeparator, kLower, kUpper, kDigit };

constexpr std::array<CharKind, 256> charKinds() {
  std::array<CharKind, 256> kinds{};
  for (size_t c = 0; c < kinds.size(); ++c) {
    const auto ch = static_cast<char>(c);
    kinds[c] = isLower(ch) ? CharKind::kLower : isUpper(ch) ? CharKind::kUpper : isDigit(ch) ? CharKind::kDigit
                                                                                           : CharKind::kSeparator;
  }
  return kinds;
}
constexpr std::array<CharKind, 256> kCharKinds = charKinds();

CharKind kindOf(char c) { return kCharKinds[static_cast<unsigned char>(c)]; }

template <typename Visit>
void forEachWord(std::string_view name, Visit visit) {
  size_t start = 0;
  size_t count = 0;
  const auto close = [&](size_t end) {
    if (end > start && count < kMaxWords) {
      visit(name.substr(start, end - start));
      ++count;
    }
    start = end;
  };
  CharKind previous = CharKind::kSeparator;
  for (size_t i = 0; i < name.size(); ++i) {
    const CharKind kind = kindOf(name[i]);
    if (kind == CharKind::kSeparator) {
      close(i);
      start = i + 1;
    } else if (kind == CharKind::kUpper && i > start) {
      // "dbPassword": a capital after a lower-case letter; "APIKey": the last capital of an acronym.
      const bool camelStart = previous == CharKind::kLower;
      const bool acronymEnd =
          previous == CharKind::kUpper && i + 1 < name.size() && kindOf(name[i + 1]) == CharKind::kLower;
      if (camelStart || acronymEnd) close(i);
    }
    previous = kind;
  }
  close(name.size());
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

// What a word of a name may say, as bit flags: the lists above merged into one table, so that each word of
// a name is looked up once, among the few listed words with its first letter.
enum WordRole : uint8_t {
  kSecretWord = 1,    // kSecretWords
  kAboutWord = 2,     // kAboutWords, as the last word
  kLimitWord = 4,     // kLimitWords, as the first word
  kKeyQualifier = 8,  // kSecretKeyQualifiers, before KEY
  kKey = 16,          // "KEY"
};

struct RoleWord {
  std::string_view word;
  uint8_t roles = 0;
};

constexpr size_t kRoleWordCount =
    kSecretWords.size() + kAboutWords.size() + kLimitWords.size() + kSecretKeyQualifiers.size() + 1;

// Every listed word with its roles, sorted by first letter, then length.
constexpr std::array<RoleWord, kRoleWordCount> roleWords() {
  std::array<RoleWord, kRoleWordCount> words{};
  size_t n = 0;
  const auto add = [&](const auto& list, uint8_t role) {
    for (const auto word : list) words[n++] = {word, role};
  };
  add(kSecretWords, kSecretWord);
  add(kAboutWords, kAboutWord);
  add(kLimitWords, kLimitWord);
  add(kSecretKeyQualifiers, kKeyQualifier);
  words[n++] = {"KEY", kKey};
  std::sort(words.begin(), words.end(), [](const RoleWord& a, const RoleWord& b) {
    if (a.word[0] != b.word[0]) return a.word[0] < b.word[0];
    if (a.word.size() != b.word.size()) return a.word.size() < b.word.size();
    return a.word < b.word;
  });
  return words;
}
constexpr std::array<RoleWord, kRoleWordCount> kRoleWords = roleWords();

constexpr bool listedOnce() {
  for (size_t i = 0; i < kRoleWords.size(); ++i) {
    for (const char c : kRoleWords[i].word) {
      if (!isUpper(c)) return false;
    }
    if (kRoleWords[i].word.empty() || (i > 0 && kRoleWords[i - 1].word == kRoleWords[i].word)) return false;
  }
  return true;
}
static_assert(listedOnce(), "every listed word is upper case and in one list only");

constexpr size_t longestWord() {
  size_t longest = 0;
  for (const auto& entry : kRoleWords) longest = std::max(longest, entry.word.size());
  return longest;
}
constexpr size_t kLongestWord = longestWord();

// The slice of kRoleWords with each first letter (A..Z) and length (0..kLongestWord): a word is compared
// with at most a few listed words, and most words of a name with none.
struct WordRange {
  uint8_t begin = 0;
  uint8_t end = 0;
};
using WordIndex = std::array<std::array<WordRange, kLongestWord + 1>, 26>;

constexpr WordIndex wordIndex() {
  WordIndex index{};
  for (size_t i = 0; i < kRoleWords.size(); ++i) {
    WordRange& range = index[static_cast<size_t>(kRoleWords[i].word[0] - 'A')][kRoleWords[i].word.size()];
    if (range.begin == range.end) range.begin = static_cast<uint8_t>(i);
    range.end = static_cast<uint8_t>(i + 1);
  }
  return index;
}
constexpr WordIndex kWordIndex = wordIndex();

// Whether a word is a compound that ends in a secret word: PGPASSWORD, githubToken's "GITHUBTOKEN" form.
bool endsInSecretWord(std::string_view word) {
  for (const auto ending : kGluedSecretEndings) {
    if (word.size() >= ending.size() + kShortestGluedPrefix &&
        sameWord(word.substr(word.size() - ending.size()), ending)) {
      return true;
    }
  }
  return false;
}

// The roles of one word of a name; 0 for the words no list holds (most of them).
uint8_t rolesOf(std::string_view word) {
  if (!isLetter(word.front())) return 0;
  if (word.size() <= kLongestWord) {
    const WordRange range = kWordIndex[static_cast<size_t>(toLower(word.front()) - 'a')][word.size()];
    for (size_t i = range.begin; i < range.end; ++i) {
      if (sameWord(word, kRoleWords[i].word)) return kRoleWords[i].roles;
    }
  }
  return endsInSecretWord(word) ? kSecretWord : 0;
}

bool isBlank(std::string_view value) {
  for (const char c : value) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
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

// The letters of a text as bits 0..25, upper and lower case alike.
constexpr std::array<uint32_t, 256> letterBits() {
  std::array<uint32_t, 256> bits{};
  for (char c = 'a'; c <= 'z'; ++c) {
    bits[static_cast<unsigned char>(c)] = uint32_t{1} << (c - 'a');
    bits[static_cast<unsigned char>(c - 'a' + 'A')] = uint32_t{1} << (c - 'a');
  }
  return bits;
}
constexpr std::array<uint32_t, 256> kLetterBits = letterBits();

constexpr uint32_t lettersOf(std::string_view text) {
  uint32_t letters = 0;
  for (const char c : text) letters |= kLetterBits[static_cast<unsigned char>(c)];
  return letters;
}

// The letters of each word that can make a name sensitive: the secret words, and KEY.
constexpr std::array<uint32_t, kSecretWords.size() + 1> secretWordLetters() {
  std::array<uint32_t, kSecretWords.size() + 1> letters{};
  for (size_t i = 0; i < kSecretWords.size(); ++i) letters[i] = lettersOf(kSecretWords[i]);
  letters[kSecretWords.size()] = lettersOf("KEY");
  return letters;
}
constexpr std::array<uint32_t, kSecretWords.size() + 1> kSecretWordLetters = secretWordLetters();

// False when the name lacks a letter of every word that could make it sensitive, so that it cannot hold
// one of them: a quicker answer than splitting the name, and the usual one.
bool mayHoldSecretWord(std::string_view name) {
  const uint32_t letters = lettersOf(name);
  for (const uint32_t word : kSecretWordLetters) {
    if ((letters & word) == word) return true;
  }
  return false;
}

}  // namespace

bool isSensitiveName(std::string_view name) {
  if (!mayHoldSecretWord(name)) return false;
  bool secret = false;
  size_t words = 0;
  uint8_t first = 0;
  uint8_t previous = 0;
  forEachWord(name, [&](std::string_view word) {
    const uint8_t roles = rolesOf(word);
    if (words++ == 0) first = roles;
    secret = secret || (roles & kSecretWord) != 0 || ((roles & kKey) != 0 && (previous & kKeyQualifier) != 0);
    previous = roles;
  });
  // `previous` now holds the last word's roles.
  return secret && (previous & kAboutWord) == 0 && (first & kLimitWord) == 0;
}

bool isNonSecretLiteral(std::string_view value) {
  if (isBlank(value)) return true;
  if (isReferenceOnly(value)) return true;
  for (const auto word : {"true", "false", "yes", "no", "on", "off", "enabled", "disabled"}) {
    if (equalsIgnoreCase(value, word)) return true;
  }
  return isPlaceholder(value) || isMountedFilePath(value);
}

bool isReferenceOnly(std::string_view value) {
  bool referenced = false;
  std::string_view literal;  // the current run of literal letters and digits
  const auto literalIsScheme = [&literal] {
    if (literal.size() < 3) return true;
    for (const auto scheme : {"bearer", "basic", "token", "digest"}) {
      if (equalsIgnoreCase(literal, scheme)) return true;
    }
    return false;
  };
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i < value.size() && isAlnum(value[i])) {
      literal = literal.empty() ? value.substr(i, 1) : std::string_view(literal.data(), literal.size() + 1);
      continue;
    }
    if (!literalIsScheme()) return false;
    literal = {};
    if (i == value.size()) break;
    const size_t end = referenceEnd(value, i);
    if (end == i) continue;
    referenced = true;
    i = end - 1;
  }
  return referenced;
}

size_t referenceEnd(std::string_view text, size_t pos) {
  if (pos >= text.size() || text[pos] != '$') return pos;
  if (pos + 1 < text.size() && text[pos + 1] == '$') return pos;  // "$$" escapes: "$$(X)" is the text "$(X)"
  if (pos > 0 && text[pos - 1] == '$') return pos;
  const bool parenthesis = text.compare(pos, 2, "$(") == 0;
  const bool brace = text.compare(pos, 2, "${") == 0;
  if (parenthesis || brace) {
    const size_t name = runLength(text, pos + 2, [](char c) { return isAlnum(c) || c == '_' || c == '.' || c == '-'; });
    const size_t close = pos + 2 + name;
    if (name == 0 || close >= text.size() || text[close] != (parenthesis ? ')' : '}')) return pos;
    return close + 1;
  }
  // $NAME, as a shell expands it.
  if (pos + 1 >= text.size() || !(isLetter(text[pos + 1]) || text[pos + 1] == '_')) return pos;
  return pos + 1 + runLength(text, pos + 1, [](char c) { return isAlnum(c) || c == '_'; });
}

bool isPlaceholder(std::string_view value) {
  constexpr size_t kMinMaskRun = 8;
  while (!value.empty() && (value.front() == ' ' || value.front() == '"' || value.front() == '\'')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '"' || value.back() == '\'')) value.remove_suffix(1);
  if (value.size() >= 2 && value.front() == '<' && value.back() == '>') return true;
  if (value.size() >= 4 && value.substr(0, 2) == "{{" && value.substr(value.size() - 2) == "}}") return true;
  if (value == "%s" || value == "%v") return true;
  // A mask: xxxx, ****, XXXX-XXXX, ••• written as dots.
  size_t maskChars = 0;
  bool onlyMask = !value.empty();
  for (const char c : value) {
    if (c == 'x' || c == 'X' || c == '*' || c == '.') ++maskChars;
    else if (c != '-' && c != '_') onlyMask = false;
  }
  if (onlyMask && maskChars >= 3) return true;
  // A known prefix followed by a mask: ghp_xxxxxxxx..., AKIAXXXXXXXXXXXXXXXX, sk-********.
  const char last = value.back();
  if (last == 'x' || last == 'X' || last == '*') {
    size_t run = 0;
    while (run < value.size() && value[value.size() - 1 - run] == last) ++run;
    if (run >= kMinMaskRun && run * 3 >= value.size() * 2) return true;
  }
  // The words of a placeholder, squeezed: "change-me", "REPLACE_ME", "your-api-key-here", "<your-key>".
  std::string squeezed;
  for (const char c : value) {
    if (isAlnum(c)) squeezed.push_back(toLower(c));
    else if (c != '-' && c != '_' && c != ' ' && c != '.') return false;
  }
  for (const auto word : {"changeme", "changeit", "replaceme", "example", "placeholder", "redacted", "dummy", "todo",
                          "tbd", "none", "null", "nil", "notset", "unset"}) {
    if (squeezed == word) return true;
  }
  // "your..." of letters only: your-api-key, YOUR_TOKEN_HERE.
  if (squeezed.size() > 4 && squeezed.compare(0, 4, "your") == 0) {
    for (const char c : squeezed) {
      if (!isLetter(c)) return false;
    }
    return true;
  }
  return false;
}

}  // namespace agentguard::engine::credentials

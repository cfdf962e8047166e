// Longer than most files, for a reason: it holds the table of credential token formats (one entry per
// format) and the single scan that looks for all of them at once, which must stay beside the table it
// reads. A new format is one table entry; the static_asserts below refuse a table the scan cannot use.
#include "engine/rules/credentials/token_patterns.h"

#include <algorithm>
#include <array>
#include <bit>
#include <optional>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "engine/rules/credentials/char_classes.h"
#include "engine/rules/credentials/key_material.h"
#include "engine/rules/credentials/sensitive_names.h"

namespace agentguard::engine::credentials {
namespace {

constexpr size_t kUnbounded = std::string_view::npos;

constexpr bool isUpperOrDigit(char c) { return isUpper(c) || isDigit(c); }
constexpr bool isAlnumOrUnderscore(char c) { return isAlnum(c) || c == '_'; }
constexpr bool isAlnumOrDash(char c) { return isAlnum(c) || c == '-'; }
constexpr bool isWebhookPathChar(char c) { return isAlnum(c) || c == '/'; }

// A format that is a fixed prefix followed by a run of body characters.
struct PrefixFormat {
  std::string_view prefix;
  std::string_view type;
  bool (*bodyChar)(char);
  size_t minBody;
  size_t maxBody;  // == minBody for fixed-length formats; kUnbounded when open-ended
  bool needsDigit = false;
};

// Longer prefixes come before shorter ones that share their start (sk-ant- before sk-), and formats with
// the same first character are next to each other (checked below), so that a character finds its
// candidates as one slice.
constexpr std::array<PrefixFormat, 32> kPrefixFormats = {{
    {"AKIA", "AWS access key ID", isUpperOrDigit, 16, 16},
    {"ASIA", "AWS temporary access key ID", isUpperOrDigit, 16, 16},
    {"AGPA", "AWS IAM group ID", isUpperOrDigit, 16, 16},
    {"AIDA", "AWS IAM user ID", isUpperOrDigit, 16, 16},
    {"AROA", "AWS IAM role ID", isUpperOrDigit, 16, 16},
    {"ANPA", "AWS managed policy ID", isUpperOrDigit, 16, 16},
    {"ANVA", "AWS managed policy version ID", isUpperOrDigit, 16, 16},
    {"AIPA", "AWS instance profile ID", isUpperOrDigit, 16, 16},
    {"AIza", "Google API key", isBase64UrlChar, 35, 35},
    {"ghp_", "GitHub personal access token", isAlnum, 36, 36},
    {"gho_", "GitHub OAuth access token", isAlnum, 36, 36},
    {"ghu_", "GitHub user-to-server token", isAlnum, 36, 36},
    {"ghs_", "GitHub server-to-server token", isAlnum, 36, 36},
    {"ghr_", "GitHub refresh token", isAlnum, 36, 36},
    {"github_pat_", "GitHub fine-grained personal access token", isAlnumOrUnderscore, 82, 82},
    {"glpat-", "GitLab personal access token", isBase64UrlChar, 20, kUnbounded},
    {"xoxb-", "Slack bot token", isAlnumOrDash, 10, kUnbounded},
    {"xoxp-", "Slack user token", isAlnumOrDash, 10, kUnbounded},
    {"xoxa-", "Slack app token", isAlnumOrDash, 10, kUnbounded},
    {"xoxr-", "Slack refresh token", isAlnumOrDash, 10, kUnbounded},
    {"xoxs-", "Slack session token", isAlnumOrDash, 10, kUnbounded},
    {"rk_live_", "Stripe live restricted key", isAlnum, 16, kUnbounded},
    {"sk_live_", "Stripe live secret key", isAlnum, 16, kUnbounded},
    {"sk-ant-", "Anthropic API key", isBase64UrlChar, 20, kUnbounded},
    {"sk-proj-", "OpenAI project API key", isBase64UrlChar, 20, kUnbounded},
    {"sk-svcacct-", "OpenAI service account key", isBase64UrlChar, 20, kUnbounded},
    {"sk-admin-", "OpenAI admin key", isBase64UrlChar, 20, kUnbounded},
    {"sk-", "OpenAI API key", isAlnum, 32, kUnbounded, true},
    {"hf_", "Hugging Face access token", isAlnum, 34, 34},
    {"npm_", "npm access token", isAlnum, 36, 36},
    {"SG.", "SendGrid API key", nullptr, 0, 0},  // two dot-separated parts; see matchSendGrid
    {"SK", "Twilio API key", nullptr, 0, 0},     // only next to the word "twilio"; see matchTwilio
}};

constexpr std::string_view kSlackWebhook = "hooks.slack.com/services/";
constexpr std::string_view kBase64Pem = "LS0tLS1CRUdJTi";  // "-----BEGIN" in base64

// What a character may begin, as bit flags in one table, so that the scan of a text loads one byte per
// character and learns at the same time which of the searches after it can be skipped.
enum CharRole : unsigned char {
  kStartsAnywhere = 1,       // '-' (PEM header), 'h' (Slack webhook URL)
  kStartsToken = 2,          // first character of a format that starts at a token boundary
  kMaySpellSecret = 4,       // 's', 'S': "secret", "SECRET" or "Secret" of an AWS secret key assignment
  kMayNamePrivateKeyId = 8,  // 'p': "private_key_id" of a Google service account key
  kMaySeparateScheme = 16,   // ':' of the "://" of a URL with a password
  kNotTokenChar = 32,        // not a base64url character: a token may start after it
  kEscapeLetter = 64,        // 'n', 't', 'r': after a backslash, an escaped separator (see startsAtBoundary)
};

constexpr std::array<unsigned char, 256> charRoles() {
  std::array<unsigned char, 256> roles{};
  const auto add = [&roles](char c, CharRole role) { roles[static_cast<unsigned char>(c)] |= role; };
  for (const auto& format : kPrefixFormats) add(format.prefix[0], kStartsToken);
  add('e', kStartsToken);  // JWT
  add('L', kStartsToken);  // base64 PEM
  add('-', kStartsAnywhere);
  add('h', kStartsAnywhere);  // hf_ is only matched at a boundary, which matchAt checks
  add('s', kMaySpellSecret);
  add('S', kMaySpellSecret);
  add('p', kMayNamePrivateKeyId);
  add(':', kMaySeparateScheme);
  for (size_t c = 0; c < roles.size(); ++c) {
    if (!isBase64UrlChar(static_cast<char>(c))) roles[c] |= kNotTokenChar;
  }
  add('n', kEscapeLetter);
  add('t', kEscapeLetter);
  add('r', kEscapeLetter);
  return roles;
}
constexpr std::array<unsigned char, 256> kCharRoles = charRoles();

// The slice of kPrefixFormats whose prefixes start with each character.
struct FormatRange {
  unsigned char begin = 0;
  unsigned char end = 0;
};

constexpr std::array<FormatRange, 256> formatRanges() {
  std::array<FormatRange, 256> ranges{};
  for (size_t i = 0; i < kPrefixFormats.size(); ++i) {
    FormatRange& range = ranges[static_cast<unsigned char>(kPrefixFormats[i].prefix[0])];
    if (range.begin == range.end) range.begin = static_cast<unsigned char>(i);
    range.end = static_cast<unsigned char>(i + 1);
  }
  return ranges;
}
constexpr std::array<FormatRange, 256> kFormatRanges = formatRanges();

constexpr bool formatsSharingAFirstCharacterAreAdjacent() {
  for (size_t i = 0; i < kPrefixFormats.size(); ++i) {
    const FormatRange range = kFormatRanges[static_cast<unsigned char>(kPrefixFormats[i].prefix[0])];
    if (i < range.begin || i >= range.end) return false;
    for (size_t k = range.begin; k < range.end; ++k) {
      if (kPrefixFormats[k].prefix[0] != kPrefixFormats[i].prefix[0]) return false;
    }
  }
  return true;
}
static_assert(formatsSharingAFirstCharacterAreAdjacent(), "keep formats with the same first character together");

constexpr CharTable kBase64UrlChars = charTable(isBase64UrlChar);

// A token starts where no letter, digit, '-' or '_' precedes it; an escaped newline or tab ("\n" inside a
// JSON string, as in kubectl's last-applied-configuration) counts as a separator too. Because a body
// never starts inside a run of body characters, every character is scanned a bounded number of times.
bool startsAtBoundary(std::string_view text, size_t pos) {
  if (pos == 0 || !inTable(kBase64UrlChars, text[pos - 1])) return true;
  const char escaped = text[pos - 1];
  return pos >= 2 && text[pos - 2] == '\\' && (escaped == 'n' || escaped == 't' || escaped == 'r');
}

// Whether `prefix` starts at `pos`. Compared inline: most candidates differ in their second character, and
// a library call per candidate costs more than that.
bool hasPrefixAt(std::string_view text, size_t pos, std::string_view prefix) {
  if (text.size() - pos < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (text[pos + i] != prefix[i]) return false;
  }
  return true;
}

bool endsAtBoundary(std::string_view text, size_t end) { return end >= text.size() || !isAlnum(text[end]); }

bool hasDigit(std::string_view text) {
  for (const char c : text) {
    if (isDigit(c)) return true;
  }
  return false;
}

// A body of one repeated character, or of x, X and 0 only: ghp_xxxx..., AKIAXXXXXXXXXXXXXXXX, placeholders
// in documentation and templates rather than credentials.
bool isMaskedBody(std::string_view body) {
  bool same = true;
  bool mask = true;
  for (const char c : body) {
    same = same && c == body.front();
    mask = mask && (c == 'x' || c == 'X' || c == '0');
  }
  return same || mask;
}

size_t matchPrefixFormat(std::string_view text, size_t pos, const PrefixFormat& format) {
  const size_t bodyStart = pos + format.prefix.size();
  const size_t limit = format.maxBody == kUnbounded ? kUnbounded : format.maxBody + 1;
  const size_t body = runLength(text, bodyStart, format.bodyChar, limit);
  if (body < format.minBody || body > format.maxBody) return 0;
  if (!endsAtBoundary(text, bodyStart + body)) return 0;
  if (format.needsDigit && !hasDigit(text.substr(bodyStart, body))) return 0;
  if (isMaskedBody(text.substr(bodyStart, body))) return 0;
  return format.prefix.size() + body;
}

// SG.<22 base64url>.<43 base64url>
size_t matchSendGrid(std::string_view text, size_t pos) {
  size_t at = pos + 3;
  if (runLength(text, at, isBase64UrlChar, 23) != 22) return 0;
  at += 22;
  if (at >= text.size() || text[at] != '.') return 0;
  ++at;
  if (runLength(text, at, isBase64UrlChar, 44) != 43) return 0;
  at += 43;
  return endsAtBoundary(text, at) ? at - pos : 0;
}

// SK<32 hex>: far too generic on its own, so only where the text or its name mentions Twilio.
size_t matchTwilio(std::string_view text, size_t pos) {
  if (runLength(text, pos + 2, isHexDigit, 33) != 32) return 0;
  return endsAtBoundary(text, pos + 34) ? 34 : 0;
}

// eyJ<header>.ey<payload>.<signature>: a signed JSON Web Token (the header and payload are base64url JSON).
size_t matchJwt(std::string_view text, size_t pos) {
  if (text.compare(pos, 3, "eyJ") != 0) return 0;
  const size_t header = runLength(text, pos, isBase64UrlChar);
  if (header < 13) return 0;
  size_t at = pos + header;
  if (at >= text.size() || text[at] != '.') return 0;
  ++at;
  if (text.compare(at, 2, "ey") != 0) return 0;
  const size_t payload = runLength(text, at, isBase64UrlChar);
  if (payload < 10) return 0;
  at += payload;
  if (at >= text.size() || text[at] != '.') return 0;
  ++at;
  const size_t signature = runLength(text, at, isBase64UrlChar);
  if (signature < 10) return 0;
  return at + signature - pos;
}

// Whether key material follows a PEM header ending at `at`: after line breaks (also as the escapes "\n" and
// "\r" of JSON) and RFC 1421 header lines such as "Proc-Type: 4,ENCRYPTED", a run of base64. A header with
// nothing after it is text about a key (a script that greps for one), not a key.
bool pemBodyFollows(std::string_view text, size_t at) {
  constexpr size_t kMinBody = 32;
  constexpr int kMaxHeaderLines = 4;
  int headerLines = 0;
  while (at < text.size()) {
    const char c = text[at];
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') {
      ++at;
    } else if (c == '\\' && at + 1 < text.size() && (text[at + 1] == 'n' || text[at + 1] == 'r')) {
      at += 2;
    } else {
      const size_t run = runLength(text, at, isBase64Char);
      if (run >= kMinBody) return true;
      // An RFC 1421 header line: "Name: value" up to the next line break.
      if (run == 0 || headerLines++ == kMaxHeaderLines) return false;
      const size_t colon = runLength(text, at, [](char ch) { return isAlnum(ch) || ch == '-'; });
      if (at + colon >= text.size() || text[at + colon] != ':') return false;
      while (at < text.size() && text[at] != '\n' && text[at] != '\\') ++at;
    }
  }
  return false;
}

size_t matchPemPrivateKey(std::string_view text, size_t pos) {
  size_t headerEnd = pos;
  const std::string_view label = pemLabelAt(text, pos, headerEnd);
  if (classifyPemLabel(label) != KeyMaterial::kPrivateKey || !pemBodyFollows(text, headerEnd)) return 0;
  return headerEnd - pos;
}

size_t matchBase64PemPrivateKey(std::string_view text, size_t pos) {
  if (text.compare(pos, kBase64Pem.size(), kBase64Pem) != 0) return 0;
  // The label lies within the first 80 characters; only a private key's run is measured in full.
  if (classifyBase64KeyMaterial(text.substr(pos, 80)) != KeyMaterial::kPrivateKey) return 0;
  const size_t run = runLength(text, pos, [](char c) { return isBase64Char(c) || c == '='; });
  return run >= 40 ? run : 0;
}

size_t matchSlackWebhook(std::string_view text, size_t pos) {
  if (text.compare(pos, kSlackWebhook.size(), kSlackWebhook) != 0) return 0;
  const size_t path = runLength(text, pos + kSlackWebhook.size(), isWebhookPathChar);
  return path >= 20 ? kSlackWebhook.size() + path : 0;
}

// The first format that matches at `pos`, if any.
bool matchAt(std::string_view text, size_t pos, const std::optional<bool>& twilioContext, TokenMatch& match) {
  const char first = text[pos];
  if (first == '-') {
    if (!hasPrefixAt(text, pos, "-----")) return false;
    match = {"PEM private key", pos, matchPemPrivateKey(text, pos)};
    return match.length > 0;
  }
  if (first == 'h' && hasPrefixAt(text, pos, kSlackWebhook)) {
    match = {"Slack webhook URL", pos, matchSlackWebhook(text, pos)};
    return match.length > 0;
  }
  if (!startsAtBoundary(text, pos)) return false;
  if (first == 'e') {
    match = {"JSON Web Token", pos, matchJwt(text, pos)};
    return match.length > 0;
  }
  if (first == 'L') {
    match = {"base64-encoded PEM private key", pos, matchBase64PemPrivateKey(text, pos)};
    if (match.length > 0) return true;
  }
  const FormatRange range = kFormatRanges[static_cast<unsigned char>(first)];
  for (size_t i = range.begin; i < range.end; ++i) {
    const PrefixFormat& format = kPrefixFormats[i];
    if (!hasPrefixAt(text, pos, format.prefix)) continue;
    size_t length = 0;
    if (format.prefix == "SG.") length = matchSendGrid(text, pos);
    else if (format.prefix == "SK") length = twilioContext.value_or(false) ? matchTwilio(text, pos) : 0;
    else length = matchPrefixFormat(text, pos, format);
    if (length > 0) {
      match = {format.type, pos, length};
      return true;
    }
  }
  return false;
}

// Whether the letters and digits of `name`, lower-cased and with everything else left out, contain
// `needle` (lower case, alphanumeric). No copy of the name is made: this runs for every named place.
bool containsSqueezed(std::string_view name, std::string_view needle) {
  for (size_t start = 0; start < name.size(); ++start) {
    if (toLower(name[start]) != needle[0]) continue;
    size_t matched = 0;
    for (size_t i = start; i < name.size() && matched < needle.size(); ++i) {
      if (!isAlnum(name[i])) continue;
      if (toLower(name[i]) != needle[matched]) break;
      ++matched;
    }
    if (matched == needle.size()) return true;
  }
  return false;
}

// "AWS_SECRET_ACCESS_KEY", "aws_secret_key", "SecretAccessKey": letters of the name, lower case, without
// separators, contain one of these.
bool namesAwsSecretKey(std::string_view name) {
  // Both spellings end in "key": a name without a 'k' names neither, and that is quicker to find out.
  if (name.find('k') == std::string_view::npos && name.find('K') == std::string_view::npos) return false;
  return containsSqueezed(name, "secretaccesskey") || containsSqueezed(name, "awssecretkey");
}

// Skips `word` (lower case) at `pos` when the text has it there in any case.
bool skipWord(std::string_view text, size_t& pos, std::string_view word) {
  if (pos > text.size() || !equalsIgnoreCase(text.substr(pos, word.size()), word)) return false;
  pos += word.size();
  return true;
}

void skipSeparator(std::string_view text, size_t& pos) {
  if (pos < text.size() && (text[pos] == '_' || text[pos] == '-')) ++pos;
}

bool isQuoteOrSpace(char c) { return c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '\\'; }

// Finds "secret", "SECRET" and "Secret" in order with the library's fast search, remembering where each
// spelling occurs next so that the text is searched once per spelling.
class SecretWordFinder {
 public:
  explicit SecretWordFinder(std::string_view text) : text_(text) {}

  size_t next(size_t from) {
    size_t best = std::string_view::npos;
    for (size_t i = 0; i < kSpellings.size(); ++i) {
      if (next_[i] != std::string_view::npos && (!searched_[i] || next_[i] < from)) {
        next_[i] = text_.find(kSpellings[i], from);
        searched_[i] = true;
      }
      best = std::min(best, next_[i]);
    }
    return best;
  }

 private:
  static constexpr std::array<std::string_view, 3> kSpellings = {"secret", "SECRET", "Secret"};
  std::string_view text_;
  std::array<size_t, 3> next_{0, 0, 0};
  std::array<bool, 3> searched_{};
};

// aws_secret_access_key = <40 base64 characters>, as in ~/.aws/credentials, env files and JSON.
void findAwsSecretAssignments(std::string_view text, std::vector<TokenMatch>& out) {
  SecretWordFinder finder(text);
  size_t from = 0;
  while (true) {
    const size_t secret = finder.next(from);
    if (secret == std::string_view::npos) return;
    from = secret + 6;
    size_t at = from;
    skipSeparator(text, at);
    bool named = false;
    size_t afterAccess = at;
    if (skipWord(text, afterAccess, "access")) {
      skipSeparator(text, afterAccess);
      named = skipWord(text, afterAccess, "key");
      at = afterAccess;
    } else {
      size_t before = secret;
      if (before > 0 && (text[before - 1] == '_' || text[before - 1] == '-')) --before;
      size_t awsStart = before >= 3 ? before - 3 : 0;
      named = before >= 3 && skipWord(text, awsStart, "aws") && skipWord(text, at, "key");
    }
    if (!named) continue;
    size_t skipped = 0;
    while (at < text.size() && isQuoteOrSpace(text[at]) && skipped++ < 4) ++at;
    if (at >= text.size() || (text[at] != '=' && text[at] != ':')) continue;
    ++at;
    skipped = 0;
    while (at < text.size() && isQuoteOrSpace(text[at]) && skipped++ < 4) ++at;
    const size_t value = runLength(text, at, isBase64Char, 41);
    if (value != 40 || (at + value < text.size() && text[at + value] == '=')) continue;
    out.push_back({"AWS secret access key", at, value});
    from = at + value;
  }
}

// A Google service account key file: JSON with "private_key_id" and "private_key" fields.
void findServiceAccountKey(std::string_view text, std::vector<TokenMatch>& out) {
  constexpr std::string_view kKeyId = "private_key_id";
  const size_t keyId = text.find(kKeyId);
  if (keyId == std::string_view::npos || keyId == 0 || (text[keyId - 1] != '"')) return;
  size_t from = 0;
  while (true) {
    const size_t key = text.find("private_key", from);
    if (key == std::string_view::npos) return;
    from = key + 11;
    if (from < text.size() && (text[from] == '"' || (text[from] == '\\' && from + 1 < text.size() && text[from + 1] == '"'))) {
      out.push_back({"Google service account key", keyId, kKeyId.size()});
      return;
    }
  }
}

bool endsAuthority(char c) {
  return c == '/' || c == '?' || c == '#' || c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
         c == '"' || c == '\'' || c == '\\' || c == '<' || c == '>' || c == '`';
}

bool endsUrl(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '\'' || c == '<' || c == '>' ||
         c == '`';
}

// Where the authority begins when a URL's "://" (or its JSON-escaped form ":\/\/") starts at `colon`.
size_t authorityStartAt(std::string_view text, size_t colon) {
  if (text.compare(colon, 3, "://") == 0) return colon + 3;
  if (text.compare(colon, 5, ":\\/\\/") == 0) return colon + 5;
  return std::string_view::npos;
}

// A user name that is a token rather than a name: https://<token>@host, as GitHub and GitLab accept.
bool isTokenAsUser(std::string_view user) {
  constexpr size_t kMinTokenLength = 20;
  if (user.size() < kMinTokenLength || isPlaceholder(user)) return false;
  bool letter = false;
  bool digit = false;
  for (const char c : user) {
    if (!isBase64UrlChar(c)) return false;
    letter = letter || isLetter(c);
    digit = digit || isDigit(c);
  }
  return letter && digit;
}

// A query or JDBC parameter named for a secret, with a literal value: ?password=..., ;password=...,
// &access_token=...
bool hasSecretParameter(std::string_view url) {
  for (size_t i = 0; i < url.size(); ++i) {
    if (url[i] != '?' && url[i] != '&' && url[i] != ';') continue;
    const size_t nameStart = i + 1;
    const size_t name = runLength(url, nameStart, [](char c) { return isAlnum(c) || c == '_' || c == '-' || c == '.'; });
    if (name == 0 || nameStart + name >= url.size() || url[nameStart + name] != '=') continue;
    const size_t valueStart = nameStart + name + 1;
    size_t valueEnd = valueStart;
    while (valueEnd < url.size() && url[valueEnd] != '&' && url[valueEnd] != ';' && url[valueEnd] != '#' &&
           url[valueEnd] != '\\') {
      ++valueEnd;
    }
    const std::string_view value = url.substr(valueStart, valueEnd - valueStart);
    if (isSensitiveName(url.substr(nameStart, name)) && !isNonSecretLiteral(value)) return true;
  }
  return false;
}

// scheme://user:password@host, scheme://<token>@host and scheme://host/path?password=..., also with the
// slashes escaped as JSON writes them (https:\/\/).
void findUrlPasswords(std::string_view text, std::vector<TokenMatch>& out) {
  size_t pos = 0;
  // Where the last URL ends: a URL found inside it (?next=https://...) ends there too, and its parameters
  // were read with the outer URL's, so that every character is read a bounded number of times.
  size_t lastUrlEnd = 0;
  while ((pos = text.find(':', pos)) != std::string_view::npos) {
    const size_t authorityStart = authorityStartAt(text, pos);
    if (authorityStart == std::string_view::npos) {
      ++pos;
      continue;
    }
    size_t scheme = pos;
    while (scheme > 0 && (isAlnum(text[scheme - 1]) || text[scheme - 1] == '+' || text[scheme - 1] == '.' ||
                          text[scheme - 1] == '-' || text[scheme - 1] == ':')) {
      --scheme;
    }
    while (scheme < pos && !isLetter(text[scheme])) ++scheme;
    size_t end = authorityStart;
    while (end < text.size() && !endsAuthority(text[end])) ++end;
    const bool nested = end < lastUrlEnd;
    size_t urlEnd = nested ? lastUrlEnd : end;
    while (urlEnd < text.size() && !endsUrl(text[urlEnd])) ++urlEnd;
    lastUrlEnd = urlEnd;
    const bool hasScheme = pos - scheme >= 2;
    pos = authorityStart;
    if (!hasScheme) continue;
    const std::string_view authority = text.substr(authorityStart, end - authorityStart);
    const size_t at = authority.rfind('@');
    if (at != std::string_view::npos && at + 1 < authority.size()) {
      const std::string_view userinfo = authority.substr(0, at);
      const size_t colon = userinfo.find(':');
      if (colon == std::string_view::npos) {
        if (isTokenAsUser(userinfo)) {
          out.push_back({"token as the user name of a URL", scheme, end - scheme});
          continue;
        }
      } else {
        const std::string_view password = userinfo.substr(colon + 1);
        if (!password.empty() && !isPlaceholderPassword(password)) {
          out.push_back({"password in a URL", scheme, end - scheme});
          continue;
        }
      }
    }
    if (!nested && hasSecretParameter(text.substr(end, urlEnd - end))) {
      out.push_back({"password in a URL", scheme, urlEnd - scheme});
    }
  }
}

// Whether a token of the characters before `pos` ends there, so that a format starting at a token boundary
// may start at `pos`: startsAtBoundary, told the role of the character before (0 at the start).
bool followsTokenEnd(std::string_view text, size_t pos, unsigned char previousRole) {
  if (pos == 0 || (previousRole & kNotTokenChar) != 0) return true;
  return (previousRole & kEscapeLetter) != 0 && pos >= 2 && text[pos - 2] == '\\';
}

// The characters endOfTokenRun passes over are the ones whose roles let skipTokenRun pass them.
constexpr bool runCharactersMatchTheRoles() {
  for (size_t c = 0; c < kCharRoles.size(); ++c) {
    const char ch = static_cast<char>(c);
    const bool passed = (kCharRoles[c] & (kNotTokenChar | kStartsAnywhere)) == 0;
    if (passed != ((isAlnum(ch) || ch == '_') && ch != 'h')) return false;
    if (((kCharRoles[c] & kMaySpellSecret) != 0) != (ch == 's' || ch == 'S')) return false;
    if (((kCharRoles[c] & kMayNamePrivateKeyId) != 0) != (ch == 'p')) return false;
  }
  return true;
}
static_assert(runCharactersMatchTheRoles(), "endOfTokenRun tests the characters of kCharRoles' roles");

// Where the run of characters that `skipTokenRun` passes over, starting at `pos`, ends: at the first
// character that is neither a letter, a digit nor '_', or that is 'h'. `spellsSecret` and
// `namesPrivateKeyId` are set when an 's' or 'S', or a 'p', lies in the run. Sixteen characters are
// looked at per step, with the SSE2 instructions every x86-64 processor has; elsewhere, and in texts
// shorter than sixteen characters, one at a time.
size_t endOfTokenRun(std::string_view text, size_t pos, bool& spellsSecret, bool& namesPrivateKeyId) {
#if defined(__SSE2__)
  // Byte ranges are tested with signed comparisons after moving the range's start to -128.
  const auto inRange = [](__m128i bytes, char first, char last) {
    const __m128i shifted = _mm_add_epi8(bytes, _mm_set1_epi8(static_cast<char>(-128 - first)));
    return _mm_cmplt_epi8(shifted, _mm_set1_epi8(static_cast<char>(-128 + (last - first) + 1)));
  };
  const auto bitsOf = [](__m128i lanes) { return static_cast<unsigned>(_mm_movemask_epi8(lanes)); };
  if (text.size() >= 16) {
    while (pos < text.size()) {
      // The last step reads the text's last sixteen characters, some of them passed already, and drops
      // the lanes of those.
      const size_t at = std::min(pos, text.size() - 16);
      const unsigned ahead = static_cast<unsigned>(pos - at);
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at));
      const __m128i wordChar = _mm_or_si128(_mm_or_si128(inRange(bytes, 'a', 'z'), inRange(bytes, 'A', 'Z')),
                                            _mm_or_si128(inRange(bytes, '0', '9'), _mm_cmpeq_epi8(bytes, _mm_set1_epi8('_'))));
      const unsigned passed = bitsOf(_mm_andnot_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('h')), wordChar)) >> ahead;
      const unsigned lanes = 16 - ahead;
      const unsigned run = std::min(lanes, static_cast<unsigned>(std::countr_one(passed)));
      const unsigned inRun = ((1u << run) - 1) << ahead;
      const __m128i secret = _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('s')), _mm_cmpeq_epi8(bytes, _mm_set1_epi8('S')));
      spellsSecret = spellsSecret || (bitsOf(secret) & inRun) != 0;
      namesPrivateKeyId = namesPrivateKeyId || (bitsOf(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('p'))) & inRun) != 0;
      pos += run;
      if (run < lanes) break;
    }
    return pos;
  }
#endif
  for (; pos < text.size(); ++pos) {
    const unsigned char role = kCharRoles[static_cast<unsigned char>(text[pos])];
    if ((role & (kNotTokenChar | kStartsAnywhere)) != 0) break;
    spellsSecret = spellsSecret || (role & kMaySpellSecret) != 0;
    namesPrivateKeyId = namesPrivateKeyId || (role & kMayNamePrivateKeyId) != 0;
  }
  return pos;
}

// Inside a run of token characters, from `pos` on, no format that starts at a boundary can start before
// the run ends (nor at an escape: a backslash ends the run). Returns where the run ends or where a
// character that starts a format anywhere ('-', 'h') lies, adding the roles the searches after the scan
// look for (kMaySpellSecret, kMayNamePrivateKeyId) of the characters passed to `seen` and setting
// `previousRole` to the last one's. Most characters of a text are passed over here.
size_t skipTokenRun(std::string_view text, size_t pos, unsigned char& seen, unsigned char& previousRole) {
  bool spellsSecret = false;
  bool namesPrivateKeyId = false;
  const size_t end = endOfTokenRun(text, pos, spellsSecret, namesPrivateKeyId);
  if (spellsSecret) seen |= kMaySpellSecret;
  if (namesPrivateKeyId) seen |= kMayNamePrivateKeyId;
  if (end > pos) previousRole = kCharRoles[static_cast<unsigned char>(text[end - 1])];
  return end;
}

// A bare 40-character AWS secret key as the whole text, recognised by the name it is stored under.
void findNamedAwsSecretKey(std::string_view text, std::string_view context, std::vector<TokenMatch>& out) {
  if (text.size() < 40 || context.empty()) return;
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && isQuoteOrSpace(text[begin])) ++begin;
  while (end > begin && (isQuoteOrSpace(text[end - 1]) || text[end - 1] == '\n')) --end;
  // The shape first: it is cheaper to check than the name, and few texts have it.
  if (end - begin == 40 && runLength(text, begin, isBase64Char) == 40 && namesAwsSecretKey(context)) {
    out.push_back({"AWS secret access key", begin, 40});
  }
}

}  // namespace

bool isPlaceholderPassword(std::string_view password) {
  return isReferenceOnly(password) || isPlaceholder(password);
}

void findKnownTokens(std::string_view text, std::string_view context, std::vector<TokenMatch>& out) {
  std::optional<bool> twilioContext;
  unsigned char seen = 0;          // roles of the characters scanned
  bool skipped = false;            // whether a match was stepped over, leaving characters unscanned
  unsigned char previousRole = 0;  // role of text[pos - 1]; only read when pos > 0
  size_t pos = 0;
  while (pos < text.size()) {
    const unsigned char role = kCharRoles[static_cast<unsigned char>(text[pos])];
    seen |= role;
    // Most characters start nothing; the boundary is only looked at for those that may start a token.
    const bool mayStart = (role & kStartsAnywhere) != 0 ||
                          ((role & kStartsToken) != 0 && followsTokenEnd(text, pos, previousRole));
    if (mayStart) {
      if (text[pos] == 'S' && !twilioContext && text.compare(pos, 2, "SK") == 0) {
        twilioContext = findIgnoreCase(text, "twilio") != std::string_view::npos ||
                        findIgnoreCase(context, "twilio") != std::string_view::npos;
      }
      TokenMatch match;
      if (matchAt(text, pos, twilioContext, match)) {
        out.push_back(match);
        pos += match.length;
        skipped = true;
        previousRole = kCharRoles[static_cast<unsigned char>(text[pos - 1])];
        continue;
      }
    }
    ++pos;
    previousRole = role;
    if (!followsTokenEnd(text, pos, role)) pos = skipTokenRun(text, pos, seen, previousRole);
  }
  // The searches below need a character the scan would have seen; when it saw every character and none
  // of them, the search cannot find anything.
  const auto mayHold = [&](CharRole role) { return skipped || (seen & role) != 0; };
  if (mayHold(kMaySpellSecret)) findAwsSecretAssignments(text, out);
  findNamedAwsSecretKey(text, context, out);
  if (mayHold(kMayNamePrivateKeyId)) findServiceAccountKey(text, out);
  if (mayHold(kMaySeparateScheme)) findUrlPasswords(text, out);
}

bool containsKnownToken(std::string_view text) {
  std::vector<TokenMatch> matches;
  findKnownTokens(text, {}, matches);
  return !matches.empty();
}

}  // namespace agentguard::engine::credentials

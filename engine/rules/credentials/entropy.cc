#include "engine/rules/credentials/entropy.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "engine/rules/credentials/char_classes.h"
#include "engine/rules/credentials/key_material.h"

namespace agentguard::engine::credentials {
namespace {

constexpr double kMaxWordShare = 0.5;  // at or above: mostly words, not a random token
constexpr size_t kShortPart = 8;       // parts of a name shorter than this are never random enough
constexpr std::string_view kPemEnd = "-----END ";

bool isVowel(char c) {
  switch (toLower(c)) {
    case 'a': case 'e': case 'i': case 'o': case 'u': case 'y': return true;
    default: return false;
  }
}

bool isPronounceable(std::string_view word) {
  if (word.size() < 4) return false;
  size_t vowels = 0;
  size_t consonantRun = 0;
  for (const char c : word) {
    if (isVowel(c)) {
      ++vowels;
      consonantRun = 0;
    } else if (++consonantRun > 4) {
      return false;
    }
  }
  return vowels * 4 >= word.size();
}

template <typename Pred>
bool all(std::string_view text, Pred pred) {
  for (const char c : text) {
    if (!pred(c)) return false;
  }
  return true;
}

bool isUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !isHexDigit(text[i])) return false;
  }
  return true;
}

// [v]MAJOR.MINOR[.PATCH][-prerelease][+build]
bool isVersion(std::string_view text) {
  size_t at = (!text.empty() && (text[0] == 'v' || text[0] == 'V')) ? 1 : 0;
  int numbers = 0;
  while (true) {
    const size_t digits = runLength(text, at, isDigit);
    if (digits == 0) return false;
    at += digits;
    ++numbers;
    if (at == text.size() || text[at] != '.' || numbers == 3) break;
    ++at;
  }
  if (numbers < 2) return false;
  if (at == text.size()) return true;
  if (text[at] != '-' && text[at] != '+') return false;
  return all(text.substr(at + 1), [](char c) { return isAlnum(c) || c == '.' || c == '-' || c == '+'; });
}

// A DNS-1123 subdomain with at least one '-' or '.': the shape of Kubernetes object names.
bool isKubernetesName(std::string_view text) {
  if (!isLower(text.front()) && !isDigit(text.front())) return false;
  if (!isLower(text.back()) && !isDigit(text.back())) return false;
  bool separated = false;
  for (const char c : text) {
    if (c == '-' || c == '.') separated = true;
    else if (!isLower(c) && !isDigit(c)) return false;
  }
  return separated;
}

int characterClasses(std::string_view text) {
  bool lower = false, upper = false, digit = false;
  for (const char c : text) {
    lower = lower || isLower(c);
    upper = upper || isUpper(c);
    digit = digit || isDigit(c);
  }
  return int(lower) + int(upper) + int(digit);
}

bool isNameSeparator(char c) { return c == '/' || c == '-' || c == '_' || c == '.'; }

bool isNamePart(std::string_view part) {
  return part.size() < kShortPart || all(part, isHexDigit) || wordShare(part) >= kMaxWordShare;
}

constexpr bool isWordDelimiter(char c) {
  switch (c) {
    case ' ': case '\t': case '\n': case '\r': case '"': case '\'': case '`': case ',': case ';': case '(':
    case ')': case '[': case ']': case '{': case '}': case '<': case '>': case '|': case '&': case '\\':
      return true;
    default:
      return false;
  }
}

constexpr CharTable kWordDelimiters = charTable(isWordDelimiter);

// The value of "name=value" (the part after the last '=' that is not base64 padding), else the word.
std::string_view assignedValue(std::string_view word) {
  for (size_t k = word.size(); k-- > 1;) {
    if (word[k - 1] == '=' && word[k] != '=') return word.substr(k);
  }
  return word;
}

std::string_view trimPunctuation(std::string_view piece) {
  while (!piece.empty() && (piece.front() == '-' || piece.front() == '.')) piece.remove_prefix(1);
  while (!piece.empty() && (piece.back() == '.' || piece.back() == '=')) piece.remove_suffix(1);
  return piece;
}

// For each 8-byte word of a 256-entry byte table, the bytes of the characters `pred` accepts set to
// 0xFF: ANDed with a word of CharacterSet's flags, it keeps the flags of those characters.
template <typename Pred>
constexpr std::array<uint64_t, 32> byteMasks(Pred pred) {
  std::array<uint64_t, 32> masks{};
  for (size_t word = 0; word < masks.size(); ++word) {
    std::array<uint8_t, 8> bytes{};
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = pred(static_cast<char>(word * 8 + i)) ? 0xFF : 0;
    masks[word] = std::bit_cast<uint64_t>(bytes);
  }
  return masks;
}
constexpr std::array<uint64_t, 32> kLowerMasks = byteMasks(isLower);
constexpr std::array<uint64_t, 32> kUpperMasks = byteMasks(isUpper);
constexpr std::array<uint64_t, 32> kDigitMasks = byteMasks(isDigit);
// Digits and letters lie in bytes 48 to 122: words 6 to 15.
constexpr size_t kFirstAlnumWord = '0' / 8;
constexpr size_t kLastAlnumWord = 'z' / 8;

// The different characters of a text. A candidate is a piece of the text, so it has no more different
// characters and no more character classes than the text.
class CharacterSet {
 public:
  explicit CharacterSet(std::string_view text) {
    // Cleared with sixteen-byte stores: the compiler's choice for 256 bytes, `rep stos`, takes longer to
    // start than the whole table takes to fill for a typical text.
#if defined(__SSE2__)
    clearLanes(std::make_index_sequence<sizeof present_ / 16>());
#else
    present_.fill(0);
#endif
    for (const char c : text) present_[static_cast<unsigned char>(c)] = 1;
  }

  size_t distinct() const {
    // The flags (0 or 1) added eight at a time into byte lanes of at most 32 each; then pairs of lanes into
    // 16-bit lanes of at most 64, which a multiplication sums into the top 16 bits (at most 256).
    uint64_t lanes = 0;
    for (size_t i = 0; i < present_.size(); i += 8) lanes += word(i / 8);
    constexpr uint64_t kEvenBytes = 0x00FF00FF00FF00FFu;
    const uint64_t pairs = (lanes & kEvenBytes) + ((lanes >> 8) & kEvenBytes);
    return static_cast<size_t>((pairs * 0x0001000100010001u) >> 48);
  }

  // How many of lower case, upper case and digits occur, as characterClasses counts them.
  int classes() const {
    uint64_t lower = 0, upper = 0, digit = 0;
    for (size_t i = kFirstAlnumWord; i <= kLastAlnumWord; ++i) {
      const uint64_t flags = word(i);
      lower |= flags & kLowerMasks[i];
      upper |= flags & kUpperMasks[i];
      digit |= flags & kDigitMasks[i];
    }
    return int(lower != 0) + int(upper != 0) + int(digit != 0);
  }

 private:
  uint64_t word(size_t index) const {
    uint64_t flags = 0;
    std::memcpy(&flags, &present_[index * 8], sizeof flags);
    return flags;
  }

#if defined(__SSE2__)
  // One store per lane written out: as a loop, the compiler turns the stores back into `rep stos`.
  template <size_t... lane>
  void clearLanes(std::index_sequence<lane...>) {
    auto* lanes = reinterpret_cast<__m128i*>(present_.data());
    ((_mm_store_si128(lanes + lane, _mm_setzero_si128())), ...);
  }
#endif

  alignas(16) std::array<uint8_t, 256> present_;
};

// The fewest different characters a text needs for the entropy `minEntropy` to be possible: the least k
// with log2(k) + 1e-9 >= minEntropy (the margin covers rounding in shannonEntropy); 257 when no count of
// byte values reaches it. The rule's threshold does not change between calls, so the last one is kept.
size_t minDistinctCharacters(double minEntropy) {
  thread_local double cachedEntropy = -1;
  thread_local size_t cachedCount = 0;
  if (minEntropy == cachedEntropy) return cachedCount;
  const auto reaches = [minEntropy](size_t k) { return std::log2(static_cast<double>(k)) + 1e-9 >= minEntropy; };
  size_t k = 1;
  while (k <= 256 && !reaches(k)) ++k;
  cachedEntropy = minEntropy;
  cachedCount = k;
  return k;
}

void examinePieces(std::string_view text, std::string_view value, const EntropyOptions& options,
                   std::vector<EntropyHit>& out);

// A URL's host and path name things (hosts, object keys, IDs); what may be a secret is its user info and
// its query and matrix parameters, which are examined piece by piece.
void examineUrl(std::string_view text, std::string_view url, size_t scheme, const EntropyOptions& options,
                std::vector<EntropyHit>& out) {
  const size_t authorityStart = scheme + 3;
  size_t authorityEnd = authorityStart;
  while (authorityEnd < url.size() && url[authorityEnd] != '/' && url[authorityEnd] != '?' &&
         url[authorityEnd] != '#' && url[authorityEnd] != ';') {
    ++authorityEnd;
  }
  const std::string_view authority = url.substr(authorityStart, authorityEnd - authorityStart);
  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos) examinePieces(text, authority.substr(0, at), options, out);
  size_t parameters = url.find_first_of("?;", authorityEnd);
  while (parameters != std::string_view::npos) {
    const size_t next = url.find_first_of("&;#", parameters + 1);
    const std::string_view parameter =
        url.substr(parameters + 1, next == std::string_view::npos ? std::string_view::npos : next - parameters - 1);
    examinePieces(text, assignedValue(parameter), options, out);
    parameters = next;
  }
}

void examineWord(std::string_view text, std::string_view word, const EntropyOptions& options,
                 std::vector<EntropyHit>& out) {
  if (options.ignoreValues.count(word) > 0) return;
  if (const size_t scheme = word.find("://"); scheme != std::string_view::npos) {
    examineUrl(text, word, scheme, options, out);
    return;
  }
  examinePieces(text, assignedValue(word), options, out);
}

// Splits a value at ':' and '@' (host:port, image@sha256:<hex>) and reports the pieces classifyCandidate
// reports.
void examinePieces(std::string_view text, std::string_view value, const EntropyOptions& options,
                   std::vector<EntropyHit>& out) {
  size_t start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i < value.size() && value[i] != ':' && value[i] != '@') continue;
    const std::string_view piece = trimPunctuation(value.substr(start, i - start));
    start = i + 1;
    if (!isReportedCandidate(piece, options)) continue;
    const size_t offset = static_cast<size_t>(piece.data() - text.data());
    out.push_back({offset, piece.size(), shannonEntropy(piece)});
  }
}

}  // namespace

double shannonEntropy(std::string_view text) {
  if (text.empty()) return 0;
  std::array<uint32_t, 256> counts{};
  std::array<uint64_t, 4> present{};  // bit c: byte c occurs, so that only those counts are visited
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    ++counts[byte];
    present[byte / 64] |= uint64_t{1} << (byte % 64);
  }
  const double n = static_cast<double>(text.size());
  double sum = 0;
  // In increasing byte order, as a loop over all 256 counts would add them: the sum is the same to the bit.
  for (size_t word = 0; word < present.size(); ++word) {
    for (uint64_t bits = present[word]; bits != 0; bits &= bits - 1) {
      const uint32_t count = counts[word * 64 + static_cast<size_t>(std::countr_zero(bits))];
      sum += count * std::log2(static_cast<double>(count));
    }
  }
  return std::log2(n) - sum / n;
}

double wordShare(std::string_view text) {
  if (text.empty()) return 0;
  size_t inWords = 0;
  size_t start = 0;
  bool inWord = false;
  const auto close = [&](size_t end) {
    if (inWord && isPronounceable(text.substr(start, end - start))) inWords += end - start;
    inWord = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!isLetter(c)) {
      close(i);
      continue;
    }
    if (inWord) {
      const char previous = text[i - 1];
      const bool camelStart = isLower(previous) && isUpper(c);
      const bool acronymEnd = isUpper(previous) && isUpper(c) && i + 1 < text.size() && isLower(text[i + 1]);
      if (camelStart || acronymEnd) close(i);
    }
    if (!inWord) {
      inWord = true;
      start = i;
    }
  }
  close(text.size());
  return static_cast<double>(inWords) / static_cast<double>(text.size());
}

bool isNameOrPath(std::string_view text) {
  bool separated = false;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && !isNameSeparator(text[i])) continue;
    if (i < text.size()) separated = true;
    if (!isNamePart(text.substr(start, i - start))) return false;
    start = i + 1;
  }
  return separated;
}

std::string_view exclusionName(Exclusion exclusion) {
  switch (exclusion) {
    case Exclusion::kNone: return "none";
    case Exclusion::kTooShort: return "too short";
    case Exclusion::kIgnored: return "ignored";
    case Exclusion::kHex: return "hex";
    case Exclusion::kUuid: return "UUID";
    case Exclusion::kVersion: return "version";
    case Exclusion::kKubernetesName: return "Kubernetes name";
    case Exclusion::kKeyMaterial: return "public key material";
    case Exclusion::kReference: return "reference";
    case Exclusion::kSingleClass: return "single character class";
    case Exclusion::kNamePath: return "name or path";
    case Exclusion::kLowEntropy: return "low entropy";
    case Exclusion::kWords: return "words";
  }
  return "?";
}

Exclusion classifyCandidate(std::string_view candidate, const EntropyOptions& options) {
  if (candidate.size() < options.minLength || candidate.empty()) return Exclusion::kTooShort;
  if (options.ignoreValues.count(candidate) > 0) return Exclusion::kIgnored;
  if (candidate.substr(0, 2) == "$(" || candidate.substr(0, 2) == "${") return Exclusion::kReference;
  if (candidate.size() >= 7 && candidate.size() <= 128 && all(candidate, isHexDigit)) return Exclusion::kHex;
  if (isUuid(candidate)) return Exclusion::kUuid;
  if (isVersion(candidate)) return Exclusion::kVersion;
  if (isKubernetesName(candidate)) return Exclusion::kKubernetesName;
  if (classifyBase64KeyMaterial(candidate) == KeyMaterial::kPublic) return Exclusion::kKeyMaterial;
  if (characterClasses(candidate) < 2) return Exclusion::kSingleClass;
  if (isNameOrPath(candidate)) return Exclusion::kNamePath;
  if (shannonEntropy(candidate) < options.minEntropy) return Exclusion::kLowEntropy;
  if (wordShare(candidate) >= kMaxWordShare) return Exclusion::kWords;
  return Exclusion::kNone;
}

bool mayHoldReportedCandidate(std::string_view text, const EntropyOptions& options) {
  // A string over k different characters has at most log2(k) bits of entropy per character, when all are
  // equally frequent; the margin covers rounding in shannonEntropy.
  const CharacterSet characters(text);
  return characters.classes() >= 2 && characters.distinct() >= minDistinctCharacters(options.minEntropy);
}

bool isReportedCandidate(std::string_view candidate, const EntropyOptions& options) {
  return classifyCandidate(candidate, options) == Exclusion::kNone;
}

void findHighEntropyStrings(std::string_view text, const EntropyOptions& options, std::vector<EntropyHit>& out) {
  if (text.size() < options.minLength || !mayHoldReportedCandidate(text, options)) return;
  if (options.ignoreValues.count(text) > 0) return;
  // Where the next "-----END " line starts (npos: there is none), found once and reused until passed.
  size_t nextPemEnd = 0;
  bool pemEndKnown = false;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    size_t headerEnd = i;
    if (c == '-' && classifyPemLabel(pemLabelAt(text, i, headerEnd)) == KeyMaterial::kPublic) {
      // Skip the whole block of a certificate or public key: it is meant to be shared. A private key's block
      // is examined like any text.
      // The END search is remembered so that many headers without an END line stay linear.
      if (!pemEndKnown || (nextPemEnd != std::string_view::npos && nextPemEnd < headerEnd)) {
        nextPemEnd = text.find(kPemEnd, headerEnd);
        pemEndKnown = true;
      }
      if (nextPemEnd == std::string_view::npos) {
        i = headerEnd;
      } else {
        const size_t close = text.find("-----", nextPemEnd + kPemEnd.size());
        i = close == std::string_view::npos ? text.size() : close + 5;
      }
      continue;
    }
    if (c == '\\') {
      i += (i + 1 < text.size() && text[i + 1] == 'u') ? 6 : 2;  // a JSON escape: \n, \", \u00e9
      continue;
    }
    if (inTable(kWordDelimiters, c)) {
      ++i;
      continue;
    }
    const size_t start = i;
    while (i < text.size() && !inTable(kWordDelimiters, text[i])) ++i;
    // Every candidate is a piece of its word: a word shorter than minLength has none worth classifying.
    // A word that is the whole text passed the check above already.
    const std::string_view word = text.substr(start, i - start);
    const bool wholeText = word.size() == text.size();
    if (word.size() >= options.minLength && (wholeText || mayHoldReportedCandidate(word, options))) {
      examineWord(text, word, options, out);
    }
  }
}

}  // namespace agentguard::engine::credentials

#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

// The fallback detector for secrets of no known format: strings that look random. Randomness is judged
// by Shannon entropy together with the shape of the string, because entropy alone grows with length and
// rates model names and class names as high as short keys. What is excluded, and why, is listed in
// Exclusion; each exclusion has a named test case.
namespace agentguard::engine::credentials {

// Shannon entropy of the text's bytes, in bits per character; 0 for empty text.
double shannonEntropy(std::string_view text);

// Share of the text's characters that lie in pronounceable words: runs of letters, split where the case
// changes (camelCase, HTTPServer), at least 4 long, at least a quarter vowels and with no more than 4
// consonants in a row. "Meta-Llama-3-8B-Instruct" scores 0.71; a random 20-character token almost
// always below 0.3.
double wordShare(std::string_view text);

// Whether the text is a path or a name made of parts ("models/Meta-Llama-3-8B-Instruct",
// "/var/run/secrets/token", "Standard_NC24ads_A100_v4"): it has a '/', '-', '_' or '.' and every part
// between them is shorter than 8, hex, or mostly pronounceable words.
bool isNameOrPath(std::string_view text);

// Why a candidate string is not reported.
enum class Exclusion {
  kNone,           // reported: it looks like a secret
  kTooShort,       // shorter than minLength
  kIgnored,        // listed in ignoreValues
  kHex,            // 7 to 128 hex digits: checksums, git SHAs, image digests
  kUuid,           // 8-4-4-4-12 hex digits
  kVersion,        // a semantic version such as v1.2.3-rc.1+build.5
  kKubernetesName, // lower-case DNS name with '-' or '.': pod names with hashes, hostnames
  kKeyMaterial,    // a base64 certificate, public key or SSH public key blob
  kReference,      // a $(VAR) or ${VAR} reference
  kSingleClass,    // fewer than two of lower case, upper case and digits
  kNamePath,       // path or dotted/dashed name whose every part is a word, short, hex or a number
  kLowEntropy,     // entropy below minEntropy
  kWords,          // mostly pronounceable words (CamelCase identifiers)
};

std::string_view exclusionName(Exclusion exclusion);

struct EntropyOptions {
  size_t minLength = 20;
  double minEntropy = 4.0;                          // bits per character
  std::set<std::string, std::less<>> ignoreValues;  // exact strings never reported
};

// Decides about one candidate string, already cut out of its text.
Exclusion classifyCandidate(std::string_view candidate, const EntropyOptions& options);

// Whether classifyCandidate reports the candidate (returns kNone).
bool isReportedCandidate(std::string_view candidate, const EntropyOptions& options);

// False when no piece of `text` can be reported, judged by its character classes and the entropy its
// different characters allow (k different characters give at most log2(k) bits per character). Cheaper
// than cutting the text, and decisive for most texts: names, settings and prose use too few characters.
bool mayHoldReportedCandidate(std::string_view text, const EntropyOptions& options);

// A random-looking string inside a text.
struct EntropyHit {
  size_t offset = 0;
  size_t length = 0;
  double entropy = 0;  // bits per character
};

// Cuts `text` into candidate strings and appends those classifyCandidate reports. Cutting: words end
// at whitespace, quotes, brackets, ',', ';', '|', '&' and JSON escapes; in a word "name=value" keeps the
// value; ':' and '@' split the rest (image@sha256:<hex>, host:port). Of a URL only the user info and the
// query and matrix parameter values are examined: its host and path name things. Certificate and
// public key PEM blocks and the key after "ssh-rsa"-style key types are skipped. Nothing is skipped because
// another rule reports it: the rule stands on its own when the others are off or exempted.
// The whole text is skipped when it is listed in ignoreValues.
void findHighEntropyStrings(std::string_view text, const EntropyOptions& options, std::vector<EntropyHit>& out);

}  // namespace agentguard::engine::credentials

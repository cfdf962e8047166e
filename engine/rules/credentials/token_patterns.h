#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

// Credentials of known formats (cloud keys, API tokens, private keys, passwords in URLs), found by
// hand-written scanners in one pass over a text. No regular expressions: the admission webhook checks
// every object within its latency budget, and std::regex is orders of magnitude too slow for that.
namespace agentguard::engine::credentials {

// A credential found in a text: its format and where it lies. Never the value itself.
struct TokenMatch {
  std::string_view type;  // e.g. "GitHub personal access token"; static storage
  size_t offset = 0;
  size_t length = 0;
};

// Appends every credential of a known format in `text` to `out`. `context` is the name the text is
// stored under (env var name, ConfigMap key, annotation key): some formats are only recognisable with
// it, such as a bare 40-character AWS secret key in AWS_SECRET_ACCESS_KEY. Linear in the text's length.
void findKnownTokens(std::string_view text, std::string_view context, std::vector<TokenMatch>& out);

// Whether `text` holds any credential of a known format (no context).
bool containsKnownToken(std::string_view text);

// Whether a URL password is a placeholder rather than a secret: a $(VAR), ${VAR} or $VAR reference, a
// template such as {{ .password }} or <password>, a printf verb, or a run of '*' or 'x' used to mask it.
bool isPlaceholderPassword(std::string_view password);

}  // namespace agentguard::engine::credentials

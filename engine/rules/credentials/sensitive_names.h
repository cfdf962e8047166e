#pragma once

#include <cstddef>
#include <string_view>

// Names that say a variable holds a secret, and literal values that plainly do not hold one.
namespace agentguard::engine::credentials {

// Whether an env var (or a ConfigMap key loaded as one) is named for a secret: PASSWORD, PASSWD,
// PASSPHRASE, SECRET, TOKEN, API_KEY/APIKEY, ACCESS_KEY, PRIVATE_KEY, SIGNING_KEY, ENCRYPTION_KEY,
// CREDENTIAL(S) or AUTH as whole words, in UPPER_SNAKE, kebab-case or camelCase (DB_PASSWORD, apiKey,
// HF_TOKEN). Not when the name is about a secret rather than one: it ends in a word such as FILE, PATH,
// DIR, NAME, URL, ID, SID, TYPE, MODE, ENABLED, LENGTH or TIMEOUT (TOKEN_FILE, DB_PASSWORD_SECRET_NAME), or
// starts with MAX, MIN or NUM (MAX_TOKENS); TOKENIZER_PATH has no secret word at all.
bool isSensitiveName(std::string_view name);

// Whether a literal value set under a sensitive name is plainly not a secret: empty or blank, only
// references (isReferenceOnly), a boolean, a placeholder (isPlaceholder) or the path of a mounted file
// (GOOGLE_APPLICATION_CREDENTIALS=/var/...).
bool isNonSecretLiteral(std::string_view value);

// Whether a value is made of $(VAR), ${VAR} or $VAR references and nothing literal beyond punctuation,
// words of two letters and an auth scheme ("Bearer $(TOKEN)", "$(USER):$(PASS)"). "hunter2$(SUFFIX)"
// splices a literal into a reference and is not; nor is "$$(VAR)", which Kubernetes unescapes to text.
bool isReferenceOnly(std::string_view value);

// Where a reference starting at `pos` ends ($(NAME), ${NAME} or $NAME); `pos` when none starts there.
size_t referenceEnd(std::string_view text, size_t pos);

// Whether a value is an obvious placeholder: <your-key>, {{ .token }}, %s, a mask of x, * or dots, or a
// word such as changeme, REPLACE_ME, example, placeholder, redacted, your-api-key-here.
bool isPlaceholder(std::string_view value);

}  // namespace agentguard::engine::credentials

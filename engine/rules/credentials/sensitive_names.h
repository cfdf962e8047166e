#pragma once

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

// Whether a literal value set under a sensitive name is plainly not a secret: empty or blank, a $(VAR)
// or ${VAR} reference, a boolean, or the path of a mounted file (GOOGLE_APPLICATION_CREDENTIALS=/var/...).
bool isNonSecretLiteral(std::string_view value);

}  // namespace agentguard::engine::credentials

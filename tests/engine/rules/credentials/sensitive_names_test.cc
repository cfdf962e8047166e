#include "engine/rules/credentials/sensitive_names.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace agentguard::engine::credentials {
namespace {

TEST(SensitiveNameTest, SecretWordsAsWholeWords) {
  for (const char* name :
       {"DB_PASSWORD", "PASSWORD", "REDIS_PASSWD", "GPG_PASSPHRASE", "CLIENT_SECRET", "WEBHOOK_SECRETS", "HF_TOKEN",
        "GITHUB_TOKEN", "OPENAI_API_KEY", "OPENAI_APIKEY", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY", "SSH_PRIVATE_KEY",
        "JWT_SIGNING_KEY", "DATA_ENCRYPTION_KEY", "GOOGLE_CREDENTIALS", "DOCKER_CREDENTIAL", "BASIC_AUTH",
        "AUTH_TOKEN", "dbPassword", "apiKey", "APIKey", "openai-api-key", "slack.token", "SECRET_KEY"}) {
    EXPECT_TRUE(isSensitiveName(name)) << name;
  }
}

TEST(SensitiveNameTest, NamesAboutSecretsOrWithoutSecretWords) {
  for (const char* name :
       {"LOG_LEVEL", "TOKENIZER_PATH", "TOKENIZER", "MAX_TOKENS", "MAX_NEW_TOKENS", "TOKENS_PER_MINUTE", "MIN_TOKEN",
        "TOKEN_FILE", "PASSWORD_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "DB_PASSWORD_SECRET_NAME", "PASSWORD_MIN_LENGTH",
        "AUTH_ENABLED", "AUTH_MODE", "AUTH_URL", "OAUTH_ISSUER", "TOKEN_TTL", "SECRET_DIR", "AWS_ACCESS_KEY_ID", "TWILIO_API_KEY_SID",
        "SECRETARY", "PASSWORDLESS", "KEY", "PRIMARY_KEY", "ACCESS_LOG", "AUTHOR", "AUTHORITY", "", "_"}) {
    EXPECT_FALSE(isSensitiveName(name)) << name;
  }
}

// Every listed word in each of its roles, in upper, lower and camel case, so that a word lost from the
// lookup table (or found under the wrong role) fails here.
TEST(SensitiveNameTest, EveryListedWordInItsRole) {
  const auto spellings = [](const std::string& upper) {
    std::string lower;
    for (const char c : upper) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    std::string camel = lower;
    camel[0] = static_cast<char>(camel[0] - 'a' + 'A');
    return std::vector<std::string>{"APP_" + upper, "app-" + lower, "app" + camel};
  };
  for (const std::string word : {"PASSWORD", "PASSWD", "PASSPHRASE", "PWD", "PASS", "SECRET", "SECRETS", "TOKEN",
                                 "APIKEY", "CREDENTIAL", "CREDENTIALS", "AUTH", "PRIVATEKEY", "ACCESSKEY", "SECRETKEY"}) {
    for (const auto& name : spellings(word)) EXPECT_TRUE(isSensitiveName(name)) << name;
    EXPECT_FALSE(isSensitiveName("APP_" + word + "X")) << word;
  }
  for (const std::string qualifier : {"API", "ACCESS", "PRIVATE", "SIGNING", "ENCRYPTION", "MASTER"}) {
    for (const auto& name : spellings(qualifier + "_KEY")) EXPECT_TRUE(isSensitiveName(name)) << name;
    EXPECT_FALSE(isSensitiveName("APP_" + qualifier)) << qualifier;
    EXPECT_FALSE(isSensitiveName(qualifier + "_LOG_KEY")) << qualifier;
  }
  for (const std::string about :
       {"FILE", "FILES", "PATH", "DIR", "DIRECTORY", "LOCATION", "MOUNT", "NAME", "REF", "ID", "SID", "URL", "URI",
        "ENDPOINT", "HOST", "PORT", "TYPE", "MODE", "METHOD", "ENABLED", "DISABLED", "ENABLE", "DISABLE",
        "REQUIRED", "PROVIDER", "ISSUER", "AUDIENCE", "TTL", "EXPIRY", "EXPIRATION", "TIMEOUT", "LENGTH", "SIZE",
        "LIMIT", "COUNT", "VERSION", "USER", "USERNAME", "ALGORITHM", "SCOPE", "SCOPES", "KIND", "HEADER",
        "PREFIX", "INTERVAL", "BUDGET", "REALM", "POLICY", "STRATEGY", "BACKEND", "SERVER", "SERVICE", "DOMAIN",
        "FORMAT", "SECONDS", "MINUTES", "HOURS", "DAYS", "MS", "RATE", "STORE", "ENV", "VAR", "VARIABLE", "CLASS",
        "BINDING"}) {
    for (const auto& name : spellings("TOKEN_" + about)) EXPECT_FALSE(isSensitiveName(name)) << name;
    EXPECT_TRUE(isSensitiveName(about + "_TOKEN")) << about;
  }
  for (const std::string limit : {"MAX", "MIN", "NUM"}) {
    EXPECT_FALSE(isSensitiveName(limit + "_TOKEN")) << limit;
    EXPECT_FALSE(isSensitiveName(limit + "Password")) << limit;
    EXPECT_TRUE(isSensitiveName("TOKEN_" + limit)) << limit;
  }
}

TEST(SensitiveNameTest, WordsThatOnlyShareALetterOrALengthWithAListedWord) {
  for (const char* name : {"1PASSWORD_TOKEN", "_TOKEN_", "x-TOKEN", "9_API_KEY"}) {
    EXPECT_TRUE(isSensitiveName(name)) << name;
  }
  for (const char* name : {"T", "SECRE", "KEYS", "TOKEN9", "APIS_KEY", "9", "XTOKEN", "BYPASS", "OAUTH"}) {
    EXPECT_FALSE(isSensitiveName(name)) << name;
  }
}

// Compound and abbreviated names: PGPASSWORD, DB_PASS, MYSQL_PWD, REDIS_AUTH, *_APIKEY, glued words.
TEST(SensitiveNameTest, CompoundsAndAbbreviations) {
  for (const char* name : {"PGPASSWORD", "DB_PASS", "MYSQL_PWD", "REDIS_AUTH", "OPENAI_APIKEY", "LDAP_PASSWD",
                           "GITHUBTOKEN", "pgpassword", "smtpPass", "TOKENTOKEN", "BOTAPIKEY", "AWSSECRETKEY"}) {
    EXPECT_TRUE(isSensitiveName(name)) << name;
  }
  for (const char* name : {"TOKEN_BUDGET", "AUTH_REALM", "PASSWORD_MIN_LENGTH", "MAX_TOKENS", "AUTH_STRATEGY",
                           "PASSWORD_POLICY", "SECRET_STORE", "API_KEY_ENV", "secretProviderClass", "PWD_FILE",
                           "TOKEN_REFRESH_SECONDS", "AUTH_SERVER", "PASSPORT", "COMPASS", "TOKEN_EXPIRY_HOURS",
                           "SESSION_TOKEN_TTL_MS", "PASSWORD_MAX_AGE_DAYS"}) {
    EXPECT_FALSE(isSensitiveName(name)) << name;
  }
}

TEST(NonSecretLiteralTest, References) {
  for (const char* value : {"", "  ", "$(DB_PASSWORD)", "Bearer $(API_TOKEN)", "${API_TOKEN}", "true", "False", "on",
                            "disabled", "/var/run/secrets/google/key.json", "/etc/agent/token", "$(USER):$(PASS)",
                            "$PGPASSWORD", "Basic ${CREDENTIALS}"}) {
    EXPECT_TRUE(isNonSecretLiteral(value)) << value;
  }
  for (const char* value : {"hunter2", "sk-anything", "Xk9mP2vL8qR4tW7yZ1nB", "${UNCLOSED",
                            "/Xk9mP2vL8qR4tW7yZ1nBq7Rz2LmX9vKp4WtY8bNc", "relative/path", "12345",
                            "hunter2$(SUFFIX)", "$(PREFIX)hunter2", "$$(ESCAPED)", "$(UNCLOSED"}) {
    EXPECT_FALSE(isNonSecretLiteral(value)) << value;
  }
}

TEST(NonSecretLiteralTest, Placeholders) {
  for (const char* value : {"xxxx", "XXXX-XXXX", "****", "<your-key>", "<password>", "{{ .Values.token }}", "%s",
                            "changeme", "CHANGE_ME", "REPLACE_ME", "replace-me", "example", "placeholder", "redacted",
                            "your-api-key-here", "YOUR_TOKEN", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                            "AKIAXXXXXXXXXXXXXXXX", "sk-********************"}) {
    EXPECT_TRUE(isPlaceholder(value)) << value;
    EXPECT_TRUE(isNonSecretLiteral(value)) << value;
  }
  for (const char* value : {"x", "hunter2", "changeme2024", "example-hunter2", "your-key-7", "sk-abc123xxxx",
                            "password", "secret", "admin"}) {
    EXPECT_FALSE(isPlaceholder(value)) << value;
  }
}

}  // namespace
}  // namespace agentguard::engine::credentials

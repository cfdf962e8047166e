#include "engine/rules/credentials/sensitive_names.h"

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

TEST(NonSecretLiteralTest, References) {
  for (const char* value : {"", "  ", "$(DB_PASSWORD)", "Bearer $(API_TOKEN)", "${API_TOKEN}", "true", "False", "on",
                            "disabled", "/var/run/secrets/google/key.json", "/etc/agent/token"}) {
    EXPECT_TRUE(isNonSecretLiteral(value)) << value;
  }
  for (const char* value : {"hunter2", "changeme", "sk-anything", "Xk9mP2vL8qR4tW7yZ1nB", "${UNCLOSED",
                            "/Xk9mP2vL8qR4tW7yZ1nBq7Rz2LmX9vKp4WtY8bNc", "relative/path", "12345"}) {
    EXPECT_FALSE(isNonSecretLiteral(value)) << value;
  }
}

}  // namespace
}  // namespace agentguard::engine::credentials

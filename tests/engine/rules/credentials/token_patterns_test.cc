#include "engine/rules/credentials/token_patterns.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace agentguard::engine::credentials {
namespace {

template <typename Case>
std::string caseName(const ::testing::TestParamInfo<Case>& param) {
  return param.param.name;
}

// Obviously fake token bodies of an exact length: "EXAMPLE" followed by a counting pattern.
std::string fakeBody(size_t length, std::string_view alphabet = "0123456789ABCDEFGHIJabcdefghij") {
  std::string body = "EXAMPLE";
  for (size_t i = 0; body.size() < length; ++i) body += alphabet[i % alphabet.size()];
  body.resize(length);
  return body;
}

std::vector<TokenMatch> scan(std::string_view text, std::string_view context = {}) {
  std::vector<TokenMatch> matches;
  findKnownTokens(text, context, matches);
  return matches;
}

struct HitCase {
  std::string name;
  std::string text;
  std::string type;
  std::string context = {};
};

void PrintTo(const HitCase& c, std::ostream* os) { *os << c.name; }

class KnownTokenHitTest : public ::testing::TestWithParam<HitCase> {};

TEST_P(KnownTokenHitTest, FindsTheToken) {
  const auto& c = GetParam();
  const auto matches = scan(c.text, c.context);
  ASSERT_FALSE(matches.empty()) << c.text;
  bool found = false;
  for (const auto& match : matches) {
    if (match.type == c.type) {
      found = true;
      EXPECT_LE(match.offset + match.length, c.text.size());
    }
  }
  EXPECT_TRUE(found) << c.text << ": first match is " << matches.front().type;
}

const std::string kJwt =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJleGFtcGxlIiwibmFtZSI6IkV4YW1wbGUifQ."
    "RXhhbXBsZVNpZ25hdHVyZUV4YW1wbGU";

INSTANTIATE_TEST_SUITE_P(
    Formats, KnownTokenHitTest,
    ::testing::Values(
        HitCase{"aws_key_id", "AKIAIOSFODNN7EXAMPLE", "AWS access key ID"},
        HitCase{"aws_key_id_letters_only", "key=AKIAABCDEFGHIJKLMNOP", "AWS access key ID"},
        HitCase{"aws_temporary_key_id", "ASIA" + fakeBody(16, "0123456789ABCDEF"), "AWS temporary access key ID"},
        HitCase{"aws_role_id", "AROA" + fakeBody(16, "0123456789ABCDEF"), "AWS IAM role ID"},
        HitCase{"aws_secret_ini", "[default]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
                "AWS secret access key"},
        HitCase{"aws_secret_json", R"({"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})",
                "AWS secret access key"},
        HitCase{"aws_secret_env_style", "AWS_SECRET_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "AWS secret access key"},
        HitCase{"aws_secret_by_name", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS secret access key",
                "AWS_SECRET_ACCESS_KEY"},
        HitCase{"google_api_key", "AIza" + fakeBody(35), "Google API key"},
        HitCase{"google_service_account",
                R"({"type": "service_account", "private_key_id": "0123abcd", "private_key": "redacted"})",
                "Google service account key"},
        HitCase{"google_service_account_escaped",
                R"({"data":{"sa.json":"{\"private_key_id\": \"0123\", \"private_key\": \"x\"}"}})",
                "Google service account key"},
        HitCase{"github_classic", "token ghp_" + fakeBody(36), "GitHub personal access token"},
        HitCase{"github_oauth", "gho_" + fakeBody(36), "GitHub OAuth access token"},
        HitCase{"github_app", "ghs_" + fakeBody(36), "GitHub server-to-server token"},
        HitCase{"github_refresh", "ghr_" + fakeBody(36), "GitHub refresh token"},
        HitCase{"github_user", "ghu_" + fakeBody(36), "GitHub user-to-server token"},
        HitCase{"github_fine_grained", "github_pat_" + fakeBody(22) + "_" + fakeBody(59),
                "GitHub fine-grained personal access token"},
        HitCase{"gitlab", "glpat-" + fakeBody(20), "GitLab personal access token"},
        HitCase{"slack_bot", "xoxb-123456789012-1234567890123-" + fakeBody(24), "Slack bot token"},
        HitCase{"slack_user", "xoxp-" + fakeBody(30), "Slack user token"},
        HitCase{"slack_app", "xoxa-" + fakeBody(30), "Slack app token"},
        HitCase{"slack_refresh", "xoxr-" + fakeBody(30), "Slack refresh token"},
        HitCase{"slack_session", "xoxs-" + fakeBody(30), "Slack session token"},
        HitCase{"slack_webhook", "https://hooks.slack.com/services/T00000000/B00000000/" + fakeBody(24),
                "Slack webhook URL"},
        HitCase{"stripe_secret", "sk_live_" + fakeBody(24), "Stripe live secret key"},
        HitCase{"stripe_restricted", "rk_live_" + fakeBody(24), "Stripe live restricted key"},
        HitCase{"openai_legacy", "Bearer sk-" + fakeBody(48), "OpenAI API key"},
        HitCase{"openai_project", "sk-proj-EXAMPLEexampleEXAMPLEexample0123456789abcdEFGH", "OpenAI project API key"},
        HitCase{"openai_service_account", "sk-svcacct-" + fakeBody(40), "OpenAI service account key"},
        HitCase{"anthropic", "sk-ant-api03-" + fakeBody(60) + "-" + fakeBody(20), "Anthropic API key"},
        HitCase{"hugging_face", "hf_" + fakeBody(34), "Hugging Face access token"},
        HitCase{"npm", "//registry.npmjs.org/:_authToken=npm_" + fakeBody(36), "npm access token"},
        HitCase{"sendgrid", "SG." + fakeBody(22) + "." + fakeBody(43), "SendGrid API key"},
        HitCase{"twilio_by_name", "SK0123456789abcdef0123456789abcdef", "Twilio API key", "TWILIO_API_KEY"},
        HitCase{"twilio_in_text", "twilio: SK0123456789abcdef0123456789abcdef", "Twilio API key"},
        HitCase{"jwt", "Authorization: Bearer " + kJwt, "JSON Web Token"},
        HitCase{"jwt_after_json_newline", "first\\n" + kJwt, "JSON Web Token"},
        // A PEM header counts when key material follows it (after line breaks, JSON escapes and RFC 1421
        // header lines).
        HitCase{"pem_pkcs8", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----", "PEM private key"},
        HitCase{"pem_rsa", "-----BEGIN RSA PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", "PEM private key"},
        HitCase{"pem_ec", "-----BEGIN EC PRIVATE KEY-----\r\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", "PEM private key"},
        HitCase{"pem_openssh", "-----BEGIN OPENSSH PRIVATE KEY----- MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", "PEM private key"},
        HitCase{"pem_encrypted", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", "PEM private key"},
        HitCase{"pem_legacy_encrypted",
                "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0011\n\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
                "PEM private key"},
        HitCase{"pem_pgp", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", "PEM private key"},
        // base64 of "-----BEGIN RSA PRIVATE KEY-----\nEXAMPLE\n-----END RSA PRIVATE KEY-----\n"
        HitCase{"base64_pem", "client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpFWEFNUExFCi0tLS0tRU5EIFJTQSBQUklWQVRFIEtFWS0tLS0tCg==",
                "base64-encoded PEM private key"},
        HitCase{"url_postgres", "postgres://agent:hunter2example@db.agents.svc:5432/app", "password in a URL"},
        HitCase{"url_redis_no_user", "redis://:s3cretExample@redis:6379/0", "password in a URL"},
        HitCase{"url_git_token", "git clone https://oauth2:glpat-EXAMPLE@gitlab.example.com/x.git", "password in a URL"},
        HitCase{"url_in_shell", "curl -u x https://bot:pa55word@api.example.com/v1/run && echo ok", "password in a URL"},
        HitCase{"url_json_escaped", "{\"url\":\"https:\\/\\/sync:hunter2-sync@api.example.com\\/v1\"}", "password in a URL"},
        HitCase{"url_token_as_user", "https://Zq8Xw3Vt6Ys1Ur4Tp7On2Ml5Kj9Hg@git.example.com/org/repo.git",
                "token as the user name of a URL"},
        HitCase{"url_jdbc_query", "jdbc:postgresql://db:5432/app?user=app&password=hunter2-app", "password in a URL"},
        HitCase{"url_jdbc_semicolon", "jdbc:sqlserver://db:1433;databaseName=app;password=hunter2-app", "password in a URL"},
        HitCase{"url_access_token_query", "https://hooks.example.com/x?channel=ops&access_token=hunter2-app",
                "password in a URL"},
        HitCase{"url_spliced_reference", "postgres://agent:pre$(SUFFIX)@db:5432/app", "password in a URL"}),
    caseName<HitCase>);

struct MissCase {
  std::string name;
  std::string text;
  std::string context = {};
};

void PrintTo(const MissCase& c, std::ostream* os) { *os << c.name; }

class KnownTokenMissTest : public ::testing::TestWithParam<MissCase> {};

TEST_P(KnownTokenMissTest, FindsNothing) {
  const auto& c = GetParam();
  const auto matches = scan(c.text, c.context);
  for (const auto& match : matches) ADD_FAILURE() << c.text << " matched as " << match.type;
}

INSTANTIATE_TEST_SUITE_P(
    NearMisses, KnownTokenMissTest,
    ::testing::Values(
        MissCase{"aws_key_id_too_short", "AKIAIOSFODNN7EXAMPL"},
        MissCase{"aws_key_id_too_long", "AKIAIOSFODNN7EXAMPLE0"},
        MissCase{"aws_key_id_lowercase", "AKIAiosfodnn7example"},
        MissCase{"aws_key_id_inside_word", "XAKIAIOSFODNN7EXAMPLE"},
        MissCase{"aws_secret_without_name", "value = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
        MissCase{"aws_secret_wrong_length", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE"},
        MissCase{"aws_secret_by_name_wrong_length", "wJalrXUtnFEMI/K7MDENG", "AWS_SECRET_ACCESS_KEY"},
        MissCase{"google_api_key_short", "AIza" + fakeBody(30)},
        MissCase{"service_account_without_private_key", R"({"private_key_id": "0123"})"},
        MissCase{"github_short", "ghp_" + fakeBody(35)},
        MissCase{"github_long", "ghp_" + fakeBody(37)},
        MissCase{"github_other_prefix", "ghx_" + fakeBody(36)},
        MissCase{"gitlab_short", "glpat-" + fakeBody(19)},
        MissCase{"slack_short", "xoxb-123"},
        MissCase{"slack_webhook_without_path", "https://hooks.slack.com/services/"},
        MissCase{"stripe_test_key", "sk_test_" + fakeBody(24)},
        MissCase{"openai_short", "sk-" + fakeBody(20)},
        MissCase{"openai_no_digit", "sk-" + std::string(40, 'a')},
        MissCase{"sk_inside_word", "disk-" + fakeBody(40)},
        MissCase{"sk_kebab_words", "sk-learn-compatible-estimator-configuration-example"},
        MissCase{"hugging_face_path", "hf_home=/data/hf"},
        MissCase{"npm_short", "npm_" + fakeBody(20)},
        MissCase{"sendgrid_one_part", "SG." + fakeBody(22)},
        MissCase{"twilio_without_context", "SK0123456789abcdef0123456789abcdef"},
        MissCase{"jwt_two_parts", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0"},
        MissCase{"jwt_short_signature", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc"},
        MissCase{"pem_certificate", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"},
        MissCase{"pem_public_key", "-----BEGIN PUBLIC KEY-----"},
        MissCase{"pem_header_in_grep", "grep -q -- \"-----BEGIN RSA PRIVATE KEY-----\" \"$f\" && exit 1"},
        MissCase{"pem_header_alone", "-----BEGIN OPENSSH PRIVATE KEY-----"},
        MissCase{"pem_header_then_words", "-----BEGIN EC PRIVATE KEY-----\nnot a key here"},
        MissCase{"github_mask", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
        MissCase{"aws_mask", "AKIAXXXXXXXXXXXXXXXX"},
        MissCase{"url_escaped_placeholder", "https:\\/\\/agent:<password>@db.example.com"},
        MissCase{"url_query_reference", "jdbc:postgresql://db/app?user=a&password=$(DB_PASSWORD)"},
        MissCase{"url_query_about_token", "https://login.example.com/cb?token_type=bearer&scope=read"},
        MissCase{"url_short_user", "https://oauth2@gitlab.example.com/org/repo.git"},
        // base64 of "-----BEGIN CERTIFICATE-----\nEXAMPLE\n-----END CERTIFICATE-----\n"
        MissCase{"base64_certificate",
                 "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkVYQU1QTEUKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="},
        MissCase{"url_without_credentials", "https://api.example.com/v1/chat?model=x"},
        MissCase{"url_user_only", "ssh://git@github.com/org/repo.git"},
        MissCase{"url_empty_password", "postgres://agent:@db:5432/app"},
        MissCase{"url_var_reference", "postgres://agent:$(DB_PASSWORD)@db:5432/app"},
        MissCase{"url_brace_reference", "postgres://agent:${DB_PASSWORD}@db:5432/app"},
        MissCase{"url_shell_variable", "postgres://agent:$PGPASSWORD@db:5432/app"},
        MissCase{"url_masked", "postgres://agent:****@db:5432/app"},
        MissCase{"url_template", "postgres://agent:<password>@db:5432/app"},
        MissCase{"url_at_in_path", "https://example.com/user:x/@home"},
        MissCase{"email", "contact agent:ops@example.com"}),
    caseName<MissCase>);

TEST(KnownTokenTest, ReportsOffsetsAndEveryToken) {
  const std::string text = "A=AKIAIOSFODNN7EXAMPLE B=ghp_" + fakeBody(36);
  const auto matches = scan(text);
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0].offset, 2u);
  EXPECT_EQ(matches[0].length, 20u);
  EXPECT_EQ(text.substr(matches[1].offset, 4), "ghp_");
  EXPECT_EQ(matches[1].length, 40u);
}

std::vector<std::string_view> typesIn(std::string_view text, std::string_view context = {}) {
  std::vector<std::string_view> types;
  for (const auto& match : scan(text, context)) types.push_back(match.type);
  return types;
}

// The scan learns from the characters it passes which later searches (AWS assignments, service account
// keys, URL passwords) can find something; after stepping over a token it must still run all of them.
TEST(KnownTokenTest, SearchesAfterTheScanStillRunWhenATokenWasSteppedOver) {
  const std::string github = "ghp_" + fakeBody(36);
  EXPECT_EQ(typesIn(github + " postgres://app:hunter2-example@db:5432/app"),
            (std::vector<std::string_view>{"GitHub personal access token", "password in a URL"}));
  EXPECT_EQ(typesIn("postgres://app:hunter2-example@db:5432/app"),
            std::vector<std::string_view>{"password in a URL"});
  EXPECT_EQ(typesIn("aws_secret_access_key = " + fakeBody(40, "abcdefghijABCDEFGHIJ0123456789+/")),
            std::vector<std::string_view>{"AWS secret access key"});
  EXPECT_EQ(typesIn(R"({"type": "service_account", "private_key_id": "abc", "private_key": "x"})"),
            std::vector<std::string_view>{"Google service account key"});
  EXPECT_TRUE(typesIn("no url, no secret, no key id: just text").empty());
}

// A token starts at a boundary: after a character outside base64url, or after an escaped separator in
// JSON ("\n"); a dash that is no PEM header does not hide a token after it.
TEST(KnownTokenTest, TokenBoundariesAcrossEscapesAndDashes) {
  const std::string github = "ghp_" + fakeBody(36);
  EXPECT_EQ(typesIn("line one\\n" + github), std::vector<std::string_view>{"GitHub personal access token"});
  EXPECT_EQ(typesIn("{\\\"t\\\":\\\"" + github + "\\\"}"),
            std::vector<std::string_view>{"GitHub personal access token"});
  EXPECT_EQ(typesIn("--token=" + github), std::vector<std::string_view>{"GitHub personal access token"});
  EXPECT_EQ(typesIn("----- " + github), std::vector<std::string_view>{"GitHub personal access token"});
  EXPECT_TRUE(typesIn("x" + github).empty());
  EXPECT_TRUE(typesIn("\\x" + github).empty());
}

// Runs of letters, digits and '_' are passed over sixteen characters at a time. Whatever lane of such a
// step a run ends in, the token after it is found where it starts, and the letters the later searches
// look for ('s' of "secret", 'p' of "private_key_id") count wherever in the run they lie.
TEST(KnownTokenTest, FindsTokensWhereverARunOfWordCharactersEnds) {
  const std::string github = "ghp_" + fakeBody(36);
  const std::string slack = "hooks.slack.com/services/T00000000/B00000000/" + fakeBody(24);
  const std::string awsKey = fakeBody(40, "abcdefghijABCDEFGHIJ0123456789+/");
  for (size_t length = 0; length <= 40; ++length) {
    std::string run;
    for (size_t i = 0; i < length; ++i) run += "Ab9_zZ0xq"[i % 9];
    const auto only = [](std::string_view type) { return std::vector<std::string_view>{type}; };
    const auto matches = scan(run + " " + github);
    ASSERT_EQ(matches.size(), 1u) << length;
    EXPECT_EQ(matches[0].offset, length + 1) << length;
    EXPECT_EQ(typesIn(run + slack), only("Slack webhook URL")) << length;
    EXPECT_EQ(typesIn(run + "-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"), only("PEM private key")) << length;
    EXPECT_EQ(typesIn(run + "aws_secret_access_key=" + awsKey), only("AWS secret access key")) << length;
    EXPECT_EQ(typesIn(run + "_SECRET_ACCESS_KEY=" + awsKey), only("AWS secret access key")) << length;
    EXPECT_EQ(typesIn("{\"private_key_id\": \"" + run + "\", \"private_key\": \"k\"}"),
              only("Google service account key")) << length;
    if (length > 0) {
      EXPECT_TRUE(typesIn(run + github).empty()) << length;
    }
  }
}

// The context names an AWS secret key when its letters, lower case and without separators, contain
// "secretaccesskey" or "awssecretkey".
TEST(KnownTokenTest, AwsSecretKeyNamedByContext) {
  const std::string key = fakeBody(40, "abcdefghijABCDEFGHIJ0123456789+/");
  for (const char* context : {"AWS_SECRET_ACCESS_KEY", "aws-secret-key", "SecretAccessKey", "my.secret_access.key",
                              "S-e-c-r-e-t-A-c-c-e-s-s-K-e-y", "prefix_ssecretaccesskey"}) {
    EXPECT_EQ(typesIn(key, context), std::vector<std::string_view>{"AWS secret access key"}) << context;
  }
  for (const char* context : {"AWS_ACCESS_KEY_ID", "SECRET_KEY", "secretaccesske", "awssecret", "", "key"}) {
    EXPECT_TRUE(typesIn(key, context).empty()) << context;
  }
  EXPECT_TRUE(typesIn(key.substr(0, 39), "AWS_SECRET_ACCESS_KEY").empty());
  EXPECT_EQ(typesIn("\"" + key + "\"\n", "AWS_SECRET_ACCESS_KEY"), std::vector<std::string_view>{"AWS secret access key"});
}

TEST(KnownTokenTest, PlaceholderPasswords) {
  for (const char* password : {"$(DB_PASSWORD)", "${DB_PASSWORD}", "$PGPASSWORD", "{{ .password }}", "<password>",
                               "%s", "****", "xxxx"}) {
    EXPECT_TRUE(isPlaceholderPassword(password)) << password;
  }
  for (const char* password : {"hunter2", "$", "x1", "***a", "<open"}) {
    EXPECT_FALSE(isPlaceholderPassword(password)) << password;
  }
}

// The scanners are linear: a megabyte of near-misses of one format is scanned in milliseconds. A
// scanner that rescans a body from every start position needs minutes for some of these inputs.
TEST(KnownTokenTest, AdversarialInputsAreLinear) {
  for (const std::string unit : {"eyJa-", "eyJa.eyJb.", "sk-a", "glpat-", "xoxb-", "sk-proj-", "LS0tLS1CRUdJTi/",
                                 "a://b", "://", "secret_access_key=", "-----BEGIN A", "SK0", "hooks.slack.com/services/",
                                 "\\n"}) {
    std::string text;
    while (text.size() < (1u << 20)) text += unit;
    const auto start = std::chrono::steady_clock::now();
    std::vector<TokenMatch> matches;
    findKnownTokens(text, "twilio", matches);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_LT(elapsed, std::chrono::seconds(2)) << "1 MiB of \"" << unit << "\"";
  }
}

}  // namespace
}  // namespace agentguard::engine::credentials

// Settings written inside texts: which name and value findSecretAssignment takes, and what it leaves alone.
#include "engine/rules/credentials/assignments.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace agentguard::engine::credentials {
namespace {

struct Found {
  std::string name;
  std::string text;
  std::string expectedName;  // empty: nothing may be found
};

class FindSecretAssignmentTest : public ::testing::TestWithParam<Found> {};

TEST_P(FindSecretAssignmentTest, TakesTheSetting) {
  const auto found = findSecretAssignment(GetParam().text);
  if (GetParam().expectedName.empty()) {
    EXPECT_FALSE(found.has_value()) << (found ? std::string(found->name) + " = " + std::string(found->value) : "");
  } else {
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->name, GetParam().expectedName);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Forms, FindSecretAssignmentTest,
    ::testing::Values(
        // What it finds: every way a config file, a command line or a URL writes a setting.
        Found{"yaml", "db:\n  host: db\n  password: hunter2-db\n", "password"},
        Found{"json", R"({"model": "x", "api_key": "team-key-7"})", "api_key"},
        Found{"json_escaped", R"({\"api_key\":\"team-key-7\"})", "api_key"},
        Found{"ini_spaced", "[db]\npassword = hunter2 db\n", "password"},
        Found{"properties", "spring.datasource.password=hunter2-db\n", "spring.datasource.password"},
        Found{"dotenv_export", "export SMTP_PASS=mailer-2024\n", "SMTP_PASS"},
        Found{"docker_auths", R"({"auths":{"r.example.com":{"auth":"YWdlbnQ6aHVudGVy"}}})", "auth"},
        Found{"flag_equals", "agent --api-key=team-key-7 --verbose", "api-key"},
        Found{"flag_space", "mysql --user a --password hunter2db -h db", "password"},
        Found{"java_property", "-Ddb.password=hunter2-db", "Ddb.password"},
        Found{"query", "https://x.example.com/cb?channel=ops&access_token=hunter2-db", "access_token"},
        Found{"jdbc", "jdbc:sqlserver://db:1433;user=a;password=hunter2-db", "password"},
        Found{"header", "curl -H 'X-Token: hunter2-db' https://x", "X-Token"},
        Found{"yaml_list_item", "users:\n  - name: a\n    token: hunter2-db\n", "token"},
        // What it leaves alone: references, expansions, code, placeholders, names about secrets, prose,
        // comments, comparisons and qualified annotation keys.
        Found{"reference", "password: ${DB_PASSWORD}", ""},
        Found{"kube_reference", "--token=$(API_TOKEN)", ""},
        Found{"shell_variable", "--token=\"$API_TOKEN\" --password \"${DB_PASSWORD}\"", ""},
        Found{"command_substitution", "export PGPASSWORD=$(cat /run/secrets/db)", ""},
        Found{"python", "password = os.environ[\"DB_PASSWORD\"]", ""},
        Found{"attribute", "api_key = settings.OPENAI_API_KEY", ""},
        Found{"call", "token = read_token(\"/var/run/token\")", ""},
        Found{"placeholder", "password: <set-me>\napi_key: \"xxxxxxxx\"\nsecret: changeme", ""},
        Found{"about_names", "token_budget: 1000\npassword_file: /run/secrets/pw\nauth_realm: agents", ""},
        Found{"mapping", "auth:\n  type: oidc\ncredentials: {secretName: x}", ""},
        Found{"prose", "# Credentials: secrets live in Secret objects\nCredentials: kept in Secret objects only", ""},
        Found{"comment", "# password: hunter2-db\n; token = hunter2-db\n// secret: hunter2-db", ""},
        Found{"comparison", "if [ \"$TOKEN\" == \"abc\" ]; then x; fi; [ $PASSWORD != x ]", ""},
        Found{"annotation_key", R"({"vault.hashicorp.com/agent-inject-secret-db":"database/creds/db"})", ""},
        Found{"flag_about", "--token-file /run/secrets/token --password-stdin", ""},
        Found{"url_port", "https://db:5432/app image: registry/x:1.0", ""}),
    [](const ::testing::TestParamInfo<Found>& test) { return test.param.name; });

TEST(SecretFlagNameTest, LoneFlags) {
  EXPECT_EQ(secretFlagName("--password"), "password");
  EXPECT_EQ(secretFlagName("-api-key"), "api-key");
  EXPECT_EQ(secretFlagName("--token-file"), "");
  EXPECT_EQ(secretFlagName("--verbose"), "");
  EXPECT_EQ(secretFlagName("password"), "");
  EXPECT_EQ(secretFlagName("--password=x"), "");
}

// One pass over the text whatever it holds: a megabyte of near-misses takes milliseconds.
TEST(FindSecretAssignmentTest, AdversarialInputsAreLinear) {
  for (const std::string unit : {"token: ", "a=", "--password ", "password=\"", "x:", "token: token: ", "-"}) {
    std::string text;
    while (text.size() < (1u << 20)) text += unit;
    const auto start = std::chrono::steady_clock::now();
    (void)findSecretAssignment(text);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2)) << "1 MiB of \"" << unit << "\"";
  }
}

}  // namespace
}  // namespace agentguard::engine::credentials

// The credentials rules through the engine: what the messages say (and never say) and how the
// parameters of credentials.high-entropy change the outcome. The per-format and per-place behaviour is
// covered by the case files under policies/credentials/cases.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/manifest/manifest_object.h"
#include "engine/engine.h"
#include "engine/policy/policy_loader.h"
#include "engine/rules/credentials/secret_scanner.h"

namespace agentguard::engine {
namespace {

Result<PolicySet> compile(const std::string& rules) {
  const std::string text = R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata:
  name: credentials
spec:
  rules:
)" + rules;
  return compilePolicies({PolicyFile{"test-policy.yaml", text}}, RuleCatalog::builtin());
}

Findings check(const std::string& rules, std::string_view yaml) {
  auto policies = compile(rules);
  EXPECT_TRUE(policies.ok()) << (policies.ok() ? "" : policies.error().describe());
  if (!policies.ok()) return {};
  const Engine engine(std::make_shared<const PolicySet>(std::move(policies).value()));
  auto objects = manifest::loadManifests(yaml, "test.yaml");
  EXPECT_TRUE(objects.ok());
  Findings all;
  if (!objects.ok()) return all;
  for (const auto& object : *objects) {
    for (auto& finding : engine.evaluate(object.body, EvaluationContext{})) all.push_back(std::move(finding));
  }
  return all;
}

const std::string kAllRules = R"(    - id: credentials.known-token
    - id: credentials.sensitive-env-literal
    - id: credentials.high-entropy
)";

// Secrets planted in every kind of place; none of their characters beyond a 4-character window may
// appear in a message or a fix.
constexpr std::string_view kRandomSecret = "Zq8Xw3Vt6Ys1Ur4Tp7On2Ml5Kj";
constexpr std::string_view kGithubBody = "EXAMPLEq8Xw3Vt6Ys1Ur4Tp7On2Ml5Kj9Hg0F";
constexpr std::string_view kPassword = "horse-battery-staple-correct";

std::string plantedSecrets() {
  return R"(
apiVersion: apps/v1
kind: Deployment
metadata:
  name: leaky
  namespace: agents
  annotations:
    example.com/token: ghp_)" + std::string(kGithubBody.substr(0, 36)) + R"(
    example.com/seed: )" + std::string(kRandomSecret) + R"(
spec:
  template:
    spec:
      containers:
        - name: agent
          image: agent:1.0.0
          args: ["--seed=)" + std::string(kRandomSecret) + R"(", "postgres://u:)" + std::string(kPassword) + R"(@db/x"]
          env:
            - {name: DB_PASSWORD, value: )" + std::string(kPassword) + R"(}
            - {name: SEED, value: )" + std::string(kRandomSecret) + R"(}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: leaky, namespace: agents}
data:
  API_TOKEN: )" + std::string(kPassword) + R"(
  settings.ini: "seed = )" + std::string(kRandomSecret) + R"("
)";
}

TEST(CredentialRulesTest, MessagesNeverRevealTheSecret) {
  const Findings findings = check(kAllRules, plantedSecrets());
  EXPECT_GE(findings.size(), 8u);
  for (const std::string_view secret : {kRandomSecret, kGithubBody.substr(0, 36), kPassword}) {
    for (size_t start = 0; start + 5 <= secret.size(); ++start) {
      const std::string window(secret.substr(start, 5));
      for (const auto& finding : findings) {
        EXPECT_EQ(finding.message.find(window), std::string::npos) << finding.describe();
        EXPECT_EQ(finding.fix.find(window), std::string::npos) << finding.describe();
      }
    }
  }
}

TEST(CredentialRulesTest, MessagesNameThePlaceAndTheFormat) {
  const Findings findings = check(kAllRules, plantedSecrets());
  std::vector<std::string> described;
  for (const auto& finding : findings) described.push_back(finding.rule + " " + finding.path + ": " + finding.message);
  const auto has = [&](const std::string& text) {
    for (const auto& line : described) {
      if (line == text) return true;
    }
    ADD_FAILURE() << "missing: " << text;
    return false;
  };
  has("credentials.known-token metadata.annotations[\"example.com/token\"]: annotation \"example.com/token\" holds a "
      "credential of a known format: GitHub personal access token");
  has("credentials.known-token spec.template.spec.containers[0].args[1]: args[1] of container \"agent\" holds a "
      "credential of a known format: password in a URL");
  has("credentials.sensitive-env-literal spec.template.spec.containers[0].env[0].value: env var \"DB_PASSWORD\" of "
      "container \"agent\" is named for a secret and set to a literal value");
  has("credentials.high-entropy spec.template.spec.containers[0].env[1].value: env var \"SEED\" of container "
      "\"agent\" holds a random-looking 26-character string with 4.7 bits of entropy per character, which may be a "
      "secret");
  has("credentials.high-entropy spec.template.spec.containers[0].args[0]: args[0] of container \"agent\" holds a "
      "random-looking 26-character string with 4.7 bits of entropy per character at offset 7, which may be a "
      "secret");
  has("credentials.sensitive-env-literal data.API_TOKEN: ConfigMap key \"API_TOKEN\" is named for a secret and holds "
      "a literal value; ConfigMaps are readable by anyone who may read configuration");
  has("credentials.high-entropy data[\"settings.ini\"]: ConfigMap key \"settings.ini\" holds a random-looking "
      "26-character string with 4.7 bits of entropy per character at offset 7, which may be a secret");
}

TEST(CredentialRulesTest, EachRuleReportsWhatItRecognisesOnItsOwn) {
  // The password is named for a secret and random-looking: both rules report it, so that turning one of
  // them off (or exempting the object from it) leaves the other's finding in place.
  const std::string_view pod = R"(
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: agents}
spec:
  containers:
    - name: c
      image: c:1.0.0
      env: [{name: DB_PASSWORD, value: Zq8Xw3Vt6Ys1Ur4Tp7On2Ml5Kj}]
)";
  const Findings findings = check(kAllRules, pod);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].rule, "credentials.sensitive-env-literal");
  EXPECT_EQ(findings[1].rule, "credentials.high-entropy");
  ASSERT_EQ(check("    - id: credentials.high-entropy\n", pod).size(), 1u);
}

TEST(CredentialRulesTest, SettingsInsideTextsNameTheSetting) {
  const Findings findings = check("    - id: credentials.sensitive-env-literal\n", R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: agents}
data:
  app.properties: "spring.datasource.password=hunter2-app\n"
)");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].message,
            "ConfigMap key \"app.properties\" sets \"spring.datasource.password\", which is named for a secret, to a "
            "literal value");
}

TEST(CredentialRulesTest, CustomSecretKindsAreChecked) {
  // Only the core v1 Secret is where credentials belong; a custom resource of kind Secret is scanned.
  const Findings findings = check("    - id: credentials.known-token\n", R"(
apiVersion: example.com/v1
kind: Secret
metadata: {name: s, namespace: agents}
spec:
  token: ghp_EXAMPLE0123456789abcdefghijklmnopqrs
)");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].path, "spec.token");
}

const std::string_view kSeedPod = R"(
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: agents}
spec:
  containers:
    - name: c
      image: c:1.0.0
      args: [--seed, Zq8Xw3Vt6Ys1Ur4Tp7On2Ml5Kj]
)";

TEST(CredentialRulesTest, HighEntropyParameters) {
  EXPECT_EQ(check("    - id: credentials.high-entropy\n", kSeedPod).size(), 1u);
  EXPECT_TRUE(check("    - id: credentials.high-entropy\n      parameters: {minLength: 30}\n", kSeedPod).empty());
  EXPECT_TRUE(check("    - id: credentials.high-entropy\n      parameters: {minEntropy: 5.0}\n", kSeedPod).empty());
  EXPECT_TRUE(check("    - id: credentials.high-entropy\n      parameters: {ignoreValues: [Zq8Xw3Vt6Ys1Ur4Tp7On2Ml5Kj]}\n",
                    kSeedPod)
                  .empty());
}

TEST(CredentialRulesTest, InvalidParametersFailThePolicy) {
  EXPECT_FALSE(compile("    - id: credentials.high-entropy\n      parameters: {minLength: 3}\n").ok());
  EXPECT_FALSE(compile("    - id: credentials.high-entropy\n      parameters: {minEntropy: high}\n").ok());
  EXPECT_FALSE(compile("    - id: credentials.high-entropy\n      parameters: {ignoreValues: [1, 2]}\n").ok());
  EXPECT_FALSE(compile("    - id: credentials.known-token\n      parameters: {minLength: 20}\n").ok());
}

TEST(CredentialRulesTest, SecretsAreNeverChecked) {
  EXPECT_TRUE(check(kAllRules, R"(
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: agents}
stringData:
  token: ghp_EXAMPLE0123456789abcdefghijklmnopqrs
  DB_PASSWORD: hunter2
)").empty());
}

// A custom resource too deep to walk is reported by every credentials rule on its own, so turning one rule
// off or exempting it never hides the gap from the others.
TEST(CredentialRulesTest, EachRuleReportsAnObjectTooDeepToWalk) {
  nlohmann::json inner = {{"image", "x:1"}, {"env", nlohmann::json::array({{{"name", "TOKEN"}, {"value", "abc"}}})}};
  std::string path = "spec";
  for (int i = 0; i < credentials::kMaxWalkDepth; ++i) {
    inner = nlohmann::json{{"a", std::move(inner)}};
    path += ".a";
  }
  const nlohmann::json body = {{"apiVersion", "example.com/v1"},
                               {"kind", "Nest"},
                               {"metadata", {{"name", "deep"}, {"namespace", "agents"}}},
                               {"spec", inner}};
  for (const std::string rule : {"credentials.known-token", "credentials.sensitive-env-literal",
                                 "credentials.high-entropy"}) {
    auto policies = compile("    - id: " + rule + "\n");
    ASSERT_TRUE(policies.ok());
    const Engine engine(std::make_shared<const PolicySet>(std::move(policies).value()));
    const Findings findings = engine.evaluate(body, EvaluationContext{});
    ASSERT_EQ(findings.size(), 1u) << rule;
    EXPECT_EQ(findings[0].rule, rule);
    EXPECT_EQ(findings[0].path, path);
    EXPECT_NE(findings[0].message.find("deeper than"), std::string::npos) << findings[0].message;
  }
}

}  // namespace
}  // namespace agentguard::engine

// The shared list of an object's texts: the same places forEachTextPlace visits, computed once per
// object, and the credentials rules report the same whether they share it or each start afresh.
#include "engine/rules/credentials/object_texts.h"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/manifest/manifest_object.h"
#include "engine/policy/parameter_reader.h"
#include "engine/rules/rule_catalog.h"
#include "engine/rules/credentials/sensitive_names.h"

namespace agentguard::engine::credentials {
namespace {

struct Place {
  PlaceKind kind;
  std::string text;
  std::string key;
  std::string path;
  std::string described;
  bool operator==(const Place&) const = default;
};

Place placeOf(const TextPlace& place) {
  return {place.kind, std::string(place.text), std::string(place.key), place.path(), place.describe()};
}

std::vector<manifest::ManifestObject> load(std::string_view yaml) {
  auto objects = manifest::loadManifests(yaml, "test.yaml");
  EXPECT_TRUE(objects.ok());
  return objects.ok() ? std::move(objects).value() : std::vector<manifest::ManifestObject>{};
}

// Containers at several depths of a custom resource (their paths are rendered only for the visit), a
// workload with pod annotations, probes and hooks, a ConfigMap, and a Secret, which has no texts.
constexpr std::string_view kTrickyObjects = R"(
apiVersion: example.com/v1
kind: AgentPipeline
metadata:
  name: pipeline
  annotations: {example.com/token: ghp_EXAMPLEq8Xw3Vt6Ys1Ur4Tp7On2Ml5Kj9Hg0F}
spec:
  steps:
    - name: fetch
      image: busybox:1.36
      env:
        - {name: DB_PASSWORD, value: horse-battery-staple}
        - {name: SEED, value: Zq8Xw3Vt6Ys1Ur4Tp7On2Ml5Kj}
    - name: train
      template:
        container:
          image: trainer:2.0
          args: ["--key=Zq8Xw3Vt6Ys1Ur4Tp7On2Ml5Kj", "--epochs=3"]
          livenessProbe:
            httpGet: {path: /healthz, port: 8080, httpHeaders: [{name: Authorization, value: Bearer Zq8Xw3Vt6Ys1Ur4Tp7On2Ml5Kj}]}
    - name: evaluate
      image: evaluator:2.0
      env: [{name: API_KEY, value: $(API_KEY_FROM_SECRET)}]
  sidecars:
    - {name: proxy, image: proxy:1.0, command: [proxy, --token, Zq8Xw3Vt6Ys1Ur4Tp7On2Ml5Kj]}
status:
  steps: [{image: ignored, env: [{name: TOKEN, value: not-visited}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: gateway, annotations: {example.com/team: platform}}
spec:
  template:
    metadata: {annotations: {example.com/seed: Zq8Xw3Vt6Ys1Ur4Tp7On2Ml5Kj}}
    spec:
      initContainers:
        - {name: download, image: "curlimages/curl:8.5.0",
           command: [sh, -c, "curl -o /x https://user:Zq8Xw3Vt6Ys1Ur4@example.com/x"]}
      containers:
        - name: agent
          image: agent:1.0.0
          env:
            - {name: LOG_LEVEL, value: info}
            - {name: OPENAI_API_KEY, value: sk-proj-Zq8Xw3Vt6Ys1Ur4Tp7On2Ml5Kj}
            - {name: TOKEN_FILE, value: /var/run/token}
            - name: FROM_SECRET
              valueFrom: {secretKeyRef: {name: s, key: k}}
          lifecycle:
            preStop: {exec: {command: [sh, -c, "curl -H 'X-Token: Zq8Xw3Vt6Ys1Ur4Tp7On2Ml5Kj' x"]}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data:
  API_TOKEN: horse-battery-staple
  api_token: horse-battery-staple
  settings.ini: "seed = Zq8Xw3Vt6Ys1Ur4Tp7On2Ml5Kj"
---
apiVersion: v1
kind: Secret
metadata: {name: keys, annotations: {example.com/seed: Zq8Xw3Vt6Ys1Ur4Tp7On2Ml5Kj}}
stringData: {API_TOKEN: horse-battery-staple}
)";

TEST(ObjectTextsTest, HoldsThePlacesForEachTextPlaceVisitsWithTheirSensitiveFlags) {
  size_t total = 0;
  for (const auto& object : load(kTrickyObjects)) {
    const ObjectView view(object.body, "default");
    std::vector<Place> visited;
    std::vector<bool> sensitive;
    // The previous place, kept with copies of its texts: a value may be a flag's (--token, then the value).
    std::string previousText, previousBase, previousHook;
    std::optional<TextPlace> previous;
    forEachTextPlace(view, [&](const TextPlace& place) {
      visited.push_back(placeOf(place));
      sensitive.push_back(!secretSettingName(place, previous ? &*previous : nullptr).empty());
      previousText = place.text;
      previousBase = place.base;
      previousHook = place.hook;
      previous = place;
      previous->text = previousText;
      previous->base = previousBase;
      previous->hook = previousHook;
      previous->key = {};
      previous->container = {};
    });
    // The places are read after the walk, when the paths rendered for the visit are gone.
    const ObjectTexts& texts = objectTexts(view);
    std::vector<Place> kept;
    std::vector<bool> keptSensitive;
    for (const auto& text : texts.texts) {
      kept.push_back(placeOf(text.place));
      keptSensitive.push_back(text.sensitiveLiteral);
    }
    EXPECT_EQ(kept, visited) << view.kind();
    EXPECT_EQ(keptSensitive, sensitive) << view.kind();
    total += kept.size();
  }
  // 26: the AgentPipeline's step without a container has a free-form field (its name), and the probe a path.
  EXPECT_EQ(total, 26u);
}

TEST(ObjectTextsTest, FlagsOnlySecretNamedLiterals) {
  const auto objects = load(kTrickyObjects);
  ASSERT_EQ(objects.size(), 4u);
  for (const auto& object : objects) {
    const ObjectView view(object.body, "default");
    std::vector<std::string> flagged;
    for (const auto& text : objectTexts(view).texts) {
      if (text.sensitiveLiteral) flagged.push_back(text.place.path());
    }
    if (view.kind() == "AgentPipeline") {
      // The env var, the Authorization header and the value after a --token flag.
      EXPECT_EQ(flagged, (std::vector<std::string>{
                             "spec.sidecars[0].command[2]", "spec.steps[0].env[0].value",
                             "spec.steps[1].template.container.livenessProbe.httpGet.httpHeaders[0].value"}));
    } else if (view.kind() == "Deployment") {
      // The env var and "X-Token: ..." inside a shell command.
      EXPECT_EQ(flagged, (std::vector<std::string>{"spec.template.spec.containers[0].env[1].value",
                                                   "spec.template.spec.containers[0].lifecycle.preStop.exec.command[2]"}));
    } else if (view.kind() == "ConfigMap") {
      // Both keys are env var names envFrom would load; settings.ini is a file whose "seed" is no secret name.
      EXPECT_EQ(flagged, (std::vector<std::string>{"data.API_TOKEN", "data.api_token"}));
    } else {
      EXPECT_TRUE(flagged.empty()) << view.kind();
    }
  }
}

TEST(ObjectTextsTest, IsComputedOncePerViewAndNeverSharedBetweenViews) {
  const auto objects = load(kTrickyObjects);
  ASSERT_GE(objects.size(), 2u);
  const ObjectView pipeline(objects[0].body, "default");
  const ObjectView deployment(objects[1].body, "default");
  const ObjectTexts& first = objectTexts(pipeline);
  EXPECT_EQ(&objectTexts(pipeline), &first);
  EXPECT_EQ(pipeline.memo().size(), 1u);
  const ObjectTexts& other = objectTexts(deployment);
  EXPECT_NE(&other, &first);
  EXPECT_EQ(other.texts.front().place.path(), "metadata.annotations[\"example.com/team\"]");
  EXPECT_EQ(first.texts.front().place.path(), "metadata.annotations[\"example.com/token\"]");
  const ObjectView pipelineAgain(objects[0].body, "default");
  EXPECT_EQ(pipelineAgain.memo().size(), 0u);
  EXPECT_NE(&objectTexts(pipelineAgain), &first);
}

// Each credentials rule evaluated on its own fresh view, and all of them one after another on one view
// whose memo they share: the violations must be the same.
TEST(ObjectTextsTest, RulesReportTheSameWithAndWithoutSharingTheList) {
  const auto& catalog = RuleCatalog::builtin();
  std::vector<RulePtr> rules;
  for (const char* id : {"credentials.known-token", "credentials.sensitive-env-literal", "credentials.high-entropy"}) {
    const RuleDefinition* definition = catalog.find(id);
    ASSERT_NE(definition, nullptr) << id;
    ParameterReader parameters(nullptr, "test-policy.yaml", "parameters", [](std::string_view) { return 1; });
    rules.push_back(definition->create(parameters));
    ASSERT_NE(rules.back(), nullptr) << id;
  }
  size_t reported = 0;
  for (const auto& object : load(kTrickyObjects)) {
    const ObjectView shared(object.body, "default");
    for (const auto& rule : rules) {
      std::vector<Violation> alone;
      rule->evaluate(ObjectView(object.body, "default"), RuleContext{}, alone);
      std::vector<Violation> sharing;
      rule->evaluate(shared, RuleContext{}, sharing);
      ASSERT_EQ(sharing.size(), alone.size());
      for (size_t i = 0; i < alone.size(); ++i) {
        EXPECT_EQ(sharing[i].path, alone[i].path);
        EXPECT_EQ(sharing[i].message, alone[i].message);
        EXPECT_EQ(sharing[i].fix, alone[i].fix);
      }
      reported += alone.size();
    }
    EXPECT_LE(shared.memo().size(), 1u);
  }
  EXPECT_GE(reported, 10u);
}

}  // namespace
}  // namespace agentguard::engine::credentials

#include "engine/rules/credentials/secret_scanner.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "common/manifest/manifest_object.h"

namespace agentguard::engine::credentials {
namespace {

struct Visited {
  std::string path;
  std::string text;
  std::string described;
};

std::vector<Visited> places(std::string_view yaml) {
  auto objects = manifest::loadManifests(yaml, "test.yaml");
  EXPECT_TRUE(objects.ok());
  if (!objects.ok() || objects->empty()) return {};
  const ObjectView view(objects->front().body, "default");
  std::vector<Visited> visited;
  forEachTextPlace(view, [&](const TextPlace& place) {
    visited.push_back({place.path(), std::string(place.text), place.describe()});
  });
  return visited;
}

std::vector<std::string> paths(const std::vector<Visited>& visited) {
  std::vector<std::string> out;
  for (const auto& v : visited) out.push_back(v.path);
  return out;
}

TEST(SecretScannerTest, VisitsEveryContainerTextOfAWorkload) {
  const auto visited = places(R"(
apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
  annotations: {example.com/owner: team-a}
spec:
  template:
    metadata:
      annotations: {example.com/note: hello}
    spec:
      initContainers:
        - name: fetch
          image: busybox:1.36
          command: [sh, -c, "wget https://example.com"]
      containers:
        - name: agent
          image: agent:1.0.0
          args: [--verbose]
          env:
            - {name: LOG_LEVEL, value: info}
            - name: API_KEY
              valueFrom: {secretKeyRef: {name: keys, key: api}}
          livenessProbe:
            httpGet:
              path: /healthz
              port: 8080
              httpHeaders: [{name: Authorization, value: Bearer x}]
          lifecycle:
            preStop:
              exec: {command: [sh, -c, "sleep 5"]}
)");
  EXPECT_EQ(paths(visited), (std::vector<std::string>{
                                "metadata.annotations[\"example.com/owner\"]",
                                "spec.template.metadata.annotations[\"example.com/note\"]",
                                "spec.template.spec.containers[0].env[0].value",
                                "spec.template.spec.containers[0].args[0]",
                                "spec.template.spec.containers[0].livenessProbe.httpGet.httpHeaders[0].value",
                                "spec.template.spec.containers[0].livenessProbe.httpGet.path",
                                "spec.template.spec.containers[0].lifecycle.preStop.exec.command[0]",
                                "spec.template.spec.containers[0].lifecycle.preStop.exec.command[1]",
                                "spec.template.spec.containers[0].lifecycle.preStop.exec.command[2]",
                                "spec.template.spec.initContainers[0].command[0]",
                                "spec.template.spec.initContainers[0].command[1]",
                                "spec.template.spec.initContainers[0].command[2]",
                            }));
  ASSERT_EQ(visited.size(), 12u);
  EXPECT_EQ(visited[0].described, "annotation \"example.com/owner\"");
  EXPECT_EQ(visited[1].described, "pod template annotation \"example.com/note\"");
  EXPECT_EQ(visited[2].described, "env var \"LOG_LEVEL\" of container \"agent\"");
  EXPECT_EQ(visited[3].described, "args[0] of container \"agent\"");
  EXPECT_EQ(visited[4].described, "livenessProbe HTTP header \"Authorization\" of container \"agent\"");
  EXPECT_EQ(visited[5].described, "livenessProbe httpGet.path of container \"agent\"");
  EXPECT_EQ(visited[5].text, "/healthz");
  EXPECT_EQ(visited[6].described, "lifecycle.preStop exec.command[0] of container \"agent\"");
  EXPECT_EQ(visited[11].described, "command[2] of container \"fetch\"");
  EXPECT_EQ(visited[11].text, "wget https://example.com");
}

TEST(SecretScannerTest, PodAnnotationsAreVisitedOnce) {
  const auto visited = places(R"(
apiVersion: v1
kind: Pod
metadata:
  name: agent
  annotations: {example.com/a: "1"}
spec:
  containers: [{name: agent, image: agent:1.0.0}]
)");
  EXPECT_EQ(paths(visited), (std::vector<std::string>{"metadata.annotations[\"example.com/a\"]"}));
}

TEST(SecretScannerTest, ConfigMapDataAndDecodedBinaryData) {
  const auto visited = places(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data:
  api.key: value
  LOG_LEVEL: info
binaryData:
  blob: aGVsbG8gd29ybGQ=
)");
  EXPECT_EQ(paths(visited), (std::vector<std::string>{"data.LOG_LEVEL", "data[\"api.key\"]", "binaryData.blob"}));
  EXPECT_EQ(visited[1].described, "ConfigMap key \"api.key\"");
  EXPECT_EQ(visited[2].described, "ConfigMap binaryData key \"blob\" (decoded)");
  EXPECT_EQ(visited[2].text, "hello world");
}

TEST(SecretScannerTest, CsiVolumeAttributesJobTemplateAnnotationsAndPersistentVolumes) {
  EXPECT_EQ(paths(places(R"(
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    metadata: {annotations: {example.com/a: x}}
    spec:
      template:
        spec:
          containers: [{name: c, image: c:1.0.0}]
          volumes:
            - {name: plain, emptyDir: {}}
            - {name: bucket, csi: {driver: d, volumeAttributes: {password: p, bucket: b}}}
)")),
            (std::vector<std::string>{"spec.jobTemplate.metadata.annotations[\"example.com/a\"]",
                                      "spec.jobTemplate.spec.template.spec.volumes[1].csi.volumeAttributes.bucket",
                                      "spec.jobTemplate.spec.template.spec.volumes[1].csi.volumeAttributes.password"}));
  const auto volume = places(R"(
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv}
spec:
  csi: {driver: d, volumeHandle: h, volumeAttributes: {token: t}}
)");
  EXPECT_EQ(paths(volume), (std::vector<std::string>{"spec.csi.volumeAttributes.token"}));
  EXPECT_EQ(volume[0].described, "CSI volume attribute \"token\"");
}

// $(VAR) is expanded as the kubelet does: with the literal values of vars defined before (for env) or
// anywhere in env (for args and command); references to valueFrom vars and undefined vars stay; $$ escapes.
TEST(SecretScannerTest, ExpandsReferencesToLiteralEnvVars) {
  const auto visited = places(R"yaml(
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: c
      image: c:1.0.0
      args: ["--token=$(RAW)", "$(LATER)", "$(FROM_SECRET)", "$$(RAW)", "$(MISSING"]
      env:
        - {name: RAW, value: hunter2}
        - {name: COPY, value: "x$(RAW)y$(LATER)"}
        - {name: LATER, value: later}
        - name: FROM_SECRET
          valueFrom: {secretKeyRef: {name: s, key: k}}
)yaml");
  std::vector<std::string> texts;
  for (const auto& place : visited) texts.push_back(place.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"hunter2", "xhunter2y$(LATER)", "later", "--token=hunter2", "later",
                                             "$(FROM_SECRET)", "$(RAW)", "$(MISSING"}));
}

TEST(SecretScannerTest, SecretsAreNotVisited) {
  EXPECT_TRUE(places(R"(
apiVersion: v1
kind: Secret
metadata:
  name: keys
  annotations: {example.com/a: "1"}
stringData: {token: value}
)").empty());
}

// Only the core group's Secret is where credentials belong; a custom resource that calls itself Secret is
// walked like any other custom resource.
TEST(SecretScannerTest, CustomResourceOfKindSecretIsVisited) {
  for (const std::string apiVersion : {"example.com/v1", "v1beta1", "secrets.example.com/v1", "core/v1"}) {
    const auto visited = places("apiVersion: " + apiVersion + R"(
kind: Secret
metadata: {name: keys, annotations: {example.com/a: "1"}}
spec:
  runner: {image: runner:1.0.0, env: [{name: TOKEN, value: abc}]}
)");
    EXPECT_EQ(paths(visited), (std::vector<std::string>{"metadata.annotations[\"example.com/a\"]",
                                                        "spec.runner.env[0].value"}))
        << apiVersion;
  }
}

// A custom resource with a container `levels` objects below spec: spec.a.a...a = {image, env}.
nlohmann::json nest(int levels) {
  nlohmann::json container = {{"image", "x:1"}, {"env", nlohmann::json::array({{{"name", "TOKEN"}, {"value", "abc"}}})}};
  for (int i = 0; i < levels; ++i) container = nlohmann::json{{"a", std::move(container)}};
  return {{"apiVersion", "example.com/v1"}, {"kind", "Nest"}, {"metadata", {{"name", "deep"}}}, {"spec", container}};
}

// A custom resource deeper than the walk goes is not passed silently: the walk names where it stopped.
TEST(SecretScannerTest, TooDeepCustomResourceNamesWhereTheWalkStopped) {
  const nlohmann::json deep = nest(kMaxWalkDepth);
  std::string expected = "spec";
  for (int i = 0; i < kMaxWalkDepth; ++i) expected += ".a";
  size_t visited = 0;
  EXPECT_EQ(forEachTextPlace(ObjectView(deep, "default"), [&visited](const TextPlace&) { ++visited; }), expected);
  EXPECT_EQ(visited, 0u);

  const nlohmann::json deepest = nest(kMaxWalkDepth - 1);  // one level less is walked whole
  EXPECT_EQ(forEachTextPlace(ObjectView(deepest, "default"), [&visited](const TextPlace&) { ++visited; }), "");
  EXPECT_EQ(visited, 1u);
}

TEST(SecretScannerTest, ContainersInsideCustomResources) {
  const auto visited = places(R"(
apiVersion: agents.example.com/v1
kind: AgentSandbox
metadata: {name: analyst}
spec:
  runtime:
    image: analyst:2.0.0
    env: [{name: MODE, value: fast}]
  steps:
    - name: prepare
      env: [{name: STEP, value: one}]
      args: [--x]
  schema:
    env: {type: object}
status:
  env: [{name: IGNORED, value: status}]
)");
  // A custom resource's other strings are visited as fields (spec.schema.env.type), status never.
  EXPECT_EQ(paths(visited), (std::vector<std::string>{"spec.runtime.env[0].value", "spec.schema.env.type",
                                                      "spec.steps[0].env[0].value", "spec.steps[0].args[0]"}));
  EXPECT_EQ(visited[2].described, "env var \"STEP\" of container \"prepare\"");
  EXPECT_EQ(visited[0].described, "env var \"MODE\" of a container");
  EXPECT_EQ(visited[1].described, "field spec.schema.env.type");
}

// Containers are read in one pass over their members; fields of the wrong type are skipped as before,
// and the texts come in the fixed order env, args, command, probes, lifecycle hooks.
TEST(SecretScannerTest, ContainerFieldsOfEveryListAndOfWrongTypes) {
  const auto visited = places(R"(
apiVersion: v1
kind: Pod
metadata: {name: agent}
spec:
  containers:
    - name: 7
      image: agent:1.0.0
      startupProbe: {exec: {command: [start]}}
      lifecycle:
        postStart: {exec: {command: [post]}}
        preStop: {httpGet: {port: 80, httpHeaders: [{value: v0}, {name: X-Key, value: v1}, {name: X-Ref}]}}
      readinessProbe: {exec: {command: [ready, 3, ""]}}
      livenessProbe: {exec: "not an object", httpGet: {httpHeaders: {name: X, value: not-a-list}}}
      command: cmd
      args: [a0, {x: 1}, "é ∑ 日本"]
      env:
        - {name: EMPTY, value: ""}
        - {name: NUMBER, value: 5}
        - {value: nameless}
        - "not an entry"
  initContainers:
    - name: init
      env: {name: NOT_A_LIST, value: x}
      command: [init-cmd]
  ephemeralContainers:
    - name: debug
      args: [--debug]
)");
  EXPECT_EQ(paths(visited), (std::vector<std::string>{
                                "spec.containers[0].env[0].value",
                                "spec.containers[0].env[2].value",
                                "spec.containers[0].args[0]",
                                "spec.containers[0].args[2]",
                                "spec.containers[0].readinessProbe.exec.command[0]",
                                "spec.containers[0].readinessProbe.exec.command[2]",
                                "spec.containers[0].startupProbe.exec.command[0]",
                                "spec.containers[0].lifecycle.postStart.exec.command[0]",
                                "spec.containers[0].lifecycle.preStop.httpGet.httpHeaders[0].value",
                                "spec.containers[0].lifecycle.preStop.httpGet.httpHeaders[1].value",
                                "spec.initContainers[0].command[0]",
                                "spec.ephemeralContainers[0].args[0]",
                            }));
  // Numbers (env value 5, command 3) are not text; a name that is not a string names no container.
  ASSERT_EQ(visited.size(), 12u);
  EXPECT_EQ(visited[0].text, "");
  EXPECT_EQ(visited[1].described, "env var \"\" of a container");
  EXPECT_EQ(visited[1].text, "nameless");
  EXPECT_EQ(visited[3].text, "é ∑ 日本");
  EXPECT_EQ(visited[8].described, "lifecycle.preStop HTTP header \"\" of a container");
  EXPECT_EQ(visited[9].described, "lifecycle.preStop HTTP header \"X-Key\" of a container");
  EXPECT_EQ(visited[11].described, "args[0] of container \"debug\"");
}

TEST(SecretScannerTest, NestedContainersOfCustomResources) {
  const auto visited = places(R"(
apiVersion: workflows.example.com/v1
kind: Pipeline
metadata:
  name: nightly
  annotations: {example.com/a: "1", example.com/b: 2}
spec:
  image: 5
  stages:
    - name: build
      steps:
        - name: compile
          image: builder:1.0.0
          args: [make]
          env: [{name: TOKEN, value: abc}]
          sidecars: [{name: cache, image: cache:1.0.0, command: [serve]}]
          livenessProbe: {exec: {command: [check]}, nested: {image: not-a-container-field-walk}}
  template: {env: "not a list", args: [ignored]}
)");
  EXPECT_EQ(paths(visited), (std::vector<std::string>{
                                "metadata.annotations[\"example.com/a\"]",
                                "spec.stages[0].name",
                                "spec.stages[0].steps[0].env[0].value",
                                "spec.stages[0].steps[0].args[0]",
                                "spec.stages[0].steps[0].livenessProbe.exec.command[0]",
                                "spec.stages[0].steps[0].sidecars[0].command[0]",
                                "spec.template.args[0]",
                                "spec.template.env",
                            }));
  ASSERT_EQ(visited.size(), 8u);
  EXPECT_EQ(visited[5].described, "command[0] of container \"cache\"");
}

TEST(SecretScannerTest, LastAppliedConfiguration) {
  TextPlace place;
  place.kind = PlaceKind::kAnnotation;
  place.key = kLastAppliedAnnotation;
  EXPECT_TRUE(place.isLastAppliedConfiguration());
  place.key = "example.com/other";
  EXPECT_FALSE(place.isLastAppliedConfiguration());
}

}  // namespace
}  // namespace agentguard::engine::credentials

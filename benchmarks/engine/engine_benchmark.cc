// What a Kubernetes object costs the policy engine, as `agentguard check` and the admission webhook pay it.
//
//   Bundle                   a realistic agent bundle (~4 KB: Deployment, Service, ConfigMap, NetworkPolicy)
//                            parsed and checked as one file: time per bundle, and per object
//   File/N                   a generated file of N mixed objects (10 kinds), parsed and checked, for
//                            N = 100, 1,000 and 10,000: objects/s and us_per_object, which should not grow with N
//   ParseOnly/N, EvaluateOnly/N, RulesOnly/N
//                            the same work split: YAML to objects; rules over already parsed objects with each
//                            finding located (its line looked up); and the rules alone, findings not located
//   PolicyMatching/N         one namespace with N NetworkPolicies (each selecting one app, plus a default deny
//                            and a few selectors no index key serves) and N Pods: the policies indexed and
//                            every Pod checked, for N = 1,000, 3,000 and 10,000; us_per_object (per Pod) must
//                            not grow with N (it did: 3,000 x 3,000 took ~25 s when each Pod scanned every policy)
//   Latency/evaluate, Latency/parse_evaluate, Latency/parse_evaluate_json
//                            each object of the 1,000-object file timed on its own: p50, p90, p99, p99.9 and
//                            max in microseconds, by steady_clock (wall) and by the thread's CPU clock
//                            (cpu_*: what the object costs, without the time other processes took the core).
//                            The _json case parses each object from JSON, as the webhook receives it.
//   Object/<workload>, CredentialsObject/<workload>, CredentialRules/<workload>
//                            already parsed typical objects evaluated on their own: by every enabled rule; by
//                            the credentials policy alone (policies/credentials); and by the credentials rules
//                            alone, without the engine's other per-object work (exemptions, findings). Workloads:
//                            the bundle's Deployment; the same as kubectl apply sends it, with its JSON copy in
//                            the last-applied-configuration annotation (the bulk of a ~10 KB AdmissionReview);
//                            a generated Deployment and Pod; every object of examples/hardened/agent-bundle.yaml.
//
// us_per_object is CPU time per object; wall_us_per_object includes waiting for a shared core.
// "Checked" means what check_command does: the input's NetworkPolicies feed the network-isolation rule,
// every object is evaluated and every finding is located (line lookup). The rules are whatever the policies
// enable when the benchmark starts: $AGENTGUARD_POLICIES, else the source tree's policies/.
#include <benchmark/benchmark.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/manifest/manifest_object.h"
#include "engine/engine.h"
#include "engine/network/document_network_policy_source.h"
#include "engine/policy/policy_loader.h"
#include "engine/rules/rule.h"
#include "engine/workload/object_view.h"

namespace {

using agentguard::engine::DocumentNetworkPolicySource;
using agentguard::engine::Engine;
using agentguard::engine::EvaluationContext;
using agentguard::engine::SharedObject;
using agentguard::manifest::ManifestObject;
using Clock = std::chrono::steady_clock;

// CPU time consumed by the calling thread.
std::chrono::nanoseconds threadCpuTime() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

// Wall and CPU time since construction.
class Stopwatch {
 public:
  Stopwatch() : wall_(Clock::now()), cpu_(threadCpuTime()) {}
  double wallMicros() const { return std::chrono::duration<double, std::micro>(Clock::now() - wall_).count(); }
  double cpuMicros() const { return std::chrono::duration<double, std::micro>(threadCpuTime() - cpu_).count(); }

 private:
  Clock::time_point wall_;
  std::chrono::nanoseconds cpu_;
};

// ---- policies ----------------------------------------------------------------------------------

struct EngineSetup {
  std::string policiesPath;
  std::unique_ptr<Engine> engine;
  std::vector<std::string> rules;
};

const EngineSetup& engineSetup() {
  static const EngineSetup setup = [] {
    EngineSetup s;
    const char* fromEnv = std::getenv("AGENTGUARD_POLICIES");
    s.policiesPath = fromEnv != nullptr && *fromEnv != '\0' ? fromEnv : AGENTGUARD_BENCH_POLICIES;
    auto policies = agentguard::engine::loadPolicies(s.policiesPath);
    if (!policies) {
      std::cerr << "engine_benchmark: cannot load policies from " << s.policiesPath << ": "
                << policies.error().describe() << '\n';
      std::exit(2);
    }
    for (const auto& binding : policies->rules) s.rules.push_back(binding.definition->info.id);
    s.engine = std::make_unique<Engine>(std::make_shared<const agentguard::engine::PolicySet>(std::move(policies).value()));
    return s;
  }();
  return setup;
}

// The credentials policy alone, from the same policies folder: its rules, and an engine running them.
struct CredentialsSetup {
  std::shared_ptr<const agentguard::engine::PolicySet> policies;
  std::unique_ptr<Engine> engine;
};

const CredentialsSetup& credentialsSetup() {
  static const CredentialsSetup setup = [] {
    const std::string path = engineSetup().policiesPath + "/credentials";
    auto policies = agentguard::engine::loadPolicies(path);
    if (!policies) {
      std::cerr << "engine_benchmark: cannot load policies from " << path << ": " << policies.error().describe() << '\n';
      std::exit(2);
    }
    CredentialsSetup s;
    s.policies = std::make_shared<const agentguard::engine::PolicySet>(std::move(policies).value());
    s.engine = std::make_unique<Engine>(s.policies);
    return s;
  }();
  return setup;
}

// ---- inputs ------------------------------------------------------------------------------------

// A research agent as a team would ship it: ~4 KB, four objects, passes every bundled rule it can.
constexpr std::string_view kAgentBundle = R"(# Research agent: model gateway client with a tool sidecar.
apiVersion: v1
kind: ConfigMap
metadata:
  name: research-agent
  namespace: agents
  labels:
    app.kubernetes.io/name: research-agent
    app.kubernetes.io/part-of: research
data:
  LOG_LEVEL: info
  LOG_FORMAT: json
  MODEL_ENDPOINT: https://api.example.com/v1
  MODEL_NAME: large-2025-06
  MAX_TOOL_CALLS: "24"
  TOOL_TIMEOUT_SECONDS: "30"
  agent.yaml: |
    planner:
      maxSteps: 12
      reflection: true
    tools:
      - name: search
        endpoint: http://search.agents.svc:8080
      - name: python
        sandbox: true
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: research-agent-egress
  namespace: agents
spec:
  podSelector:
    matchLabels:
      app: research-agent
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: research-gateway
      ports:
        - protocol: TCP
          port: 8080
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - {protocol: UDP, port: 53}
        - {protocol: TCP, port: 53}
    - to:
        - ipBlock:
            cidr: 203.0.113.0/24
      ports:
        - {protocol: TCP, port: 443}
---
apiVersion: v1
kind: Service
metadata:
  name: research-agent
  namespace: agents
  labels:
    app: research-agent
spec:
  type: ClusterIP
  selector:
    app: research-agent
  ports:
    - name: http
      port: 8080
      targetPort: http
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: research-agent
  namespace: agents
  labels:
    app: research-agent
    app.kubernetes.io/version: 1.4.2
  annotations:
    agentguard.io/owner: research-platform
spec:
  replicas: 2
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      app: research-agent
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels:
        app: research-agent
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9090"
    spec:
      serviceAccountName: research-agent
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        fsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: agent
          image: registry.example.com/agents/research-agent:1.4.2@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
          args: ["--listen", ":8080", "--metrics", ":9090", "--config", "/etc/agent/agent.yaml"]
          ports:
            - {name: http, containerPort: 8080}
            - {name: metrics, containerPort: 9090}
          envFrom:
            - configMapRef:
                name: research-agent
          env:
            - name: MODEL_API_KEY
              valueFrom:
                secretKeyRef: {name: model-credentials, key: api-key}
            - name: POD_NAME
              valueFrom:
                fieldRef: {fieldPath: metadata.name}
          readinessProbe:
            httpGet: {path: /healthz, port: http}
            periodSeconds: 10
          livenessProbe:
            httpGet: {path: /livez, port: http}
            initialDelaySeconds: 15
          resources:
            requests: {cpu: 250m, memory: 256Mi}
            limits: {cpu: "2", memory: 1Gi}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
          volumeMounts:
            - {name: workspace, mountPath: /workspace}
            - {name: config, mountPath: /etc/agent, readOnly: true}
        - name: tools
          image: registry.example.com/agents/tool-runner:0.9.1@sha256:60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752
          args: ["--sandbox", "gvisor"]
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: 500m, memory: 512Mi}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
          volumeMounts:
            - {name: workspace, mountPath: /workspace}
      volumes:
        - name: workspace
          emptyDir: {sizeLimit: 1Gi}
        - name: config
          configMap:
            name: research-agent
            items:
              - {key: agent.yaml, path: agent.yaml}
)";

std::string fill(std::string text, const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [key, value] : values) {
    for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size())) {
      text.replace(at, key.size(), value);
    }
  }
  return text;
}

// One object of the generated file. Ten kinds in rotation; some break rules (a NodePort Service, a
// privileged Pod with a host port, pods no NetworkPolicy selects), as a real repository's would.
// Namespaces hold 50 objects each, so a larger file means more namespaces, not more NetworkPolicies per
// namespace: the per-object cost of the network-isolation lookup stays the same at every file size.
std::string generatedObject(size_t i) {
  const std::string ns = "team-" + std::to_string(i / 50);
  const std::string name = "svc-" + std::to_string(i);
  const std::string owner = "svc-" + std::to_string(i - i % 10);  // the Deployment of this group of ten
  const std::vector<std::pair<std::string, std::string>> values = {{"{ns}", ns}, {"{name}", name}, {"{owner}", owner}};
  switch (i % 10) {
    case 0:
      return fill(R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
  labels: {app: {name}}
spec:
  replicas: 2
  selector:
    matchLabels: {app: {name}}
  template:
    metadata:
      labels: {app: {name}}
    spec:
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: app
          image: registry.example.com/{ns}/{name}:2.3.1@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
          ports: [{containerPort: 8080}]
          env:
            - {name: MODE, value: production}
            - name: TOKEN
              valueFrom: {secretKeyRef: {name: {name}-token, key: token}}
          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: "1", memory: 512Mi}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
        - name: proxy
          image: registry.example.com/platform/proxy:1.8.0@sha256:fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
)",
                  values);
    case 1:
      return fill(i % 100 == 1 ? R"(apiVersion: v1
kind: Service
metadata: {name: {name}, namespace: {ns}}
spec:
  type: NodePort
  selector: {app: {owner}}
  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
)"
                               : R"(apiVersion: v1
kind: Service
metadata: {name: {name}, namespace: {ns}}
spec:
  selector: {app: {owner}}
  ports: [{name: http, port: 80, targetPort: 8080}]
)",
                  values);
    case 2:
      return fill(R"(apiVersion: v1
kind: ConfigMap
metadata: {name: {name}, namespace: {ns}}
data:
  LOG_LEVEL: info
  UPSTREAM: http://{owner}.{ns}.svc:80
  FEATURE_FLAGS: "search,summarise,cite"
  RETRIES: "3"
)",
                  values);
    case 3:
      return fill(R"(apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: {name}, namespace: {ns}}
spec:
  podSelector:
    matchLabels: {app: {owner}}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
          podSelector: {matchLabels: {k8s-app: kube-dns}}
      ports: [{protocol: UDP, port: 53}]
    - to: [{ipBlock: {cidr: 10.20.0.0/16}}]
      ports: [{protocol: TCP, port: 443}]
)",
                  values);
    case 4:
      return fill(R"(apiVersion: apps/v1
kind: StatefulSet
metadata: {name: {name}, namespace: {ns}}
spec:
  serviceName: {name}
  selector: {matchLabels: {app: {name}}}
  template:
    metadata: {labels: {app: {name}}}
    spec:
      containers:
        - name: store
          image: registry.example.com/{ns}/store:5.0.2
          volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10Gi}}}
)",
                  values);
    case 5:
      return fill(R"(apiVersion: v1
kind: Secret
metadata: {name: {name}, namespace: {ns}}
type: Opaque
data:
  username: YWdlbnQ=
  password: c2VjcmV0LXZhbHVlLTEyMw==
)",
                  values);
    case 6:
      return fill(R"(apiVersion: batch/v1
kind: CronJob
metadata: {name: {name}, namespace: {ns}}
spec:
  schedule: "*/15 * * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: {name}}}
        spec:
          restartPolicy: OnFailure
          containers:
            - name: sync
              image: registry.example.com/{ns}/sync:1.1.0
              args: [--once]
)",
                  values);
    case 7:
      return fill(i % 20 == 7 ? R"(apiVersion: v1
kind: Pod
metadata: {name: {name}, namespace: {ns}, labels: {app: {owner}}}
spec:
  containers:
    - name: debug
      image: busybox:latest
      securityContext: {privileged: true}
      ports: [{containerPort: 9000, hostPort: 9000}]
)"
                                 : R"(apiVersion: v1
kind: Pod
metadata: {name: {name}, namespace: {ns}, labels: {app: {owner}}}
spec:
  automountServiceAccountToken: false
  containers:
    - name: worker
      image: registry.example.com/{ns}/worker:3.2.0
      securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false}
)",
                  values);
    case 8:
      return fill(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: {name}, namespace: {ns}}
spec:
  rules:
    - host: {name}.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: {owner}, port: {number: 80}}}}
)",
                  values);
    default:
      return fill(R"(apiVersion: batch/v1
kind: Job
metadata: {name: {name}, namespace: {ns}}
spec:
  backoffLimit: 2
  template:
    metadata: {labels: {app: {owner}}}
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: registry.example.com/{ns}/migrate:1.0.0
)",
                  values);
  }
}

// A generated file: its text, its objects one text each (YAML and JSON), and the objects parsed.
struct Corpus {
  std::string text;
  std::vector<std::string> objectTexts;
  std::vector<std::string> objectJson;
  std::vector<ManifestObject> objects;
};

const Corpus& generatedCorpus(size_t count) {
  static std::map<size_t, Corpus> cache;
  auto [it, inserted] = cache.try_emplace(count);
  Corpus& corpus = it->second;
  if (inserted) {
    for (size_t i = 0; i < count; ++i) {
      corpus.objectTexts.push_back(generatedObject(i));
      corpus.text += "---\n" + corpus.objectTexts.back();
    }
    auto parsed = agentguard::manifest::loadManifests(corpus.text, "generated.yaml");
    if (!parsed || parsed->size() != count) {
      std::cerr << "engine_benchmark: generated file does not parse: "
                << (parsed ? std::to_string(parsed->size()) + " objects" : parsed.error().message) << '\n';
      std::exit(2);
    }
    corpus.objects = std::move(parsed).value();
    for (const auto& object : corpus.objects) corpus.objectJson.push_back(object.body.dump());
  }
  return corpus;
}

// Typical objects, parsed once, for the per-object benchmarks.
enum class Workload { kDeployment, kDeploymentApplied, kGeneratedDeployment, kGeneratedPod, kHardenedBundle };

std::vector<ManifestObject> parsedOrExit(std::string_view text, std::string_view name) {
  auto parsed = agentguard::manifest::loadManifests(text, std::string(name));
  if (!parsed || parsed->empty()) {
    std::cerr << "engine_benchmark: " << name << " does not parse\n";
    std::exit(2);
  }
  return std::move(parsed).value();
}

std::string readFileOrExit(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    std::cerr << "engine_benchmark: cannot read " << path << '\n';
    std::exit(2);
  }
  return text.str();
}

std::vector<ManifestObject> bundleDeployment() {
  auto objects = parsedOrExit(kAgentBundle, "bundle.yaml");
  for (auto& object : objects) {
    if (object.body.value("kind", "") == "Deployment") return {std::move(object)};
  }
  std::cerr << "engine_benchmark: the bundle has no Deployment\n";
  std::exit(2);
}

// What kubectl apply sends: the object with its own JSON in the last-applied-configuration annotation.
std::vector<ManifestObject> appliedDeployment() {
  auto objects = bundleDeployment();
  auto& body = objects.front().body;
  body["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = body.dump() + "\n";
  return objects;
}

const std::vector<ManifestObject>& workloadObjects(Workload workload) {
  static const std::map<Workload, std::vector<ManifestObject>> workloads = [] {
    std::map<Workload, std::vector<ManifestObject>> w;
    w[Workload::kDeployment] = bundleDeployment();
    w[Workload::kDeploymentApplied] = appliedDeployment();
    w[Workload::kGeneratedDeployment] = parsedOrExit(generatedObject(0), "generated-deployment.yaml");
    w[Workload::kGeneratedPod] = parsedOrExit(generatedObject(17), "generated-pod.yaml");
    w[Workload::kHardenedBundle] =
        parsedOrExit(readFileOrExit(AGENTGUARD_BENCH_EXAMPLES "/hardened/agent-bundle.yaml"), "agent-bundle.yaml");
    return w;
  }();
  return workloads.at(workload);
}

// ---- the work ----------------------------------------------------------------------------------

// One object checked as check_command does: evaluated, and each finding located.
size_t checkObject(const Engine& engine, const ManifestObject& object, const EvaluationContext& context) {
  const auto findings = engine.evaluate(object.body, context);
  for (const auto& finding : findings) benchmark::DoNotOptimize(object.lineOf(finding.path));
  return findings.size();
}

// Every object of a parsed file checked against the file's own NetworkPolicies.
size_t checkObjects(const Engine& engine, const std::vector<ManifestObject>& objects) {
  const DocumentNetworkPolicySource networkPolicies(objects, "default");
  EvaluationContext context;
  context.networkPolicies = &networkPolicies;
  size_t findings = 0;
  for (const auto& object : objects) findings += checkObject(engine, object, context);
  return findings;
}

std::vector<ManifestObject> parse(benchmark::State& state, std::string_view text) {
  auto parsed = agentguard::manifest::loadManifests(text, "bench.yaml");
  if (!parsed) {
    state.SkipWithError(parsed.error().message.c_str());
    return {};
  }
  return std::move(parsed).value();
}

// objects/s (items_per_second), input bytes/s, and CPU and wall time per object in microseconds.
void reportPerObject(benchmark::State& state, size_t objects, size_t bytes, const Stopwatch& elapsed, size_t findings) {
  const double cpu = elapsed.cpuMicros();
  const double wall = elapsed.wallMicros();
  const auto processed = static_cast<int64_t>(objects) * state.iterations();
  state.SetItemsProcessed(processed);
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
  state.counters["objects"] = static_cast<double>(objects);
  state.counters["findings"] = static_cast<double>(findings);
  if (processed > 0) {
    state.counters["us_per_object"] = cpu / static_cast<double>(processed);
    state.counters["wall_us_per_object"] = wall / static_cast<double>(processed);
  }
}

// ---- benchmarks --------------------------------------------------------------------------------

void BM_Bundle(benchmark::State& state) {
  const Engine& engine = *engineSetup().engine;
  size_t objects = 0;
  size_t findings = 0;
  const Stopwatch elapsed;
  for (auto _ : state) {
    const auto parsed = parse(state, kAgentBundle);
    findings = checkObjects(engine, parsed);
    objects = parsed.size();
    benchmark::DoNotOptimize(findings);
  }
  reportPerObject(state, objects, kAgentBundle.size(), elapsed, findings);
  state.counters["bundle_bytes"] = static_cast<double>(kAgentBundle.size());
}
BENCHMARK(BM_Bundle)->Unit(benchmark::kMicrosecond);

void BM_File(benchmark::State& state) {
  const Corpus& corpus = generatedCorpus(static_cast<size_t>(state.range(0)));
  const Engine& engine = *engineSetup().engine;
  size_t findings = 0;
  const Stopwatch elapsed;
  for (auto _ : state) {
    const auto parsed = parse(state, corpus.text);
    findings = checkObjects(engine, parsed);
    benchmark::DoNotOptimize(findings);
  }
  reportPerObject(state, corpus.objects.size(), corpus.text.size(), elapsed, findings);
}
BENCHMARK(BM_File)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_ParseOnly(benchmark::State& state) {
  const Corpus& corpus = generatedCorpus(static_cast<size_t>(state.range(0)));
  const Stopwatch elapsed;
  for (auto _ : state) {
    auto parsed = parse(state, corpus.text);
    benchmark::DoNotOptimize(parsed.data());
  }
  reportPerObject(state, corpus.objects.size(), corpus.text.size(), elapsed, 0);
}
BENCHMARK(BM_ParseOnly)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_EvaluateOnly(benchmark::State& state) {
  const Corpus& corpus = generatedCorpus(static_cast<size_t>(state.range(0)));
  const Engine& engine = *engineSetup().engine;
  size_t findings = 0;
  const Stopwatch elapsed;
  for (auto _ : state) {
    findings = checkObjects(engine, corpus.objects);
    benchmark::DoNotOptimize(findings);
  }
  reportPerObject(state, corpus.objects.size(), corpus.text.size(), elapsed, findings);
}
BENCHMARK(BM_EvaluateOnly)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_RulesOnly(benchmark::State& state) {
  const Corpus& corpus = generatedCorpus(static_cast<size_t>(state.range(0)));
  const Engine& engine = *engineSetup().engine;
  const DocumentNetworkPolicySource networkPolicies(corpus.objects, "default");
  EvaluationContext context;
  context.networkPolicies = &networkPolicies;
  size_t findings = 0;
  const Stopwatch elapsed;
  for (auto _ : state) {
    findings = 0;
    for (const auto& object : corpus.objects) findings += engine.evaluate(object.body, context).size();
    benchmark::DoNotOptimize(findings);
  }
  reportPerObject(state, corpus.objects.size(), corpus.text.size(), elapsed, findings);
}
BENCHMARK(BM_RulesOnly)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// Each object of a typical workload evaluated on its own, already parsed, as the webhook does per request.
void evaluateWorkload(benchmark::State& state, const Engine& engine, Workload workload) {
  const auto& objects = workloadObjects(workload);
  const DocumentNetworkPolicySource networkPolicies(objects, "default");
  EvaluationContext context;
  context.networkPolicies = &networkPolicies;
  size_t findings = 0;
  size_t bytes = 0;
  for (const auto& object : objects) bytes += object.body.dump().size();
  const Stopwatch elapsed;
  for (auto _ : state) {
    findings = 0;
    for (const auto& object : objects) findings += engine.evaluate(object.body, context).size();
    benchmark::DoNotOptimize(findings);
  }
  reportPerObject(state, objects.size(), bytes, elapsed, findings);
}

void BM_Object(benchmark::State& state, Workload workload) { evaluateWorkload(state, *engineSetup().engine, workload); }
void BM_CredentialsObject(benchmark::State& state, Workload workload) {
  evaluateWorkload(state, *credentialsSetup().engine, workload);
}

// The credentials rules alone: what the text scanners cost. Each pass builds the ObjectViews afresh, as the
// engine does per evaluation, since a view keeps what its rules derive (the shared list of texts) in its memo.
void BM_CredentialRules(benchmark::State& state, Workload workload) {
  const auto& objects = workloadObjects(workload);
  const agentguard::engine::RuleContext context;
  std::vector<agentguard::engine::Violation> violations;
  size_t findings = 0;
  const Stopwatch elapsed;
  for (auto _ : state) {
    findings = 0;
    for (const auto& object : objects) {
      const agentguard::engine::ObjectView view(object.body, "default");
      for (const auto& binding : credentialsSetup().policies->rules) {
        violations.clear();
        binding.rule->evaluate(view, context, violations);
        findings += violations.size();
      }
    }
    benchmark::DoNotOptimize(findings);
  }
  reportPerObject(state, objects.size(), 0, elapsed, findings);
}

BENCHMARK_CAPTURE(BM_Object, deployment, Workload::kDeployment)->Name("Object/deployment");
BENCHMARK_CAPTURE(BM_Object, deployment_applied, Workload::kDeploymentApplied)->Name("Object/deployment_applied");
BENCHMARK_CAPTURE(BM_Object, generated_deployment, Workload::kGeneratedDeployment)->Name("Object/generated_deployment");
BENCHMARK_CAPTURE(BM_Object, generated_pod, Workload::kGeneratedPod)->Name("Object/generated_pod");
BENCHMARK_CAPTURE(BM_Object, hardened_bundle, Workload::kHardenedBundle)->Name("Object/hardened_bundle");
BENCHMARK_CAPTURE(BM_CredentialsObject, deployment, Workload::kDeployment)->Name("CredentialsObject/deployment");
BENCHMARK_CAPTURE(BM_CredentialsObject, deployment_applied, Workload::kDeploymentApplied)
    ->Name("CredentialsObject/deployment_applied");
BENCHMARK_CAPTURE(BM_CredentialsObject, generated_deployment, Workload::kGeneratedDeployment)
    ->Name("CredentialsObject/generated_deployment");
BENCHMARK_CAPTURE(BM_CredentialsObject, generated_pod, Workload::kGeneratedPod)->Name("CredentialsObject/generated_pod");
BENCHMARK_CAPTURE(BM_CredentialsObject, hardened_bundle, Workload::kHardenedBundle)
    ->Name("CredentialsObject/hardened_bundle");
BENCHMARK_CAPTURE(BM_CredentialRules, deployment, Workload::kDeployment)->Name("CredentialRules/deployment");
BENCHMARK_CAPTURE(BM_CredentialRules, deployment_applied, Workload::kDeploymentApplied)
    ->Name("CredentialRules/deployment_applied");
BENCHMARK_CAPTURE(BM_CredentialRules, generated_deployment, Workload::kGeneratedDeployment)
    ->Name("CredentialRules/generated_deployment");
BENCHMARK_CAPTURE(BM_CredentialRules, generated_pod, Workload::kGeneratedPod)->Name("CredentialRules/generated_pod");
BENCHMARK_CAPTURE(BM_CredentialRules, hardened_bundle, Workload::kHardenedBundle)
    ->Name("CredentialRules/hardened_bundle");

// N NetworkPolicies and N Pods in one namespace, as a large generated repository might hold them.
struct PolicyMatchingCorpus {
  std::vector<SharedObject> policies;
  std::vector<nlohmann::json> pods;
};

const PolicyMatchingCorpus& policyMatchingCorpus(size_t count) {
  static std::map<size_t, PolicyMatchingCorpus> corpora;
  auto [it, added] = corpora.try_emplace(count);
  if (!added) return it->second;
  using Json = nlohmann::json;
  const auto policy = [](const std::string& name, Json selector, Json egress) {
    return std::make_shared<const Json>(Json{{"apiVersion", "networking.k8s.io/v1"},
                                             {"kind", "NetworkPolicy"},
                                             {"metadata", {{"name", name}, {"namespace", "agents"}}},
                                             {"spec", {{"podSelector", std::move(selector)},
                                                       {"policyTypes", {"Egress"}},
                                                       {"egress", std::move(egress)}}}});
  };
  PolicyMatchingCorpus& corpus = it->second;
  corpus.policies.push_back(policy("default-deny", Json::object(), Json::array()));
  for (int i = 0; i < 5; ++i) {
    corpus.policies.push_back(policy(
        "not-debug-" + std::to_string(i),
        {{"matchExpressions", {{{"key", "debug"}, {"operator", "NotIn"}, {"values", {std::to_string(i)}}}}}},
        Json::array({{{"to", {{{"ipBlock", {{"cidr", "10.0.0.0/8"}}}}}}}})));
  }
  for (size_t i = corpus.policies.size(); i < count; ++i) {
    const std::string app = "agent-" + std::to_string(i);
    const std::string cidr = "198.51." + std::to_string(i % 256) + "." + std::to_string(i / 256 % 256) + "/32";
    corpus.policies.push_back(policy(app, {{"matchLabels", {{"app", app}}}},
                                     Json::array({{{"to", {{{"ipBlock", {{"cidr", cidr}}}}}},
                                                   {"ports", {{{"protocol", "TCP"}, {"port", 443}}}}}})));
  }
  for (size_t i = 0; i < count; ++i) {
    const std::string app = "agent-" + std::to_string(i);
    corpus.pods.push_back(Json{{"apiVersion", "v1"},
                               {"kind", "Pod"},
                               {"metadata", {{"name", app}, {"namespace", "agents"}, {"labels", {{"app", app}, {"tier", "agent"}}}}},
                               {"spec", {{"containers", {{{"name", "agent"}, {"image", "registry.example.com/agent@sha256:" + std::string(64, 'a')}}}}}}});
  }
  return corpus;
}

void BM_PolicyMatching(benchmark::State& state) {
  const PolicyMatchingCorpus& corpus = policyMatchingCorpus(static_cast<size_t>(state.range(0)));
  const Engine& engine = *engineSetup().engine;
  size_t findings = 0;
  const Stopwatch elapsed;
  for (auto _ : state) {
    const DocumentNetworkPolicySource networkPolicies(corpus.policies, "default");
    EvaluationContext context;
    context.networkPolicies = &networkPolicies;
    findings = 0;
    for (const auto& pod : corpus.pods) findings += engine.evaluate(pod, context).size();
    benchmark::DoNotOptimize(findings);
  }
  reportPerObject(state, corpus.pods.size(), 0, elapsed, findings);
  state.counters["policies"] = static_cast<double>(corpus.policies.size());
}
BENCHMARK(BM_PolicyMatching)->Name("PolicyMatching")->Arg(1000)->Arg(3000)->Arg(10000)->Unit(benchmark::kMillisecond);

// Per-object samples in microseconds, by the wall clock and by the thread's CPU clock.
struct LatencySamples {
  std::vector<double> wall;
  std::vector<double> cpu;
};

// p50, p90, p99, p99.9 and max (nearest-rank percentiles).
void reportPercentiles(benchmark::State& state, LatencySamples& samples) {
  const auto report = [&state](std::vector<double>& values, const std::string& prefix) {
    if (values.empty()) return;
    std::sort(values.begin(), values.end());
    const auto rank = [&values](double q) {
      const auto index = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size())));
      return values[std::min(values.size(), std::max<size_t>(index, 1)) - 1];
    };
    state.counters[prefix + "p50_us"] = rank(0.50);
    state.counters[prefix + "p90_us"] = rank(0.90);
    state.counters[prefix + "p99_us"] = rank(0.99);
    state.counters[prefix + "p999_us"] = rank(0.999);
    state.counters[prefix + "max_us"] = values.back();
  };
  report(samples.wall, "");
  report(samples.cpu, "cpu_");
  state.SetItemsProcessed(static_cast<int64_t>(samples.wall.size()));
}

template <typename CheckOne>
void measureEach(benchmark::State& state, size_t count, const CheckOne& checkOne) {
  LatencySamples samples;
  for (auto _ : state) {
    for (size_t i = 0; i < count; ++i) {
      const Stopwatch one;
      if (!checkOne(i)) return;
      samples.cpu.push_back(one.cpuMicros());
      samples.wall.push_back(one.wallMicros());
    }
  }
  reportPercentiles(state, samples);
}

// Admission-like: the object is already parsed; the namespace's NetworkPolicies come from a cache.
void BM_Latency_Evaluate(benchmark::State& state) {
  const Corpus& corpus = generatedCorpus(1000);
  const Engine& engine = *engineSetup().engine;
  const DocumentNetworkPolicySource networkPolicies(corpus.objects, "default");
  EvaluationContext context;
  context.networkPolicies = &networkPolicies;
  measureEach(state, corpus.objects.size(), [&](size_t i) {
    benchmark::DoNotOptimize(checkObject(engine, corpus.objects[i], context));
    return true;
  });
}
BENCHMARK(BM_Latency_Evaluate)->Name("Latency/evaluate")->Iterations(50)->Unit(benchmark::kMillisecond);

// One object's own text parsed and checked, as the webhook does with a request's object.
void latencyParseEvaluate(benchmark::State& state, const std::vector<std::string>& texts) {
  const Corpus& corpus = generatedCorpus(1000);
  const Engine& engine = *engineSetup().engine;
  const DocumentNetworkPolicySource networkPolicies(corpus.objects, "default");
  EvaluationContext context;
  context.networkPolicies = &networkPolicies;
  measureEach(state, texts.size(), [&](size_t i) {
    auto parsed = agentguard::manifest::loadManifests(texts[i], "object");
    if (!parsed) {
      state.SkipWithError(parsed.error().message.c_str());
      return false;
    }
    for (const auto& object : *parsed) benchmark::DoNotOptimize(checkObject(engine, object, context));
    return true;
  });
}

void BM_Latency_ParseEvaluate(benchmark::State& state) { latencyParseEvaluate(state, generatedCorpus(1000).objectTexts); }
BENCHMARK(BM_Latency_ParseEvaluate)->Name("Latency/parse_evaluate")->Iterations(20)->Unit(benchmark::kMillisecond);

void BM_Latency_ParseEvaluateJson(benchmark::State& state) { latencyParseEvaluate(state, generatedCorpus(1000).objectJson); }
BENCHMARK(BM_Latency_ParseEvaluateJson)->Name("Latency/parse_evaluate_json")->Iterations(20)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const EngineSetup& setup = engineSetup();
  std::string rules;
  for (const auto& id : setup.rules) rules += (rules.empty() ? "" : ",") + id;
  benchmark::AddCustomContext("policies", setup.policiesPath);
  benchmark::AddCustomContext("enabled_rules", std::to_string(setup.rules.size()) + " (" + rules + ")");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

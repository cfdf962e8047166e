// Client overhead against the real local kube-apiserver:
//  - listing 1,000 ConfigMaps: KubeClient::list (HTTP + JSON parse), the transport alone, the JSON parse
//    alone, and `kubectl get --raw` / curl of the same URL side by side;
//  - watch throughput: events per second delivered to an informer handler while writer threads create
//    objects, with write-to-handler latency.
// Reports p50/p99 (ms) as counters and the process's peak RSS.
//
//   build/bin/kube_benchmark                        # starts a private cluster (about 10 s)
//   AGENTGUARD_CLUSTER_ENV=DIR/env build/bin/kube_benchmark   # or uses a running one

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "common/kube/cluster_config.h"
#include "common/kube/http_transport.h"
#include "common/kube/informer.h"
#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "tests/support/local_cluster.h"

namespace agentguard::kube {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using agentguard::testing::CommandResult;
using agentguard::testing::LocalCluster;
using agentguard::testing::runCommand;

constexpr int kListSize = 1000;
constexpr const char* kListNamespace = "kube-bench-list";

double millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5));
  return values[index];
}

void reportLatencies(benchmark::State& state, const std::vector<double>& ms) {
  state.counters["p50_ms"] = percentile(ms, 0.50);
  state.counters["p99_ms"] = percentile(ms, 0.99);
}

// VmHWM (peak resident set) of this process, in MiB.
double peakRssMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

// The cluster, a client and the 1,000 ConfigMaps, set up once.
struct Environment {
  LocalCluster* cluster = nullptr;
  ClusterConfig config;
  std::unique_ptr<KubeClient> client;
  std::unique_ptr<HttpTransport> transport;
  std::string error;

  static Environment& get() {
    static Environment env = [] {
      Environment e;
      e.cluster = LocalCluster::shared(&e.error);
      if (e.cluster == nullptr) return e;
      auto config = loadKubeconfig(e.cluster->kubeconfigPath());
      if (!config.ok()) {
        e.error = config.error().describe();
        return e;
      }
      e.config = *config;
      e.client = std::move(makeKubeClient(e.config)).value();
      e.transport = std::move(HttpTransport::create(e.config)).value();
      e.error = e.fillListNamespace();
      return e;
    }();
    return env;
  }

  std::string fillListNamespace() {
    const Json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kListNamespace}}}};
    auto created = client->create(resources::namespaces(), "", ns);
    if (!created.ok() && created.error().code != ErrorCode::kAlreadyExists) return created.error().describe();
    std::atomic<int> next{0};
    std::string failure;
    std::mutex failureMutex;
    auto writer = [&] {
      for (int i = next++; i < kListSize; i = next++) {
        Json data;
        for (int k = 0; k < 4; ++k) data["key-" + std::to_string(k)] = std::string(48, static_cast<char>('a' + k));
        const Json cm = {{"apiVersion", "v1"},
                         {"kind", "ConfigMap"},
                         {"metadata", {{"name", "cm-" + std::to_string(i)}, {"labels", {{"bench", "list"}}}}},
                         {"data", data}};
        auto result = client->create(resources::configMaps(), kListNamespace, cm);
        if (!result.ok() && result.error().code != ErrorCode::kAlreadyExists) {
          std::lock_guard<std::mutex> lock(failureMutex);
          failure = result.error().describe();
        }
      }
    };
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; ++t) writers.emplace_back(writer);
    for (auto& t : writers) t.join();
    return failure;
  }

  bool ready(benchmark::State& state) const {
    if (error.empty()) return true;
    state.SkipWithError(error.c_str());
    return false;
  }
};

std::string listPath() { return resources::configMaps().path(kListNamespace) + "?labelSelector=bench%3Dlist"; }

void BM_ListConfigMaps_KubeClient(benchmark::State& state) {
  Environment& env = Environment::get();
  if (!env.ready(state)) return;
  ListOptions options;
  options.labelSelector = "bench=list";
  std::vector<double> ms;
  for (auto _ : state) {
    const auto begun = Clock::now();
    auto listed = env.client->list(resources::configMaps(), kListNamespace, options);
    ms.push_back(millis(Clock::now() - begun));
    if (!listed.ok() || listed->items.size() != static_cast<size_t>(kListSize)) {
      state.SkipWithError(listed.ok() ? "wrong item count" : listed.error().describe().c_str());
      return;
    }
    benchmark::DoNotOptimize(listed);
  }
  reportLatencies(state, ms);
  state.counters["objects"] = kListSize;
  state.counters["peak_rss_MiB"] = peakRssMiB();
}
BENCHMARK(BM_ListConfigMaps_KubeClient)->Unit(benchmark::kMillisecond)->Iterations(60)->UseRealTime();

// The same request without parsing: HTTPS, TLS, chunk reads and the body as a string.
void BM_ListConfigMaps_TransportOnly(benchmark::State& state) {
  Environment& env = Environment::get();
  if (!env.ready(state)) return;
  std::vector<double> ms;
  size_t bytes = 0;
  for (auto _ : state) {
    const auto begun = Clock::now();
    auto response = env.transport->send(HttpRequest{"GET", listPath(), "", ""});
    ms.push_back(millis(Clock::now() - begun));
    if (!response.ok() || response->status != 200) {
      state.SkipWithError("the list request failed");
      return;
    }
    bytes = response->body.size();
  }
  reportLatencies(state, ms);
  state.counters["body_KiB"] = static_cast<double>(bytes) / 1024.0;
}
BENCHMARK(BM_ListConfigMaps_TransportOnly)->Unit(benchmark::kMillisecond)->Iterations(60)->UseRealTime();

// The JSON parse alone, of the same body.
void BM_ListConfigMaps_ParseOnly(benchmark::State& state) {
  Environment& env = Environment::get();
  if (!env.ready(state)) return;
  auto response = env.transport->send(HttpRequest{"GET", listPath(), "", ""});
  if (!response.ok()) {
    state.SkipWithError(response.error().describe().c_str());
    return;
  }
  std::vector<double> ms;
  for (auto _ : state) {
    const auto begun = Clock::now();
    Json parsed = Json::parse(response->body);
    ms.push_back(millis(Clock::now() - begun));
    benchmark::DoNotOptimize(parsed);
  }
  reportLatencies(state, ms);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * response->body.size()));
}
BENCHMARK(BM_ListConfigMaps_ParseOnly)->Unit(benchmark::kMillisecond)->Iterations(60)->UseRealTime();

// Reference points: a fresh kubectl / curl process per list (process start and TLS handshake included).
void runExternal(benchmark::State& state, const std::vector<std::string>& argv) {
  if (!Environment::get().ready(state)) return;
  std::vector<double> ms;
  for (auto _ : state) {
    const auto begun = Clock::now();
    const CommandResult result = runCommand(argv);
    ms.push_back(millis(Clock::now() - begun));
    if (result.exitCode != 0) {
      state.SkipWithError(("command failed: " + result.err).c_str());
      return;
    }
  }
  reportLatencies(state, ms);
}

void BM_ListConfigMaps_KubectlGetRaw(benchmark::State& state) {
  Environment& env = Environment::get();
  if (!env.ready(state)) return;
  runExternal(state, {"kubectl", "--kubeconfig", env.cluster->kubeconfigPath(), "get", "--raw", listPath()});
}
BENCHMARK(BM_ListConfigMaps_KubectlGetRaw)->Unit(benchmark::kMillisecond)->Iterations(15)->UseRealTime();

void BM_ListConfigMaps_Curl(benchmark::State& state) {
  Environment& env = Environment::get();
  if (!env.ready(state)) return;
  runExternal(state, {"curl", "-sS", "-o", "/dev/null", "--fail", "--cacert", env.cluster->caFile(), "-H",
                      "Authorization: Bearer " + env.cluster->adminToken(), env.config.server + listPath()});
}
BENCHMARK(BM_ListConfigMaps_Curl)->Unit(benchmark::kMillisecond)->Iterations(15)->UseRealTime();

// Writer threads create state.range(0) ConfigMaps in a fresh namespace while an informer on it delivers
// the ADDED events to a handler. Measures events/s at the handler and write-start-to-handler latency.
void BM_WatchThroughput_Informer(benchmark::State& state) {
  Environment& env = Environment::get();
  if (!env.ready(state)) return;
  const int count = static_cast<int>(state.range(0));
  const int writers = static_cast<int>(state.range(1));
  std::ostringstream logs;
  log::Logger logger(logs, log::Level::kError);
  std::vector<double> latencies;
  double eventsPerSecond = 0;
  int round = 0;

  for (auto _ : state) {
    const std::string ns = "kube-bench-watch-" + std::to_string(::getpid()) + "-" + std::to_string(round++);
    const Json nsBody = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}};
    if (!env.client->create(resources::namespaces(), "", nsBody).ok()) {
      state.SkipWithError("cannot create the namespace");
      return;
    }
    std::vector<Clock::time_point> started(static_cast<size_t>(count));
    std::vector<Clock::time_point> delivered(static_cast<size_t>(count));
    std::atomic<int> received{0};
    InformerOptions options;
    options.ns = ns;
    options.labelSelector = "bench=watch";
    options.resyncPeriod = std::chrono::seconds(0);
    Informer informer(*env.client, resources::configMaps(), options, logger);
    InformerHandlers handlers;
    handlers.onAdd = [&](const SharedObject& object) {
      const std::string& name = (*object)["metadata"]["name"].get_ref<const std::string&>();
      delivered[static_cast<size_t>(std::stoi(name.substr(3)))] = Clock::now();
      ++received;
    };
    informer.addHandlers(handlers);
    informer.start();
    const auto connectBy = Clock::now() + std::chrono::seconds(30);
    while (!informer.connected() && Clock::now() < connectBy) std::this_thread::sleep_for(std::chrono::milliseconds(5));

    const auto begun = Clock::now();
    std::atomic<int> next{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < writers; ++t) {
      threads.emplace_back([&] {
        for (int i = next++; i < count; i = next++) {
          const Json cm = {{"apiVersion", "v1"},
                           {"kind", "ConfigMap"},
                           {"metadata", {{"name", "cm-" + std::to_string(i)}, {"labels", {{"bench", "watch"}}}}},
                           {"data", {{"payload", std::string(200, 'p')}}}};
          started[static_cast<size_t>(i)] = Clock::now();
          auto created = env.client->create(resources::configMaps(), ns, cm);
          benchmark::DoNotOptimize(created);
        }
      });
    }
    for (auto& t : threads) t.join();
    const auto writesDone = Clock::now();
    const auto deadline = writesDone + std::chrono::seconds(60);
    while (received < count && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const auto end = Clock::now();
    informer.stop();
    if (received < count) {
      state.SkipWithError("not every event arrived within 60 s");
      return;
    }
    eventsPerSecond = count / std::chrono::duration<double>(end - begun).count();
    state.counters["writes_per_s"] = count / std::chrono::duration<double>(writesDone - begun).count();
    for (int i = 0; i < count; ++i) latencies.push_back(millis(delivered[i] - started[i]));
    const Status removed = env.client->remove(resources::namespaces(), "", ns);  // emptied in the background
    benchmark::DoNotOptimize(removed);
  }
  state.counters["events_per_s"] = eventsPerSecond;
  reportLatencies(state, latencies);
  state.counters["peak_rss_MiB"] = peakRssMiB();
}
BENCHMARK(BM_WatchThroughput_Informer)
    ->Args({2000, 4})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2)
    ->UseRealTime();

// The delivery side alone: a watch from resourceVersion "0" replays every existing object of the list
// namespace from the watch cache at once, so the client, not the writers, is the limit.
void BM_WatchReplay_Decode(benchmark::State& state) {
  Environment& env = Environment::get();
  if (!env.ready(state)) return;
  std::vector<double> ms;
  for (auto _ : state) {
    int events = 0;
    StopSignal stop;
    WatchOptions options;
    options.resourceVersion = "0";
    options.labelSelector = "bench=list";
    const auto begun = Clock::now();
    const Status ended = env.client->watch(resources::configMaps(), kListNamespace, options,
                                           [&](WatchEvent&& event) {
                                             benchmark::DoNotOptimize(event);
                                             return ++events < kListSize;
                                           },
                                           stop);
    ms.push_back(millis(Clock::now() - begun));
    if (!ended.ok() || events != kListSize) {
      state.SkipWithError("the replay did not deliver every object");
      return;
    }
  }
  reportLatencies(state, ms);
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()) * kListSize,
                                                      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_WatchReplay_Decode)->Unit(benchmark::kMillisecond)->Iterations(30)->UseRealTime();

// The same replay read as bytes (newlines counted, nothing parsed): the transport's share of the above.
void BM_WatchReplay_TransportOnly(benchmark::State& state) {
  Environment& env = Environment::get();
  if (!env.ready(state)) return;
  std::vector<double> ms;
  for (auto _ : state) {
    int lines = 0;
    StopSignal stop;
    const HttpRequest request{
        "GET", resources::configMaps().path(kListNamespace) + "?watch=true&resourceVersion=0&labelSelector=bench%3Dlist",
        "", ""};
    const auto begun = Clock::now();
    auto response = env.transport->stream(
        request, std::chrono::seconds(60), nullptr,
        [&](std::string_view chunk) {
          lines += static_cast<int>(std::count(chunk.begin(), chunk.end(), '\n'));
          return lines < kListSize;
        },
        stop);
    ms.push_back(millis(Clock::now() - begun));
    if (!response.ok() || lines < kListSize) {
      state.SkipWithError("the replay did not deliver every object");
      return;
    }
  }
  reportLatencies(state, ms);
}
BENCHMARK(BM_WatchReplay_TransportOnly)->Unit(benchmark::kMillisecond)->Iterations(30)->UseRealTime();

}  // namespace
}  // namespace agentguard::kube

BENCHMARK_MAIN();

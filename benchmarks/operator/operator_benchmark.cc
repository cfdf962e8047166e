// operator_benchmark: runs agentguard-operator as a child process against the local kube-apiserver and reports
//   steady  — AgentSandboxes created at a fixed rate; latency from each create request to its Pod's ADDED event
//   burst   — N AgentSandboxes created at once; time until every one has its Pod
//   memory  — the operator's resident memory (VmRSS, VmHWM) with `--total` sandboxes in place
// See run.sh. Not a test: it prints figures and exits 0 unless something broke.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/kube/cluster_config.h"
#include "common/kube/informer.h"
#include "common/kube/kube_client.h"
#include "common/kube/resource.h"
#include "common/log/logger.h"
#include "tests/support/local_cluster.h"

namespace {

using namespace agentguard;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Flags {
  std::string operatorPath = std::string(AGENTGUARD_BINARY_DIR) + "/bin/agentguard-operator";
  double steadyRate = 50;
  int steadyCount = 500;
  int burst = 300;
  int total = 1000;
  int senders = 8;
  bool keep = false;  // leave the namespace (and its sandboxes) in place
  std::vector<std::string> operatorArgs;
};

bool parseFlags(int argc, char** argv, Flags& flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--operator") {
      flags.operatorPath = next();
    } else if (arg == "--steady-rate") {
      flags.steadyRate = std::atof(next().c_str());
    } else if (arg == "--steady-count") {
      flags.steadyCount = std::atoi(next().c_str());
    } else if (arg == "--burst") {
      flags.burst = std::atoi(next().c_str());
    } else if (arg == "--total") {
      flags.total = std::atoi(next().c_str());
    } else if (arg == "--keep") {
      flags.keep = true;
    } else if (arg == "--") {
      for (++i; i < argc; ++i) flags.operatorArgs.emplace_back(argv[i]);
    } else {
      std::cout << "Usage: operator_benchmark [--operator PATH] [--steady-rate 50] [--steady-count 500]\n"
                   "                          [--burst 300] [--total 1000] [--keep] [-- operator flags...]\n";
      return arg == "--help";
    }
  }
  return flags.steadyRate > 0 && flags.steadyCount >= 0 && flags.burst >= 0;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(p / 100.0 * (values.size() - 1) + 0.5));
  return values[index];
}

// User + system CPU seconds the process has used.
double cpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(in, text);
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;  // state .. cmajflt
  long utime = 0, stime = 0;
  fields >> utime >> stime;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long statusKiB(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return -1;
}

// Pod ADDED times by name.
class PodWatch {
 public:
  void added(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    seen_.emplace(name, Clock::now());
  }
  std::optional<Clock::time_point> seen(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = seen_.find(name);
    if (it == seen_.end()) return std::nullopt;
    return it->second;
  }
  size_t count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Clock::time_point> seen_;
};

class Bench {
 public:
  Bench(kube::KubeClient& client, std::string ns, PodWatch& pods) : client_(client), ns_(std::move(ns)), pods_(pods) {}

  json sandbox(const std::string& name) const {
    json body = json::parse(R"({"apiVersion": "agentguard.io/v1alpha1", "kind": "AgentSandbox", "metadata": {},
      "spec": {"network": {"egress": [{"cidr": "203.0.113.0/24", "ports": [{"port": 443}]}]},
               "template": {"spec": {"containers": [{"name": "agent", "image": "registry.example/agent:1",
                 "resources": {"limits": {"cpu": "500m", "memory": "512Mi"}}}],
                 "volumes": [{"name": "workspace", "emptyDir": {"sizeLimit": "1Gi"}}]}}}})");
    body["metadata"]["name"] = name;
    body["metadata"]["namespace"] = ns_;
    return body;
  }

  bool create(const std::string& name) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto created = client_.create(kube::resources::agentSandboxes(), ns_, sandbox(name));
      if (created.ok()) return true;
      if (created.error().code == ErrorCode::kAlreadyExists) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // Creates names[i] at start + offsets[i] with `senders` threads; records when each request was sent.
  std::vector<Clock::time_point> createAll(const std::vector<std::string>& names,
                                           const std::vector<std::chrono::microseconds>& offsets, int senders) {
    std::vector<Clock::time_point> sent(names.size());
    std::vector<double> took(names.size());
    std::atomic<size_t> nextIndex{0};
    std::atomic<int> failures{0};
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < senders; ++t) {
      threads.emplace_back([&] {
        for (size_t i = nextIndex++; i < names.size(); i = nextIndex++) {
          std::this_thread::sleep_until(start + offsets[i]);
          sent[i] = Clock::now();
          if (!create(names[i])) ++failures;
          took[i] = std::chrono::duration<double, std::milli>(Clock::now() - sent[i]).count();
        }
      });
    }
    for (auto& thread : threads) thread.join();
    if (failures > 0) std::cerr << "warning: " << failures << " creates failed\n";
    lastCreateMs_ = std::move(took);
    return sent;
  }

  bool waitForPods(const std::vector<std::string>& names, std::chrono::seconds deadline) const {
    const auto until = Clock::now() + deadline;
    while (Clock::now() < until) {
      bool all = true;
      for (const auto& name : names) {
        if (!pods_.seen(name)) {
          all = false;
          break;
        }
      }
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // How long each create request of the last createAll took: the API server's own write latency, for context.
  const std::vector<double>& lastCreateMs() const { return lastCreateMs_; }

  std::vector<double> latenciesMs(const std::vector<std::string>& names, const std::vector<Clock::time_point>& sent) const {
    std::vector<double> out;
    for (size_t i = 0; i < names.size(); ++i) {
      if (auto seen = pods_.seen(names[i])) {
        out.push_back(std::chrono::duration<double, std::milli>(*seen - sent[i]).count());
      }
    }
    return out;
  }

 private:
  kube::KubeClient& client_;
  std::string ns_;
  PodWatch& pods_;
  std::vector<double> lastCreateMs_;
};

std::vector<std::string> namesFrom(const std::string& prefix, int count) {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) names.push_back(prefix + std::to_string(i));
  return names;
}

pid_t spawnOperator(const Flags& flags, const std::string& kubeconfig, const std::string& ns, const std::string& logPath) {
  std::vector<std::string> args = {flags.operatorPath, "--kubeconfig",    kubeconfig, "--namespace",
                                   ns,                 "--metrics-listen", "",         "--health-listen",
                                   "",                 "--log-level",      "warn"};
  args.insert(args.end(), flags.operatorArgs.begin(), flags.operatorArgs.end());
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, STDERR_FILENO);
      dup2(fd, STDOUT_FILENO);
    }
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!parseFlags(argc, argv, flags)) return 2;
  std::string error;
  auto* cluster = agentguard::testing::LocalCluster::shared(&error);
  if (cluster == nullptr) {
    std::cerr << "The local cluster did not start:\n" << error << "\n";
    return 1;
  }
  for (const std::string name : {"agentsandboxes", "agentsandboxclasses"}) {
    const std::string crd = std::string(AGENTGUARD_SOURCE_DIR) + "/crds/agentguard.io_" + name + ".yaml";
    if (cluster->kubectl({"create", "-f", crd}).exitCode != 0) (void)cluster->kubectl({"replace", "-f", crd});
    (void)cluster->waitForCrdEstablished(name + ".agentguard.io");
  }
  // The default class the benchmark's sandboxes are bounded by (each also gets its own ServiceAccount).
  (void)cluster->kubectl({"apply", "-f", "-"}, {R"({"apiVersion": "agentguard.io/v1alpha1", "kind": "AgentSandboxClass",
      "metadata": {"name": "benchmark", "annotations": {"agentsandboxclass.agentguard.io/is-default-class": "true"}},
      "spec": {"egress": {"allowedCIDRs": ["0.0.0.0/0", "::/0"]}}})"});
  (void)cluster->kubectl({"apply", "-f", "-"}, {R"({"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass",
                                                  "metadata": {"name": "gvisor"}, "handler": "runsc"})"});
  const std::string ns = "operator-bench-" + std::to_string(::getpid());
  if (cluster->kubectl({"create", "namespace", ns}).exitCode != 0 || !cluster->waitForDefaultServiceAccount(ns)) {
    std::cerr << "could not prepare namespace " << ns << "\n";
    return 1;
  }

  auto config = kube::loadKubeconfig(cluster->kubeconfigPath());
  if (!config.ok()) return 1;
  auto clientResult = kube::makeKubeClient(*config);
  if (!clientResult.ok()) return 1;
  kube::KubeClient& client = **clientResult;

  std::ostringstream quiet;
  log::Logger logger(quiet, log::Level::kError);
  PodWatch pods;
  kube::InformerOptions informerOptions;
  informerOptions.ns = ns;
  informerOptions.resyncPeriod = std::chrono::seconds(0);
  kube::Informer podInformer(client, kube::resources::pods(), informerOptions, logger);
  podInformer.addHandlers({[&](const kube::SharedObject& pod) {
                             pods.added(pod->value("metadata", json::object()).value("name", ""));
                           },
                           {},
                           {}});
  podInformer.start();

  const std::string logPath = "/tmp/" + ns + "-operator.log";
  const pid_t operatorPid = spawnOperator(flags, cluster->kubeconfigPath(), ns, logPath);
  Bench bench(client, ns, pods);
  std::printf("operator pid %d, log %s, namespace %s\n", operatorPid, logPath.c_str(), ns.c_str());

  // Warm-up: the operator's informers have synced once it creates a Pod.
  const auto warmup = namesFrom("warmup-", 5);
  bench.createAll(warmup, std::vector<std::chrono::microseconds>(warmup.size()), 1);
  if (!bench.waitForPods(warmup, std::chrono::seconds(60))) {
    std::cerr << "the operator made no Pods; see " << logPath << "\n";
    kill(operatorPid, SIGTERM);
    waitpid(operatorPid, nullptr, 0);
    return 1;
  }

  std::printf("idle    operator RSS %.1f MiB with %zu sandboxes\n", statusKiB(operatorPid, "VmRSS") / 1024.0,
              pods.count());

  // 1. Steady stream.
  const auto steady = namesFrom("steady-", flags.steadyCount);
  std::vector<std::chrono::microseconds> offsets;
  for (int i = 0; i < flags.steadyCount; ++i) {
    offsets.emplace_back(static_cast<int64_t>(i * 1e6 / flags.steadyRate));
  }
  const auto steadySent = bench.createAll(steady, offsets, flags.senders);
  const bool steadyDone = bench.waitForPods(steady, std::chrono::seconds(120));
  const auto steadyLatency = bench.latenciesMs(steady, steadySent);
  std::printf("steady  %d sandboxes at %.0f/s: pods %zu/%d, latency p50 %.1f ms, p99 %.1f ms, max %.1f ms%s\n",
              flags.steadyCount, flags.steadyRate, steadyLatency.size(), flags.steadyCount,
              percentile(steadyLatency, 50), percentile(steadyLatency, 99), percentile(steadyLatency, 100),
              steadyDone ? "" : " (INCOMPLETE)");
  std::printf("        (the API server answered each AgentSandbox create in p50 %.1f ms, p99 %.1f ms)\n",
              percentile(bench.lastCreateMs(), 50), percentile(bench.lastCreateMs(), 99));

  // 2. Burst.
  const auto burst = namesFrom("burst-", flags.burst);
  const auto burstStart = Clock::now();
  const auto burstSent = bench.createAll(burst, std::vector<std::chrono::microseconds>(burst.size()), flags.senders);
  const auto createsDone = Clock::now();
  const bool burstDone = bench.waitForPods(burst, std::chrono::seconds(120));
  Clock::time_point last = burstStart;
  for (const auto& name : burst) {
    if (auto seen = pods.seen(name)) last = std::max(last, *seen);
  }
  const auto burstLatency = bench.latenciesMs(burst, burstSent);
  std::printf("burst   %d sandboxes at once: all pods after %.2f s (creates took %.2f s), latency p50 %.1f ms, p99 %.1f ms%s\n",
              flags.burst, std::chrono::duration<double>(last - burstStart).count(),
              std::chrono::duration<double>(createsDone - burstStart).count(), percentile(burstLatency, 50),
              percentile(burstLatency, 99), burstDone ? "" : " (INCOMPLETE)");
  std::printf("        (the API server answered each AgentSandbox create in p50 %.1f ms, p99 %.1f ms)\n",
              percentile(bench.lastCreateMs(), 50), percentile(bench.lastCreateMs(), 99));

  // 3. Memory with `total` sandboxes.
  const int rest = std::max(0, flags.total - static_cast<int>(warmup.size() + steady.size() + burst.size()));
  const auto fill = namesFrom("fill-", rest);
  std::vector<std::chrono::microseconds> fillOffsets;
  for (int i = 0; i < rest; ++i) fillOffsets.emplace_back(static_cast<int64_t>(i * 1e6 / 100));
  bench.createAll(fill, fillOffsets, flags.senders);
  const bool fillDone = bench.waitForPods(fill, std::chrono::seconds(120));
  std::this_thread::sleep_for(std::chrono::seconds(12));  // let writes settle (and one memory trim pass run)
  const long rss = statusKiB(operatorPid, "VmRSS");
  const long peak = statusKiB(operatorPid, "VmHWM");
  std::printf("memory  %zu sandboxes with Pods and NetworkPolicies: operator RSS %.1f MiB (peak %.1f MiB)%s\n",
              pods.count(), rss / 1024.0, peak / 1024.0, fillDone ? "" : " (INCOMPLETE)");
  std::printf("cpu     the operator used %.1f s of CPU for the whole run\n", cpuSeconds(operatorPid));

  kill(operatorPid, SIGTERM);
  waitpid(operatorPid, nullptr, 0);
  podInformer.stop();

  // Clean up an existing cluster's namespace (a cluster this program started is thrown away at exit).
  if (std::getenv("AGENTGUARD_CLUSTER_ENV") != nullptr && !flags.keep) {
    std::printf("cleaning up namespace %s\n", ns.c_str());
    for (const auto* kind : {&kube::resources::agentSandboxes(), &kube::resources::networkPolicies()}) {
      auto listed = client.listAll(*kind, ns);
      if (!listed.ok()) continue;
      std::vector<std::thread> threads;
      std::atomic<size_t> next{0};
      for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
          for (size_t i = next++; i < listed->items.size(); i = next++) {
            const std::string name = listed->items[i]["metadata"].value("name", "");
            (void)client.mergePatch(*kind, ns, name, {{"metadata", {{"finalizers", nullptr}}}});
          }
        });
      }
      for (auto& thread : threads) thread.join();
    }
    (void)cluster->kubectl({"delete", "namespace", ns, "--wait=false"});
  }
  return steadyDone && burstDone && fillDone ? 0 : 1;
}

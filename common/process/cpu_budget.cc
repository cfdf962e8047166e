#include "common/process/cpu_budget.h"

#include <sched.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace agentguard::process {
namespace {

// "QUOTA PERIOD" in microseconds, or "max PERIOD"; nullopt for no quota or unreadable text.
std::optional<double> readCpuMax(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string quota;
  double period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return std::nullopt;
  try {
    size_t used = 0;
    const double microseconds = std::stod(quota, &used);
    if (used != quota.size() || microseconds <= 0) return std::nullopt;
    return microseconds / period;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The cgroup v2 path ("0::/kubepods/pod1/ctr" -> "kubepods/pod1/ctr"); nullopt when there is none.
std::optional<std::string> unifiedPath(std::string_view procSelfCgroup) {
  std::istringstream lines{std::string(procSelfCgroup)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("0::", 0) != 0) continue;
    std::string path = line.substr(3);
    while (!path.empty() && path.front() == '/') path.erase(path.begin());
    return path;
  }
  return std::nullopt;
}

size_t affinityCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return static_cast<size_t>(count);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

std::optional<double> cgroupCpuLimit(std::string_view procSelfCgroup, const std::filesystem::path& cgroupRoot) {
  const auto path = unifiedPath(procSelfCgroup);
  if (!path) return std::nullopt;
  // A path that leaves the root (".." in a hostile /proc text) is not followed.
  const std::filesystem::path own = std::filesystem::path(*path).lexically_normal();
  if (own.string().rfind("..", 0) == 0) return std::nullopt;
  std::optional<double> tightest;
  // From the process's own cgroup up to the root.
  for (std::filesystem::path relative = own;; relative = relative.parent_path()) {
    if (const auto limit = readCpuMax(cgroupRoot / relative / "cpu.max")) {
      tightest = tightest ? std::min(*tightest, *limit) : *limit;
    }
    if (relative.empty()) break;
  }
  return tightest;
}

size_t cpuBudget() {
  size_t cpus = affinityCpus();
  std::ifstream file("/proc/self/cgroup");
  std::ostringstream text;
  text << file.rdbuf();
  if (const auto limit = cgroupCpuLimit(text.str(), "/sys/fs/cgroup")) {
    cpus = std::min(cpus, static_cast<size_t>(std::max(1.0, *limit)));
  }
  return std::max<size_t>(1, cpus);
}

}  // namespace agentguard::process

#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>

// How many CPUs this process may keep busy, for sizing thread pools the way container-aware runtimes
// do (Go's GOMAXPROCS, nginx's `worker_processes auto`): more busy threads than that only slice each
// other's time and stretch tail latency.
namespace agentguard::process {

// The CPUs in this thread's affinity mask, capped by the CPU limit of its cgroup (cgroupCpuLimit),
// rounded down; at least 1. A pod with `limits.cpu: 1500m` on an 8-core node gets 1.
size_t cpuBudget();

// The tightest cgroup v2 CPU limit, in CPUs, on the cgroup named in `procSelfCgroup` (the text of
// /proc/self/cgroup) and its ancestors, read from `cpu.max` under `cgroupRoot`; nullopt when no
// level sets a quota ("max"), the cgroup is not v2, or the files cannot be read.
std::optional<double> cgroupCpuLimit(std::string_view procSelfCgroup, const std::filesystem::path& cgroupRoot);

}  // namespace agentguard::process

#!/usr/bin/env bash
# Builds agentguard-operator and operator_benchmark, then measures, against a local kube-apiserver v1.37:
#   1. steady: AgentSandboxes created at 50/s; time from each create to its Pod appearing (p50/p99);
#   2. burst: 300 AgentSandboxes at once; time until all 300 have Pods;
#   3. memory: the operator's RSS once 1,000 sandboxes (and their Pods and NetworkPolicies) exist.
# Targets: p99 <= 200 ms steady, the 300 burst within 3 s, RSS <= 64 MiB.
#
# Usage: benchmarks/operator/run.sh [operator_benchmark flags]   (--help lists them)
# Starts its own control plane unless AGENTGUARD_CLUSTER_ENV names a running one (e2e/cluster/cluster.sh up).
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir="${BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" --target agentguard-operator operator_benchmark -j "${JOBS:-2}"
exec "$build_dir/bin/operator_benchmark" --operator "$build_dir/bin/agentguard-operator" "$@"

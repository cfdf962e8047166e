#!/usr/bin/env bash
# Builds agentguard with warnings as errors and runs every test: unit tests, policy cases, the suites
# that talk to a real local kube-apiserver (started once for the run and stopped at its end), the
# end-to-end Helm suite, a bounded fuzzing session, and the tests on a real node (kubelet, containerd,
# gVisor, NetworkPolicy enforcement; e2e/node/run-tests.sh, as root). The node's Go programs take long to
# build the first time: they run when `e2e/cluster/cluster.sh install --node` has put them in its cache,
# or always with AGENTGUARD_NODE_TESTS=1 (which installs what is missing first).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Building (warnings are errors)"
scripts/build.sh -DAGENTGUARD_WERROR=ON

echo "==> Preparing the local control plane (first run builds kube-apiserver from Debian's source package)"
e2e/cluster/cluster.sh install
# A cluster left over from an interrupted run would hold the state directory.
e2e/cluster/cluster.sh down --state-dir build/local-cluster >/dev/null 2>&1 || true

echo "==> Preparing the independent DSSE verifier (securesystemslib from PyPI, cached)"
interop_venv="${XDG_CACHE_HOME:-$HOME/.cache}/agentguard/python-interop-securesystemslib-1.6.0"
if [[ ! -x "$interop_venv/bin/python" ]] || ! "$interop_venv/bin/python" -c 'import securesystemslib.dsse' 2>/dev/null; then
  rm -rf "$interop_venv"
  python3 -m venv "$interop_venv"
  "$interop_venv/bin/pip" install -q securesystemslib==1.6.0 cryptography
fi
export AGENTGUARD_INTEROP_PYTHON="$interop_venv/bin/python"

echo "==> Running tests"
ctest --test-dir build --output-on-failure --timeout 900 -j 2

if [[ -x scripts/fuzz-smoke.sh ]]; then
  echo "==> Fuzzing smoke run"
  scripts/fuzz-smoke.sh
fi

echo "==> Tests on a real node (Kubernetes, containerd, gVisor, kube-network-policies, CoreDNS)"
if [[ "$(id -u)" != 0 ]]; then
  echo "node tests skipped: they need root (containerd, CNI, iptables)"
elif [[ "${AGENTGUARD_NODE_TESTS:-}" == 1 ]] || e2e/node/node.sh installed; then
  e2e/cluster/cluster.sh install --node
  e2e/node/run-tests.sh --state-dir build/node-cluster
else
  echo "node tests skipped: the node is not installed; run e2e/cluster/cluster.sh install --node (or set AGENTGUARD_NODE_TESTS=1)"
fi

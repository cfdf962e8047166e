#!/usr/bin/env bash
# Builds agentguard with warnings as errors and runs every test: unit tests, policy cases, the suites
# that talk to a real local kube-apiserver (started once for the run and stopped at its end), the
# end-to-end Helm suite, a bounded fuzzing session, and the tests on a real node (kubelet, containerd,
# gVisor, NetworkPolicy enforcement; e2e/node/run-tests.sh), then the Helm suite again with the
# chart's own Pods on a node (e2e/helm/run.sh --on-node: the image built from the Dockerfile with
# buildah). The node needs root; its Go programs and images are built on the first run (tens of
# minutes) and cached under ~/.cache/agentguard.
# AGENTGUARD_NODE_TESTS=0 leaves the node tests out, and says so; without root and without it, the run fails.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Building (warnings are errors)"
scripts/build.sh -DAGENTGUARD_WERROR=ON

echo "==> Preparing the local control plane (first run builds Kubernetes from its Go module: e2e/node/build-go.sh)"
e2e/cluster/cluster.sh install
# The release's own kubectl, for the tests that run kubectl (kubectl_differential_test among them).
source e2e/node/versions.sh
AGENTGUARD_KUBECTL="$(node_component_dir kubernetes "$NODE_KUBE_VERSION")/bin/kubectl"
export AGENTGUARD_KUBECTL
# A cluster left over from an interrupted run would hold the state directory.
e2e/cluster/cluster.sh down --state-dir build/local-cluster >/dev/null 2>&1 || true

node_tests=1
if [[ "${AGENTGUARD_NODE_TESTS:-1}" == 0 ]]; then
  node_tests=0
elif [[ "$(id -u)" != 0 ]]; then
  echo "error: the node tests need root (containerd, CNI, iptables); run as root, or set AGENTGUARD_NODE_TESTS=0 to leave them out" >&2
  exit 1
fi
if ((node_tests)); then
  echo "==> Preparing the node (first run builds Kubernetes, gVisor, kube-network-policies, CoreDNS, cri-tools and images)"
  e2e/cluster/cluster.sh install --node
fi

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

echo "==> Tests on a real node (Kubernetes, containerd, gVisor, kube-network-policies, CoreDNS, the tool-call gate)"
if ((node_tests)); then
  AGENTGUARD_NODE_GATE=1 e2e/node/run-tests.sh --state-dir build/node-cluster
  echo "==> The Helm chart's own Pods on a node: the image from the Dockerfile, availability, failover"
  e2e/helm/run.sh --on-node
else
  echo "NODE TESTS LEFT OUT (AGENTGUARD_NODE_TESTS=0): nothing on a real node was tested, and the chart's Pods never ran"
fi

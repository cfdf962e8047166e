#!/usr/bin/env bash
# Builds agentguard with warnings as errors and runs every test: unit tests, policy cases, the suites
# that talk to a real local kube-apiserver (started once for the run and stopped at its end), the
# end-to-end Helm suite, and a bounded fuzzing session.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Building (warnings are errors)"
scripts/build.sh -DAGENTGUARD_WERROR=ON

echo "==> Preparing the local control plane (first run builds kube-apiserver from Debian's source package)"
e2e/cluster/cluster.sh install
# A cluster left over from an interrupted run would hold the state directory.
e2e/cluster/cluster.sh down --state-dir build/local-cluster >/dev/null 2>&1 || true

echo "==> Running tests"
ctest --test-dir build --output-on-failure --timeout 900 -j 2

if [[ -x scripts/fuzz-smoke.sh ]]; then
  echo "==> Fuzzing smoke run"
  scripts/fuzz-smoke.sh
fi

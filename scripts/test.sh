#!/usr/bin/env bash
# Builds agentguard with warnings as errors and runs every test: unit, policy cases, fuzzing smoke
# runs, and the suites that talk to a real local kube-apiserver (started and stopped by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Building (warnings are errors)"
scripts/build.sh -DAGENTGUARD_WERROR=ON

echo "==> Running tests"
ctest --test-dir build --output-on-failure --timeout 900 -j 2

if [[ -x scripts/fuzz-smoke.sh ]]; then
  echo "==> Fuzzing smoke run"
  scripts/fuzz-smoke.sh
fi

#!/usr/bin/env bash
# Configures and builds agentguard into build/ (binaries in build/bin/). Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
mkdir -p build
source scripts/ccache-env.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache "$@" >build/configure.log 2>&1 || {
  cat build/configure.log
  exit 1
}
cmake --build build -j "$jobs"

#!/usr/bin/env bash
# Installs the Debian packages agentguard builds and tests with, only those that are missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config g++
  libcpprest-dev libyaml-cpp-dev nlohmann-json3-dev prometheus-cpp-dev libssl-dev
  libboost1.74-dev # Boost.Asio/Beast headers of the HTTPS server (also a dependency of libcpprest-dev)
  libgtest-dev libgmock-dev libbenchmark-dev
  libre2-dev # the gate's regex matcher (linear-time matching)
  libcli11-dev # the binaries' flag parser (common/flags), header-only
  clang libclang-rt-14-dev
  openssl curl ca-certificates python3
  python3-jsonschema python3-yaml # tests/schemas/policy_schema_test.py
  prometheus # promtool: the chart's alert and dashboard queries parsed as PromQL (tests/e2e/monitoring_chart_test.py)
  ccache # compiler cache under ~/.cache/agentguard/ccache: a fresh clone rebuilds in seconds
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "==> Installing build dependencies: ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

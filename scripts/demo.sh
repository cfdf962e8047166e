#!/usr/bin/env bash
# The README's main job: builds agentguard and shows what it refuses and what it admits.
# When the full local story (control plane, chart, webhook, operator) is available it runs that.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -x e2e/story/run.sh ]]; then
  exec e2e/story/run.sh "$@"
fi

bold=$'\033[1m'; reset=$'\033[0m'
[[ -t 1 ]] || { bold=""; reset=""; }

echo "${bold}==> Building agentguard${reset} (log: build/build.log)"
mkdir -p build
scripts/build.sh >build/build.log 2>&1 || { tail -n 40 build/build.log; exit 1; }

echo
echo "${bold}==> What an agent wrote: examples/unsafe/${reset}"
status=0
build/bin/agentguard check examples/unsafe || status=$?
if [[ $status -ne 1 ]]; then
  echo "expected agentguard to deny the unsafe examples (exit 1), got exit $status" >&2
  exit 1
fi

echo
echo "${bold}==> The hardened version: examples/hardened/${reset}"
build/bin/agentguard check examples/hardened

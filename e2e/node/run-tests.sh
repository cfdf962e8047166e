#!/usr/bin/env bash
# The node tests, as scripts/test.sh runs them: starts a node cluster, installs the CRD, runs
# build/bin/agentguard-operator against it, runs test-isolation.sh, test-lifecycle.sh and
# test-gate.sh, stops the cluster and checks that nothing was left behind. Ends with "N passed, N failed".
#
# Usage: e2e/node/run-tests.sh [--state-dir DIR]   (root; default DIR: build/node-cluster)
# AGENTGUARD_CLUSTER_ENV=DIR/env uses a running node cluster instead and leaves it running.
# AGENTGUARD_NODE_GATE=1 also runs the tool-call gate's part of test-gate.sh: the operator then gets the
# gate's flags (node_gate_operator_flags in operator.sh; needs build/bin/agentguard-gate).
set -euo pipefail
NODE_TEST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly NODE_TEST_DIR
REPO="$(cd "${NODE_TEST_DIR}/../.." && pwd)"
readonly REPO

STATE_DIR="${REPO}/build/node-cluster"
if [[ "${1:-}" == --state-dir ]]; then
  STATE_DIR="$2"
fi
# shellcheck source=SCRIPTDIR/operator.sh
source "${NODE_TEST_DIR}/operator.sh"
OWN_CLUSTER=0
OPERATOR_PID=""
PASSED=0
FAILED=0

log() { printf 'node-tests: %s\n' "$*" >&2; }

tally() {
  local line="$1"
  if [[ "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    PASSED=$((PASSED + BASH_REMATCH[1]))
    FAILED=$((FAILED + BASH_REMATCH[2]))
  else
    FAILED=$((FAILED + 1))
  fi
}

# run_suite SCRIPT: runs one suite and adds its counts (a suite that dies counts as a failure).
run_suite() {
  local out="${STATE_DIR}.$(basename "$1" .sh).out" started=$SECONDS
  printf '==> %s\n' "$(basename "$1")"
  "$1" 2>&1 | tee "$out" || true
  tally "$(tail -n 1 "$out")"
  rm -f "$out"
  log "$(basename "$1") took $((SECONDS - started)) s"
}

start_operator() {
  # shellcheck disable=SC1090
  source "$AGENTGUARD_CLUSTER_ENV"
  node_install_crds || return 1
  # The Secret and ConfigMap the tests' sandboxes mount are allowed by name.
  node_apply_default_class --set 'sandboxClass.secrets.names={analysis-api}' \
    --set 'sandboxClass.configMaps.names={node-test-scripts}' || return 1
  local gate_flags=()
  if [[ "${AGENTGUARD_NODE_GATE:-0}" == 1 ]]; then
    mapfile -t gate_flags < <(node_gate_operator_flags) || return 1
    ((${#gate_flags[@]} > 0)) || { log "could not prepare the gate's image and RBAC"; return 1; }
    log "operator gate flags: ${gate_flags[*]}"
  fi
  node_start_operator "${AGENTGUARD_CLUSTER_STATE_DIR}/logs/operator.log" --allowed-runtime-classes gvisor,nohandler \
    "${gate_flags[@]}"
  OPERATOR_PID="$NODE_OPERATOR_PID"
}

stop_operator() {
  [[ -n "$OPERATOR_PID" ]] || return 0
  kill "$OPERATOR_PID" 2>/dev/null || true
  wait "$OPERATOR_PID" 2>/dev/null || true
  OPERATOR_PID=""
}

finish() {
  stop_operator
  if ((OWN_CLUSTER)); then
    "${REPO}/e2e/cluster/cluster.sh" down --state-dir "$STATE_DIR" >&2 || true
  fi
}

main() {
  [[ "$(id -u)" == 0 ]] || { log "the node needs root"; printf '0 passed, 1 failed\n'; exit 1; }
  [[ -x "${REPO}/build/bin/agentguard-operator" ]] || { log "build first: scripts/build.sh"; exit 1; }
  trap finish EXIT
  trap 'exit 143' TERM INT  # so a timeout still stops the operator and the cluster
  if [[ -z "${AGENTGUARD_CLUSTER_ENV:-}" ]]; then
    "${REPO}/e2e/cluster/cluster.sh" down --state-dir "$STATE_DIR" >/dev/null 2>&1 || true
    OWN_CLUSTER=1
    local started=$SECONDS
    "${REPO}/e2e/cluster/cluster.sh" up --node --state-dir "$STATE_DIR" >/dev/null
    log "node cluster up in $((SECONDS - started)) s"
    export AGENTGUARD_CLUSTER_ENV="${STATE_DIR}/env"
  fi
  start_operator
  run_suite "${NODE_TEST_DIR}/test-isolation.sh"
  run_suite "${NODE_TEST_DIR}/test-lifecycle.sh"
  run_suite "${NODE_TEST_DIR}/test-gate.sh"
  stop_operator
  if ((OWN_CLUSTER)); then
    OWN_CLUSTER=0
    "${REPO}/e2e/cluster/cluster.sh" down --state-dir "$STATE_DIR" >&2
    printf '==> down leaves nothing behind\n'
    if "${NODE_TEST_DIR}/node.sh" leftovers --state-dir "$STATE_DIR"; then
      PASSED=$((PASSED + 1))
      printf 'ok - cluster.sh down left no state, process, mount, netns, veth, bridge, rule or cgroup\n'
    else
      FAILED=$((FAILED + 1))
      printf 'not ok - cluster.sh down left something behind\n'
    fi
  fi
  printf '%s passed, %s failed\n' "$PASSED" "$FAILED"
  ((FAILED == 0))
}

main "$@"

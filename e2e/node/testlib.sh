# shellcheck shell=bash
# Helpers for the node tests: kubectl against the node cluster, checks counted into the
# closing "N passed, N failed" line, waits. Sourced, never run; needs AGENTGUARD_CLUSTER_ENV.

# shellcheck disable=SC1090
source "${AGENTGUARD_CLUSTER_ENV:?set AGENTGUARD_CLUSTER_ENV to the node cluster\'s DIR/env}"
# shellcheck source=SCRIPTDIR/pods.sh
source "$(dirname "${BASH_SOURCE[0]}")/pods.sh"

PASSED=0
FAILED=0

crictl_node() { "$AGENTGUARD_CRICTL" --timeout 30s "$@"; }

note() { printf '  # %s\n' "$*"; }

# check DESCRIPTION COMMAND...: counts one check; prints ok / not ok with the command's output.
check() {
  local what="$1" output
  shift
  if output="$("$@" 2>&1)"; then
    PASSED=$((PASSED + 1))
    printf 'ok - %s\n' "$what"
  else
    FAILED=$((FAILED + 1))
    printf 'not ok - %s\n' "$what"
    [[ -z "$output" ]] || printf '%s\n' "$output" | sed 's/^/    /' | tail -n 15
  fi
}


summary() {
  printf '%s passed, %s failed\n' "$PASSED" "$FAILED"
  ((FAILED == 0))
}

# jsonpath of an object, empty if it does not exist.
field() { k get "$@" 2>/dev/null || true; }

pod_phase() { field pod -n "$1" "$2" -o jsonpath='{.status.phase}'; }
pod_ip() { field pod -n "$1" "$2" -o jsonpath='{.status.podIP}'; }
sandbox_phase() { field agentsandbox -n "$1" "$2" -o jsonpath='{.status.phase}'; }
gone() { ! k get "$@" >/dev/null 2>&1; }

# probe NAMESPACE POD tcp|udp HOST PORT: what the destination answered, from inside the pod.
probe() {
  local ns="$1" pod="$2"
  shift 2
  k exec -n "$ns" "$pod" -- python3 -c "$(cat "${NODE_TEST_DIR}/probes/probe.py")" "$@"
}

# answers NONCE NAMESPACE POD KIND HOST PORT: the probe reads NONCE back.
answers() {
  local nonce="$1" out
  shift
  out="$(probe "$@" 2>&1)" || { printf 'no answer: %s\n' "$out"; return 1; }
  [[ "$out" == "$nonce" ]] || { printf 'answered %q, expected the nonce %s\n' "$out" "$nonce"; return 1; }
}

# blocked NAMESPACE POD KIND HOST PORT: the probe gets nothing back.
blocked() {
  local out
  if out="$(probe "$@" 2>&1)"; then
    printf 'answered: %s\n' "$out"
    return 1
  fi
  note "refused as expected: ${out##*$'\n'}"
}

# The id of the CRI pod sandbox of NAMESPACE/POD.
cri_pod_id() {
  crictl_node pods --namespace "$1" --name "^$2\$" --state ready -q | head -n 1
}

#!/usr/bin/env bash
# Time from `kubectl apply` to an agent's first instruction on the node, under gVisor with its
# NetworkPolicy in force, side by side in one run with:
#   operator  an AgentSandbox, turned by agentguard-operator into NetworkPolicy + Pod (runsc)
#   floor     the same NetworkPolicy + Pod applied directly, runtimeClassName gvisor (runsc)
#   runc      the same NetworkPolicy + Pod applied directly, no RuntimeClass (runc)
# for 20 sequential objects and bursts of 20 and 50 (one apply each). The container's first
# instruction prints `date +%s.%N`; the benchmark reads it from the log. Also node memory per
# running sandbox (MemAvailable before and with 20 running). Prints a Markdown table.
#
# Usage: benchmarks/node/run.sh [--state-dir DIR]     (root; starts and stops its own node cluster
#        unless AGENTGUARD_CLUSTER_ENV names a running one, with the operator running against it)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO="$PWD"
readonly REPO
STATE_DIR="${REPO}/build/node-bench"
[[ "${1:-}" != --state-dir ]] || STATE_DIR="$2"
readonly NS=node-bench
# shellcheck source=../../e2e/node/operator.sh
source "${REPO}/e2e/node/operator.sh"
# shellcheck source=../../e2e/node/pods.sh
source "${REPO}/e2e/node/pods.sh"
OWN_CLUSTER=0
OPERATOR_PID=""
RESULTS="$(mktemp)"

log() { printf 'bench: %s\n' "$*" >&2; }

# objects MODE NAME: the YAML one MODE applies for one agent called NAME.
objects() {
  local mode="$1" name="$2"
  # Small requests, so a burst of 50 fits the 2-core node's schedulable CPU; limits, because the
  # default AgentSandboxClass requires them.
  local container="name: agent, image: agentguard.local/toolbox:1, imagePullPolicy: Never,
          command: [sh, -c, 'date +%s.%N; exec sleep 3600'],
          resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {cpu: '1', memory: 256Mi}}"
  if [[ "$mode" == operator ]]; then
    cat <<YAML
apiVersion: agentguard.io/v1alpha1
kind: AgentSandbox
metadata: {name: ${name}, namespace: ${NS}}
spec:
  lifecycle: {restartPolicy: Never}
  template:
    spec:
      terminationGracePeriodSeconds: 1
      securityContext: {runAsUser: 10001, runAsGroup: 10001}
      containers: [{${container}}]
---
YAML
    return
  fi
  local runtime="runtimeClassName: gvisor"
  [[ "$mode" == floor ]] || runtime=""
  cat <<YAML
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}-isolation, namespace: ${NS}}
spec:
  podSelector: {matchLabels: {bench: ${name}}}
  policyTypes: [Ingress, Egress]
  egress:
    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
      ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${NS}, labels: {bench: ${name}}}
spec:
  ${runtime}
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  automountServiceAccountToken: false
  enableServiceLinks: false
  securityContext: {runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: {type: RuntimeDefault}}
  containers:
    - {${container},
       securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}}
---
YAML
}

# first_instruction NAME: the timestamp the agent printed, once it has.
first_instruction() {
  local line
  line="$(k -n "$NS" logs "$1" 2>/dev/null | head -n 1)" || return 1
  [[ "$line" =~ ^[0-9]+\.[0-9]+$ ]] && printf '%s\n' "$line"
}

# measure MODE PATTERN COUNT: applies COUNT agents (one by one, or in one apply) and records
# each one's latency in RESULTS as "MODE PATTERN seconds".
measure() {
  local mode="$1" pattern="$2" count="$3" i name t0 ts
  local names=()
  for ((i = 0; i < count; i++)); do names+=("${mode}-${pattern}-${i}"); done
  if [[ "$pattern" == sequential ]]; then
    for name in "${names[@]}"; do
      t0="$(date +%s.%N)"
      objects "$mode" "$name" | k apply -f - >/dev/null
      until ts="$(first_instruction "$name")"; do sleep 0.05; done
      printf '%s %s %s\n' "$mode" "$pattern" "$(python3 -c "print(${ts} - ${t0})")" >>"$RESULTS"
    done
  else
    local manifest
    manifest="$(for name in "${names[@]}"; do objects "$mode" "$name"; done)"
    t0="$(date +%s.%N)"
    k apply -f - >/dev/null <<<"$manifest"
    for name in "${names[@]}"; do
      local deadline=$((SECONDS + 300))
      until ts="$(first_instruction "$name")"; do
        ((SECONDS < deadline)) || { log "${name} never started"; break; }
        sleep 0.1
      done
      [[ -z "$ts" ]] || printf '%s %s %s\n' "$mode" "$pattern" "$(python3 -c "print(${ts} - ${t0})")" >>"$RESULTS"
    done
  fi
}

mem_available_kib() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }

clear_namespace() {
  k -n "$NS" delete agentsandboxes --all --wait=true --timeout=300s >/dev/null 2>&1 || true
  k -n "$NS" delete pods,networkpolicies --all --wait=true --timeout=300s >/dev/null
  sleep 3
}

# memory MODE: node memory per running agent, from 20 running sequential agents.
memory_per_agent() {
  printf '%s memory %s\n' "$1" "$(( (MEM_BEFORE - $(mem_available_kib)) / 20 ))" >>"$RESULTS"
}

report() {
  python3 - "$RESULTS" <<'PY'
import statistics, sys
rows = {}
memory = {}
for line in open(sys.argv[1]):
    mode, pattern, value = line.split()
    if pattern == "memory":
        memory[mode] = int(value)
    else:
        rows.setdefault((mode, pattern), []).append(float(value))

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))]

modes = ["operator", "floor", "runc"]
print("| pattern | " + " | ".join(f"{m} p50 / p99 (s)" for m in modes) + " |")
print("| --- |" + " --- |" * len(modes))
for pattern in ["sequential", "burst20", "burst50"]:
    cells = []
    for m in modes:
        v = rows.get((m, pattern), [])
        cells.append(f"{pct(v, 50):.2f} / {pct(v, 99):.2f} (n={len(v)})" if v else "-")
    print(f"| {pattern} | " + " | ".join(cells) + " |")
print("| node memory per running agent | " + " | ".join(
    f"{memory[m] / 1024:.0f} MiB" if m in memory else "-" for m in modes) + " |")
PY
}

finish() {
  [[ -z "$OPERATOR_PID" ]] || { kill "$OPERATOR_PID" 2>/dev/null; wait "$OPERATOR_PID" 2>/dev/null || true; }
  ((OWN_CLUSTER == 0)) || "${REPO}/e2e/cluster/cluster.sh" down --state-dir "$STATE_DIR" >&2 || true
  rm -f "$RESULTS"
}

main() {
  trap finish EXIT
  if [[ -z "${AGENTGUARD_CLUSTER_ENV:-}" ]]; then
    OWN_CLUSTER=1
    "${REPO}/e2e/cluster/cluster.sh" up --node --state-dir "$STATE_DIR" >/dev/null
    export AGENTGUARD_CLUSTER_ENV="${STATE_DIR}/env"
    # shellcheck disable=SC1090
    source "$AGENTGUARD_CLUSTER_ENV"
    node_install_crds
    node_apply_default_class
    node_start_operator "${STATE_DIR}/logs/operator.log"
    OPERATOR_PID="$NODE_OPERATOR_PID"
  else
    # shellcheck disable=SC1090
    source "$AGENTGUARD_CLUSTER_ENV"
  fi
  k create namespace "$NS" >/dev/null 2>&1 || true
  local mode pattern
  for mode in operator floor runc; do
    MEM_BEFORE="$(mem_available_kib)"
    log "${mode}: 20 sequential"
    measure "$mode" sequential 20
    memory_per_agent "$mode"
    clear_namespace
    for pattern in 20 50; do
      log "${mode}: burst of ${pattern}"
      measure "$mode" "burst${pattern}" "$pattern"
      clear_namespace
    done
  done
  report
}

main "$@"

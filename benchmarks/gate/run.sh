#!/usr/bin/env bash
# What a tool call pays for going through agentguard-gate: the same fixed-rate client calls the same
# upstream directly and through the gate, the two in turn run by run, at 1 and at 500 calls/s.
#
#   benchmarks/gate/run.sh [BUILD_DIR]
# Environment: REPEAT (pairs per rate, default 3), SLOW_SECONDS (the 1/s runs, default 30),
# FAST_SECONDS (the 500/s runs, default 10), CONNECTIONS (at 500/s, default 4).
#
# The gate runs as it does in a cluster, against a real kube-apiserver (e2e/cluster/cluster.sh up, no
# node): a real TokenReview of a token bound to a Pod, an AgentSandbox watched through the API, and signed
# decision records written before each call is forwarded. The Pod is an API object whose status this
# script sets to Running with IP 127.0.0.1 (no kubelet runs), so the gate's caller check passes on loopback.
# Reports per run and as medians: p50/p99 latency of each path, their difference (the added latency),
# the gate's CPU per call and its RSS. The issue's guard: p99 added <= 2 ms.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="$(cd "${1:-${REPO}/build}" && pwd)"
REPEAT="${REPEAT:-3}"
SLOW_SECONDS="${SLOW_SECONDS:-30}"
FAST_SECONDS="${FAST_SECONDS:-10}"
CONNECTIONS="${CONNECTIONS:-4}"
GATE_BIN="${BUILD}/bin/agentguard-gate"
UPSTREAM_BIN="${BUILD}/benchmarks/gate_bench_upstream"
RATE_BIN="${BUILD}/benchmarks/gate_fixed_rate"
for tool in "$GATE_BIN" "$UPSTREAM_BIN" "$RATE_BIN" python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (build the gate and the benchmarks first)" >&2; exit 1; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/agentguard-gate-bench-XXXXXX")"
STATE_DIR="${WORK}/cluster"
UPSTREAM_PID="" GATE_PID=""
cleanup() {
  local pid
  for pid in "$GATE_PID" "$UPSTREAM_PID"; do
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  "${REPO}/e2e/cluster/cluster.sh" down --state-dir "$STATE_DIR" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "gate-bench: $*" >&2; }

# Waits for FILE to hold a line starting with "ready", then prints its second word.
wait_ready() {
  local file="$1" i
  for i in $(seq 100); do
    if grep -q '^ready' "$file" 2>/dev/null; then awk '/^ready/ {print $2; exit}' "$file"; return 0; fi
    sleep 0.1
  done
  echo "gate-bench: $file never said ready" >&2
  return 1
}

wait_http() {
  local url="$1" i
  for i in $(seq 200); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "gate-bench: $url never answered" >&2
  return 1
}

log "starting kube-apiserver"
"${REPO}/e2e/cluster/cluster.sh" up --install --state-dir "$STATE_DIR" --owner-pid $$ >/dev/null
# shellcheck disable=SC1091
source "${STATE_DIR}/env"
k() { "$AGENTGUARD_KUBECTL" "$@"; }
# shellcheck source=e2e/node/operator.sh
source "${REPO}/e2e/node/operator.sh"
node_install_crds || { echo "gate-bench: the agentguard CRDs were not installed" >&2; exit 1; }

"$UPSTREAM_BIN" 127.0.0.1:0 >"${WORK}/upstream.out" 2>"${WORK}/upstream.err" &
UPSTREAM_PID=$!
UPSTREAM_PORT="$(wait_ready "${WORK}/upstream.out")"

NS=gate-bench
k create namespace "$NS" >/dev/null
k -n "$NS" create serviceaccount agent >/dev/null
k -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: agentguard.io/v1alpha1
kind: AgentSandbox
metadata:
  name: bench
spec:
  tools:
    mode: Enforce
    servers:
      - name: mail
        url: http://127.0.0.1:${UPSTREAM_PORT}/mcp
        methods:
          - name: tools/call
            params: [send_email]
        arguments:
          send_email:
            /to: {enum: ["ops@example.com"]}
            /body: {maxLength: 4096}
  template:
    spec:
      containers:
        - name: agent
          image: agentguard.local/toolbox:1
EOF
SANDBOX_UID="$(k -n "$NS" get agentsandbox bench -o jsonpath='{.metadata.uid}')"
k -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: bench
  labels: {agentguard.io/sandbox: bench}
  ownerReferences:
    - {apiVersion: agentguard.io/v1alpha1, kind: AgentSandbox, name: bench, uid: ${SANDBOX_UID}, controller: true}
spec:
  serviceAccountName: agent
  automountServiceAccountToken: false
  containers:
    - name: agent
      image: agentguard.local/toolbox:1
EOF
k -n "$NS" patch pod bench --subresource=status --type=merge \
  -p '{"status":{"phase":"Running","podIP":"127.0.0.1","podIPs":[{"ip":"127.0.0.1"}]}}' >/dev/null
POD_UID="$(k -n "$NS" get pod bench -o jsonpath='{.metadata.uid}')"
TOKEN="$(k -n "$NS" create token agent --audience agentguard-gate --duration 1h \
  --bound-object-kind Pod --bound-object-name bench --bound-object-uid "$POD_UID")"

# The gate's own identity: a ServiceAccount allowed what the chart's ClusterRoles allow.
k -n "$NS" create serviceaccount gate >/dev/null
k create clusterrole gate-bench-tokenreview --verb=create --resource=tokenreviews.authentication.k8s.io >/dev/null
k create clusterrolebinding gate-bench-tokenreview --clusterrole=gate-bench-tokenreview \
  --serviceaccount="${NS}:gate" >/dev/null
k -n "$NS" create role gate --verb=get,list,watch --resource=agentsandboxes.agentguard.io,pods >/dev/null
k -n "$NS" create role gate-secrets-events --verb=get,create,patch --resource=secrets,events >/dev/null
k -n "$NS" create rolebinding gate --role=gate --serviceaccount="${NS}:gate" >/dev/null
k -n "$NS" create rolebinding gate-secrets-events --role=gate-secrets-events --serviceaccount="${NS}:gate" >/dev/null
GATE_TOKEN="$(k -n "$NS" create token gate --duration 1h)"
python3 - "$KUBECONFIG" "$GATE_TOKEN" "${WORK}/gate.kubeconfig" <<'PY'
import sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
config["users"] = [{"name": "gate", "user": {"token": sys.argv[2]}}]
for context in config["contexts"]:
    context["context"]["user"] = "gate"
open(sys.argv[3], "w").write(yaml.safe_dump(config))
PY

"$GATE_BIN" --kubeconfig "${WORK}/gate.kubeconfig" --namespace "$NS" \
  --mcp-listen 127.0.0.1:18080 --proxy-listen 127.0.0.1:13128 --metrics-listen 127.0.0.1:19090 \
  --decision-log-file "${WORK}/decisions.jsonl" --decision-signing-key "${WORK}/decision-key.pem" --decision-signing-key-create \
  --log-level warn >"${WORK}/gate.out" 2>"${WORK}/gate.err" &
GATE_PID=$!
wait_http http://127.0.0.1:19090/readyz

cat >"${WORK}/call.json" <<'EOF'
{"jsonrpc":"2.0","id":"ID","method":"tools/call","params":{"name":"send_email","arguments":{"to":"ops@example.com","subject":"weekly report","body":"The numbers are in the attached sheet."}}}
EOF
HEADERS=("Mcp-Method: tools/call" "Mcp-Name: send_email" "MCP-Protocol-Version: 2025-11-25")
DIRECT_URL="http://127.0.0.1:${UPSTREAM_PORT}/mcp"
GATE_URL="http://127.0.0.1:18080/mcp/mail"
# One call through the gate must succeed before anything is timed.
probe="$("$RATE_BIN" "$GATE_URL" "${WORK}/call.json" 10 0.5 1 "${HEADERS[@]}" "Authorization: Bearer ${TOKEN}")"
[[ "$(awk '{print $6}' <<<"$probe")" == 0 ]] || { cat "${WORK}/gate.err" >&2; echo "gate-bench: the gate refused the probe call" >&2; exit 1; }

# CPU nanoseconds of the gate process: utime + stime of /proc/PID/stat, which keep the time of threads that
# have ended (summing /proc/PID/task/*/schedstat loses every connection thread that exited between the two
# readings, and read 0 once). Clock ticks (usually 10 ms): coarse for the 1/s runs, see the report.
CLOCK_TICK="$(getconf CLK_TCK)"
gate_cpu_ns() {
  local stat fields
  stat="$(cat "/proc/${GATE_PID}/stat")" || { echo "gate-bench: the gate (pid ${GATE_PID}) is gone" >&2; exit 1; }
  read -r -a fields <<<"${stat##*) }"  # after the command name, which may hold spaces
  # fields[0] is the state (field 3); utime and stime are fields 14 and 15.
  echo $(((fields[11] + fields[12]) * (1000000000 / CLOCK_TICK)))
}
gate_rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/${GATE_PID}/status"; }
RESULTS="${WORK}/results"
: >"$RESULTS"
for rate in 1 500; do
  seconds="$SLOW_SECONDS" connections=1
  if [[ "$rate" == 500 ]]; then seconds="$FAST_SECONDS" connections="$CONNECTIONS"; fi
  for run in $(seq "$REPEAT"); do
    direct="$("$RATE_BIN" "$DIRECT_URL" "${WORK}/call.json" "$rate" "$seconds" "$connections" "${HEADERS[@]}")"
    before="$(gate_cpu_ns)"
    gated="$("$RATE_BIN" "$GATE_URL" "${WORK}/call.json" "$rate" "$seconds" "$connections" "${HEADERS[@]}" \
      "Authorization: Bearer ${TOKEN}")"
    after="$(gate_cpu_ns)"
    echo "$rate $run $direct | $gated | $((after - before)) $(gate_rss_kib)" | tee -a "$RESULTS" >&2
  done
done

python3 - "$RESULTS" "$CLOCK_TICK" <<'PY'
import statistics, sys
tick_us = 1e6 / int(sys.argv[2])
rows = {}
for line in open(sys.argv[1]):
    head, gated, gate = line.split("|")
    rate, run, *direct = head.split()
    gated = gated.split()
    cpu_ns, rss = gate.split()
    rows.setdefault(int(rate), []).append((list(map(int, direct)), list(map(int, gated)), int(cpu_ns), int(rss)))
print("rate/s  path     p50_us  p99_us  achieved/s  failures")
for rate, runs in sorted(rows.items()):
    med = lambda values: statistics.median(values)
    for name, index in (("direct", 0), ("gate", 1)):
        print(f"{rate:>6}  {name:<7} {med([r[index][0] for r in runs]):>7.0f} {med([r[index][2] for r in runs]):>7.0f}"
              f" {med([r[index][4] for r in runs]):>11.0f} {sum(r[index][5] for r in runs):>9}")
    added_p50 = med([r[1][0] - r[0][0] for r in runs])
    added_p99 = med([r[1][2] - r[0][2] for r in runs])
    cpu_us = med([r[2] / 1e3 / max(r[1][6], 1) for r in runs])
    resolution_us = tick_us / max(min(r[1][6] for r in runs), 1)
    rss = max(r[3] for r in runs)
    verdict = "meets" if added_p99 <= 2000 else "MISSES"
    print(f"{rate:>6}  added   {added_p50:>7.0f} {added_p99:>7.0f}   gate CPU/call {cpu_us:.0f} us"
          f" (+-{resolution_us:.0f} us: clock ticks), RSS {rss / 1024:.1f} MiB;"
          f" p99 added {verdict} the 2 ms guard")
PY

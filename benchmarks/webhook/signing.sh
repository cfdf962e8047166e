#!/usr/bin/env bash
# What signing every decision costs the webhook: the same server (webhook_bench_server, pinned to CPU 0)
# with the decision log off and on (Ed25519 records through the queue and writer thread, batched
# fsync, a checkpoint every 1000 records), at a fixed rate from CPU 1, the two in turn run by run.
#
#   benchmarks/webhook/signing.sh [BUILD_DIR]   (needs webhook_bench_server and webhook_fixed_rate)
# Environment: DURATION (seconds per run, default 10), RATE (default 5000), REPEAT (pairs, default 3),
# KEY_ALGORITHM (ed25519 or ecdsa-p256, default ed25519), WORKER_THREADS (the webhook's).
# Reports per run and as medians: p50/p99 latency, achieved rate, failures and server CPU per request;
# then p99 and CPU/request of "on" against "off", as a difference and a ratio.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="$(cd "${1:-${REPO}/build}" && pwd)"
DURATION="${DURATION:-10}"
RATE="${RATE:-5000}"
REPEAT="${REPEAT:-3}"
KEY_ALGORITHM="${KEY_ALGORITHM:-ed25519}"
WORKER_THREADS="${WORKER_THREADS:-}"
SERVER_BIN="${BUILD}/benchmarks/webhook_bench_server"
RATE_BIN="${BUILD}/benchmarks/webhook_fixed_rate"
for tool in "$SERVER_BIN" "$RATE_BIN" taskset openssl python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/agentguard-signing-XXXXXX")"
SERVER_PID=""
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

source "$(dirname "${BASH_SOURCE[0]}")/fixtures.sh"
make_fixtures "$WORK"
case "$KEY_ALGORITHM" in
  ed25519) openssl genpkey -algorithm ed25519 -out "$WORK/decision-key.pem" ;;
  ecdsa-p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/decision-key.pem" ;;
  *) echo "KEY_ALGORITHM must be ed25519 or ecdsa-p256" >&2; exit 2 ;;
esac

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_us() { awk -v hz="$(getconf CLK_TCK)" '{printf "%d\n", ($14 + $15) * 1000000 / hz}' "/proc/$1/stat"; }
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p"; }

# start MODE: starts the server with the log off or on (a fresh log file each time).
start() {
  local port
  port="$(free_port)"
  if [[ "$1" == on ]]; then
    rm -f "$WORK/decisions.dsse.jsonl" "$WORK/decisions.dsse.jsonl.checkpoint"
    AGENTGUARD_BENCH_DECISION_LOG="$WORK/decisions.dsse.jsonl" AGENTGUARD_BENCH_DECISION_KEY="$WORK/decision-key.pem" \
      taskset -c 0 "$SERVER_BIN" "127.0.0.1:${port}" "$WORK/tls.crt" "$WORK/tls.key" "$REPO/policies" \
      "$WORK/networkpolicy.json" ${WORKER_THREADS} >"$WORK/server.out" 2>&1 &
  else
    taskset -c 0 "$SERVER_BIN" "127.0.0.1:${port}" "$WORK/tls.crt" "$WORK/tls.key" "$REPO/policies" \
      "$WORK/networkpolicy.json" ${WORKER_THREADS} >"$WORK/server.out" 2>&1 &
  fi
  SERVER_PID=$!
  for _ in $(seq 100); do
    grep -q "decision-log $1" "$WORK/server.out" 2>/dev/null && { PORT="$port"; return 0; }
    sleep 0.1
  done
  echo "server ($1) did not come up: $(cat "$WORK/server.out")" >&2
  exit 1
}
stop() {
  kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

declare -A P50 P99 ACHIEVED FAIL CPU
RECORDS=""
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$REPEAT"); do
  for mode in off on; do
    start "$mode"
    # Warm up (TLS sessions, allocator) before measuring.
    taskset -c 1 "$RATE_BIN" "$PORT" "$WORK/ca.crt" "$WORK/review.json" "$RATE" 1 8 >/dev/null || true
    before="$(cpu_us "$SERVER_PID")"
    out="$(taskset -c 1 "$RATE_BIN" "$PORT" "$WORK/ca.crt" "$WORK/review.json" "$RATE" "$DURATION" 8 || true)"
    after="$(cpu_us "$SERVER_PID")"
    achieved="$(field achieved_rps <<<"$out")"
    requests=$((achieved * DURATION))
    P50[$mode]+="$(field p50_us <<<"$out") " P99[$mode]+="$(field p99_us <<<"$out") "
    ACHIEVED[$mode]+="$achieved " FAIL[$mode]+="$(field failures <<<"$out") "
    CPU[$mode]+="$(python3 -c "print('%.1f' % (($after - $before) / max($requests, 1)))") "
    stop
    if [[ "$mode" == on ]]; then RECORDS+="$(wc -l <"$WORK/decisions.dsse.jsonl") "; fi
    echo "run $run log $mode: $out | cpu $(awk '{print $NF}' <<<"${CPU[$mode]}")us/req | load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  done
done

values() { tr ' ' '\n' <<<"$1" | sed '/^$/d'; }
m() { values "$1" | median; }
echo
echo "decision log signing cost: $KEY_ALGORITHM, AdmissionReview $(wc -c <"$WORK/review.json") bytes, ${RATE} req/s for ${DURATION}s,"
echo "8 TLS keep-alive connections; server on CPU 0, load on CPU 1; medians of ${REPEAT} runs each, off and on in turn."
echo "load average before: ${LOAD_BEFORE}, after: $(cut -d' ' -f1-3 /proc/loadavg); records written per 'on' run: ${RECORDS}"
printf '%-8s %9s %9s %9s %6s %10s\n' log p50 p99 rate fail CPU/req
for mode in off on; do
  printf '%-8s %8sus %8sus %9s %6s %8sus\n' "$mode" "$(m "${P50[$mode]}")" "$(m "${P99[$mode]}")" \
    "$(m "${ACHIEVED[$mode]}")" "$(values "${FAIL[$mode]}" | awk '{s += $1} END {print s}')" "$(m "${CPU[$mode]}")"
done
python3 - "$(m "${P99[off]}")" "$(m "${P99[on]}")" "$(m "${CPU[off]}")" "$(m "${CPU[on]}")" <<'PY'
import sys
p99_off, p99_on, cpu_off, cpu_on = map(float, sys.argv[1:])
print("p99 added by the log: %+.0f us (on/off %.2f); CPU per admission added: %+.1f us (on/off %.2f)"
      % (p99_on - p99_off, p99_on / p99_off, cpu_on - cpu_off, cpu_on / cpu_off))
PY

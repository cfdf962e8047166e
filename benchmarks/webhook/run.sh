#!/usr/bin/env bash
# Webhook throughput and latency against nginx returning a fixed response on the same certificate and
# TLS settings. The server under test is pinned to CPU 0, the load generators to CPU 1.
#
#   benchmarks/webhook/run.sh [BUILD_DIR]     (default: build; needs webhook_bench_server and
#                                              webhook_fixed_rate, e.g. cmake --build BUILD_DIR
#                                              --target webhook_bench_server webhook_fixed_rate)
# Environment: DURATION (seconds per run, default 10), RATE (fixed-rate run, default 5000), REPEAT
# (runs of each kind per server, medians reported, default 3), WORKER_THREADS (the webhook's, default
# agentguard-webhook's own). The two servers are measured in turn, run by run, and the throughput
# ratio is the median of the ratios of each pair of runs.
#
# The machine may be shared: besides req/s and latency, each server's CPU time per request (from
# /proc, whatever else runs) is reported, and the load average before and after.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="$(cd "${1:-${REPO}/build}" && pwd)"
DURATION="${DURATION:-10}"
RATE="${RATE:-5000}"
REPEAT="${REPEAT:-3}"
WORKER_THREADS="${WORKER_THREADS:-}"
SERVER_BIN="${BUILD}/benchmarks/webhook_bench_server"
RATE_BIN="${BUILD}/benchmarks/webhook_fixed_rate"
for tool in "$SERVER_BIN" "$RATE_BIN" wrk nginx taskset openssl python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/agentguard-bench-XXXXXX")"
SERVER_PID="" NGINX_PID=""
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [[ -n "$NGINX_PID" ]] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

source "$(dirname "${BASH_SOURCE[0]}")/fixtures.sh"
make_fixtures "$WORK"
BODY_BYTES=$(wc -c <"$WORK/review.json")

cat >"$WORK/post.lua" <<LUA
local f = io.open("$WORK/review.json", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
LUA

# The fixed response nginx returns: the size of the webhook's answer.
FIXED='{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"705ab4f5-6393-11e8-b7cc-42010a800002","allowed":true}}'

wait_ready() {  # PORT
  for _ in $(seq 100); do
    curl -sk -o /dev/null --max-time 1 "https://127.0.0.1:$1/" && return 0
    sleep 0.1
  done
  echo "server on port $1 did not come up" >&2
  return 1
}

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
# CPU time (user + system) of a process and its children threads/processes, in microseconds.
cpu_us() {
  local total=0 pid
  for pid in "$1" $(pgrep -P "$1" || true); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo $((total * 1000000 / $(getconf CLK_TCK)))
}
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# run_once NAME PORT PID -> one wrk run and one fixed-rate run against a server, appended to the
# per-server lists below (space-separated values, one per run).
declare -A RPS P50 P99 CPU FP50 FP99 FACHIEVED FFAIL
run_once() {
  local name="$1" port="$2" pid="$3" out fixed before after requests rps p50 p99 cpu
  before="$(cpu_us "$pid")"
  out="$(taskset -c 1 wrk -t 1 -c 8 -d "${DURATION}s" --latency -s "$WORK/post.lua" "https://127.0.0.1:${port}/validate")"
  after="$(cpu_us "$pid")"
  requests="$(awk '/requests in/ {print $1}' <<<"$out")"
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out" | to_us)"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out" | to_us)"
  cpu="$(( (after - before) / requests ))"
  fixed="$(taskset -c 1 "$RATE_BIN" "$port" "$WORK/ca.crt" "$WORK/review.json" "$RATE" "$DURATION" 8 || true)"
  RPS[$name]+="$rps " P50[$name]+="$p50 " P99[$name]+="$p99 " CPU[$name]+="$cpu "
  FP50[$name]+="$(sed -n 's/.*p50_us=\([0-9]*\).*/\1/p' <<<"$fixed") "
  FP99[$name]+="$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$fixed") "
  FACHIEVED[$name]+="$(sed -n 's/.*achieved_rps=\([0-9]*\).*/\1/p' <<<"$fixed") "
  FFAIL[$name]+="$(sed -n 's/.*failures=\([0-9]*\).*/\1/p' <<<"$fixed") "
  echo "$name: wrk ${rps} req/s p50 ${p50}us p99 ${p99}us cpu ${cpu}us/req" \
    "$(grep -E 'Non-2xx' <<<"$out" | tr -s ' ')| fixed rate: $fixed | load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
}
values() { tr ' ' '\n' <<<"$1" | sed '/^$/d'; }
result_line() {  # NAME PID
  local name="$1" pid="$2"
  printf '%-8s %10s %9s %9s %8s | %7s %9s %9s %6s | %8s %8s\n' "$name" "$(values "${RPS[$name]}" | median)" \
    "$(values "${P50[$name]}" | median)us" "$(values "${P99[$name]}" | median)us" \
    "$(values "${CPU[$name]}" | median)us" "$(values "${FACHIEVED[$name]}" | median)" \
    "$(values "${FP50[$name]}" | median)us" "$(values "${FP99[$name]}" | median)us" \
    "$(values "${FFAIL[$name]}" | awk '{s += $1} END {print s}')" \
    "$(($(rss_kib "$pid") / 1024))MiB" "$(($(hwm_kib "$pid") / 1024))MiB"
}
# wrk prints 850.00us, 1.20ms or 2.01s; in microseconds.
to_us() {
  awk '{v = $1 + 0; if ($1 ~ /ms$/) v *= 1000; else if ($1 ~ /us$/) v *= 1; else if ($1 ~ /s$/) v *= 1000000; printf "%.0f\n", v}'
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

# The webhook.
WEBHOOK_PORT="$(free_port)"
taskset -c 0 "$SERVER_BIN" "127.0.0.1:${WEBHOOK_PORT}" "$WORK/tls.crt" "$WORK/tls.key" "$REPO/policies" \
  "$WORK/networkpolicy.json" ${WORKER_THREADS} >"$WORK/server.out" 2>&1 &
SERVER_PID=$!
wait_ready "$WEBHOOK_PORT"
if ! curl -s --cacert "$WORK/ca.crt" -H 'Content-Type: application/json' --data-binary @"$WORK/review.json" \
  "https://127.0.0.1:${WEBHOOK_PORT}/validate" | grep -q '"allowed":true'; then
  echo "the benchmark review is not admitted; fix the generated Deployment" >&2
  curl -s --cacert "$WORK/ca.crt" --data-binary @"$WORK/review.json" "https://127.0.0.1:${WEBHOOK_PORT}/validate" >&2
  exit 1
fi

# nginx, one worker, same certificate and TLS settings, fixed answer.
NGINX_PORT="$(free_port)"
mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  client_max_body_size 4m;
  client_body_buffer_size 64k;
  keepalive_requests 10000000;
  server {
    listen 127.0.0.1:${NGINX_PORT} ssl;
    ssl_certificate $WORK/tls.crt;
    ssl_certificate_key $WORK/tls.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
    location / {
      default_type application/json;
      return 200 '${FIXED}';
    }
  }
}
CONF
taskset -c 0 nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/logs/error.log" &
NGINX_PID=$!
wait_ready "$NGINX_PORT"
NGINX_WORKER="$(cat "$WORK/nginx/nginx.pid")"

# Both servers wait on CPU 0 (an idle one takes no time) and are measured in turn, so that the ratio
# of each pair of runs is taken under the same conditions even when the machine's speed drifts.
RATIOS=()
for run in $(seq "$REPEAT"); do
  run_once webhook "$WEBHOOK_PORT" "$SERVER_PID"
  run_once nginx "$NGINX_PORT" "$NGINX_WORKER"
  RATIOS+=("$(python3 -c "print('%.1f' % (100 * $(values "${RPS[webhook]}" | tail -1) / $(values "${RPS[nginx]}" | tail -1)))")")
done

echo
echo "AdmissionReview ${BODY_BYTES} bytes, all bundled policies, TLS keep-alive; server on CPU 0, load on CPU 1;"
echo "webhook $(grep -o 'worker-threads [0-9]*' "$WORK/server.out" || echo 'worker-threads ?')"
echo "medians of ${REPEAT} runs of ${DURATION}s each, the servers in turn; load average before: ${LOAD_BEFORE}, after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %10s %9s %9s %8s | %7s %9s %9s %6s | %8s %8s\n' server "wrk req/s" "wrk p50" "wrk p99" "CPU/req" \
  "rate" "p50" "p99" "fail" "RSS" "peak RSS"
printf '%-8s %10s %9s %9s %8s | %7s %9s %9s %6s | %8s %8s\n' "" "(-c8 -t1)" "" "" "" "(${RATE}/s)" "" "" "" "" ""
result_line webhook "$SERVER_PID"
result_line nginx "$NGINX_WORKER"
echo "webhook/nginx throughput, each pair of runs: ${RATIOS[*]} (%)"
echo "webhook/nginx throughput: $(printf '%s\n' "${RATIOS[@]}" | median) % (median of the pairs)"

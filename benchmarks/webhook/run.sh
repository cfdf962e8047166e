#!/usr/bin/env bash
# Webhook throughput and latency against nginx returning a fixed response on the same certificate and
# TLS settings. The server under test is pinned to CPU 0, the load generators to CPU 1.
#
#   benchmarks/webhook/run.sh [BUILD_DIR]     (default: build; needs webhook_bench_server and
#                                              webhook_fixed_rate, e.g. cmake --build BUILD_DIR
#                                              --target webhook_bench_server webhook_fixed_rate)
# Environment: DURATION (seconds per run, default 10), RATE (fixed-rate run, default 5000).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="$(cd "${1:-${REPO}/build}" && pwd)"
DURATION="${DURATION:-10}"
RATE="${RATE:-5000}"
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

# Certificates: a CA and a P-256 serving certificate for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=bench-ca \
  -keyout "$WORK/ca.key" -out "$WORK/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=bench \
  -keyout "$WORK/tls.key" -out "$WORK/tls.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$WORK/ext"
openssl x509 -req -days 1 -in "$WORK/tls.csr" -CA "$WORK/ca.crt" -CAkey "$WORK/ca.key" -set_serial 1 \
  -extfile "$WORK/ext" -out "$WORK/tls.crt" 2>/dev/null

# A ~10 KB AdmissionReview: a hardened Deployment (admitted: the usual case) padded with labels,
# annotations and environment variables; and the namespace's default-deny egress NetworkPolicy.
python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
env = [{"name": "SETTING_%03d" % i, "value": "value-%03d-%s" % (i, "x" * 40)} for i in range(90)]
deployment = {
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "research-agent", "namespace": "agents",
               "labels": {"app": "research-agent", "team": "research", "tier": "agent"},
               "annotations": {"example.com/note-%02d" % i: "n" * 40 for i in range(20)}},
  "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "research-agent"}},
    "template": {"metadata": {"labels": {"app": "research-agent"}},
      "spec": {"automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "agent",
          "image": "registry.example.com/agents/research-agent:1.4.2@sha256:" + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
          "env": env,
          "resources": {"limits": {"cpu": "1", "memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
          "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "privileged": False,
                              "capabilities": {"drop": ["ALL"]}}}]}}}}
review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
  "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
  "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
  "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
  "namespace": "agents", "name": "research-agent", "operation": "CREATE",
  "userInfo": {"username": "system:serviceaccount:agents:builder"}, "object": deployment, "oldObject": None,
  "dryRun": False}}
open(work + "/review.json", "w").write(json.dumps(review))
policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
          "metadata": {"name": "default-deny-egress", "namespace": "agents"},
          "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"ports": [{"protocol": "UDP", "port": 53}]}]}}
open(work + "/networkpolicy.json", "w").write(json.dumps(policy))
PY
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

# measure NAME PORT PID -> appends a result line
RESULTS=()
measure() {
  local name="$1" port="$2" pid="$3" out fixed rss
  out="$(taskset -c 1 wrk -t 1 -c 8 -d "${DURATION}s" --latency -s "$WORK/post.lua" "https://127.0.0.1:${port}/validate")"
  local rps p50 p99
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  rss="$(rss_kib "$pid")"
  fixed="$(taskset -c 1 "$RATE_BIN" "$port" "$WORK/ca.crt" "$WORK/review.json" "$RATE" "$DURATION" 8 || true)"
  local fp50 fp99 fachieved ffail
  fp50="$(sed -n 's/.*p50_us=\([0-9]*\).*/\1/p' <<<"$fixed")"
  fp99="$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$fixed")"
  fachieved="$(sed -n 's/.*achieved_rps=\([0-9]*\).*/\1/p' <<<"$fixed")"
  ffail="$(sed -n 's/.*failures=\([0-9]*\).*/\1/p' <<<"$fixed")"
  RESULTS+=("$(printf '%-8s %10s %9s %9s | %7s %9s %9s %6s | %8s %8s' "$name" "$rps" "$p50" "$p99" \
    "$fachieved" "${fp50}us" "${fp99}us" "$ffail" "$((rss / 1024))MiB" "$(($(hwm_kib "$pid") / 1024))MiB")")
  echo "$name: $(grep -E 'Requests/sec|Non-2xx' <<<"$out" | tr -s ' ' | tr '\n' ' ') | fixed rate: $fixed" >&2
  WRK_RPS["$name"]="$rps"
}
declare -A WRK_RPS

# The webhook.
WEBHOOK_PORT="$(free_port)"
taskset -c 0 "$SERVER_BIN" "127.0.0.1:${WEBHOOK_PORT}" "$WORK/tls.crt" "$WORK/tls.key" "$REPO/policies" \
  "$WORK/networkpolicy.json" >"$WORK/server.out" 2>&1 &
SERVER_PID=$!
wait_ready "$WEBHOOK_PORT"
if ! curl -s --cacert "$WORK/ca.crt" -H 'Content-Type: application/json' --data-binary @"$WORK/review.json" \
  "https://127.0.0.1:${WEBHOOK_PORT}/validate" | grep -q '"allowed":true'; then
  echo "the benchmark review is not admitted; fix the generated Deployment" >&2
  curl -s --cacert "$WORK/ca.crt" --data-binary @"$WORK/review.json" "https://127.0.0.1:${WEBHOOK_PORT}/validate" >&2
  exit 1
fi
measure webhook "$WEBHOOK_PORT" "$SERVER_PID"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""

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
measure nginx "$NGINX_PORT" "$(cat "$WORK/nginx/nginx.pid")"
kill "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true; NGINX_PID=""

echo
echo "AdmissionReview ${BODY_BYTES} bytes, all bundled policies, TLS keep-alive; server on CPU 0, load on CPU 1"
printf '%-8s %10s %9s %9s | %7s %9s %9s %6s | %8s %8s\n' server "wrk req/s" "wrk p50" "wrk p99" \
  "rate" "p50" "p99" "fail" "RSS" "peak RSS"
printf '%-8s %10s %9s %9s | %7s %9s %9s %6s | %8s %8s\n' "" "(-c8 -t1)" "" "" "(${RATE}/s)" "" "" "" "" ""
for line in "${RESULTS[@]}"; do echo "$line"; done
python3 -c "w=float('${WRK_RPS[webhook]}'); n=float('${WRK_RPS[nginx]}'); print('webhook/nginx throughput: %.1f %%' % (100*w/n))"

#!/usr/bin/env bash
# Where the webhook's request path spends its instructions: runs webhook_bench_server under callgrind
# (instruction counts do not depend on what else the machine runs), sends it the benchmark's
# AdmissionReview REQUESTS times over two keep-alive TLS connections, and prints the inclusive
# instructions per request of each stage.
#
#   benchmarks/webhook/profile.sh [BUILD_DIR]   (default: build; needs webhook_bench_server and
#                                                webhook_fixed_rate)
# Environment: REQUESTS (default 1000), KEEP (a path: keep the callgrind output there for
# callgrind_annotate or kcachegrind).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="$(cd "${1:-${REPO}/build}" && pwd)"
REQUESTS="${REQUESTS:-1000}"
SERVER_BIN="${BUILD}/benchmarks/webhook_bench_server"
RATE_BIN="${BUILD}/benchmarks/webhook_fixed_rate"
for tool in "$SERVER_BIN" "$RATE_BIN" valgrind callgrind_control callgrind_annotate openssl python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/agentguard-profile-XXXXXX")"
SERVER_PID=""
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

source "$(dirname "${BASH_SOURCE[0]}")/fixtures.sh"
make_fixtures "$WORK"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

# Start-up (policy compilation) is not counted: instrumentation is switched on once the server is up.
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$WORK/callgrind.out" \
  "$SERVER_BIN" "127.0.0.1:${PORT}" "$WORK/tls.crt" "$WORK/tls.key" "$REPO/policies" "$WORK/networkpolicy.json" \
  >"$WORK/server.out" 2>&1 &
SERVER_PID=$!
for _ in $(seq 600); do
  grep -q '^ready' "$WORK/server.out" && break
  sleep 0.2
done
grep -q '^ready' "$WORK/server.out" || { cat "$WORK/server.out" >&2; exit 1; }
callgrind_control -i on "$SERVER_PID" >/dev/null
# 100 requests a second for REQUESTS/100 seconds: the server falls behind under valgrind, and each
# connection sends its next request when the last is answered.
"$RATE_BIN" "$PORT" "$WORK/ca.crt" "$WORK/review.json" 100 "$((REQUESTS / 100))" 2 >&2
callgrind_control -i off "$SERVER_PID" >/dev/null
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
[[ -n "${KEEP:-}" ]] && cp "$WORK/callgrind.out" "$KEEP"

callgrind_annotate --inclusive=yes --threshold=100 "$WORK/callgrind.out" >"$WORK/inclusive.txt" 2>/dev/null
python3 - "$WORK/inclusive.txt" "$REQUESTS" <<'PY'
import re, sys
text = open(sys.argv[1]).read().splitlines()
requests = int(sys.argv[2])

def cost(pattern):
    """The largest inclusive count among the lines whose function matches `pattern` (0 when none)."""
    best = 0
    for line in text:
        match = re.match(r"\s*([\d,]+) \([^)]*\)\s+(.*)", line)
        if match and re.search(pattern, match.group(2)):
            best = max(best, int(match.group(1).replace(",", "")))
    return best

total = cost(r"PROGRAM TOTALS")
# A request from its parsed header on: body read, Request built, routing, handler, response queued.
handler = cost(r"Session<.*>::respond\(\)")
review = cost(r"ReviewHandler::review\(")
decode = cost(r"decodeAdmissionReview\(")
engine = cost(r"engine::Engine::evaluate\(")
serialize = cost(r"serializeAdmissionReview")
stages = [
    ("total per request", total),
    ("  Beast/Asio: TLS reads, HTTP parsing (before respond())", total - handler),
    ("    of which SSL_read + SSL_write", cost(r"\?\?\?:SSL_read ") + cost(r"\?\?\?:SSL_write ")),
    ("  Request building, routing, response write", handler - cost(r"Server::State::invoke\(")),
    ("  POST /validate handler", cost(r"Server::State::invoke\(")),
    ("    AdmissionReview decode (JSON)", decode),
    ("    engine evaluate", engine),
    ("    response serialization", serialize),
    ("    DOM destruction and the rest of review()", review - decode - engine - serialize),
    ("    logging", cost(r"log::Logger::log\(")),
    ("    metrics", cost(r"WebhookMetrics::observeReview\(")),
]
print("instructions per request (callgrind, %d requests)" % requests)
for name, value in stages:
    print("%-58s %9.0f  %5.1f %%" % (name, value / requests, 100.0 * value / total if total else 0))
PY

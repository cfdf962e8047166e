#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer + UndefinedBehaviorSanitizer) into build-fuzz/
# and runs each for a bounded time, seeded with the policy cases, the examples and the parser cases read
# against kubectl (tests/common/manifest/kubectl_cases: tags, line breaks, items on any kind, aliases).
# The gate's ClientHello and CONNECT parsers get genuine TLS ClientHellos and CONNECT heads instead.
# Exits non-zero if any target crashes, leaks, times out or runs out of memory; prints one summary line
# per target.
#
# Environment:
#   FUZZ_SECONDS=30          time per target
#   FUZZ_TARGETS="a b"       targets to run (default: all)
#   FUZZ_BUILD_DIR=build-fuzz
#   FUZZ_JOBS=2              build parallelism
#   FUZZ_DIFFERENTIAL=1      afterwards, read the manifest fuzzer's corpus with kubectl too and fail on any
#                            object both accept but read differently (needs build/tests/kubectl_differential_test)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-30}
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${FUZZ_JOBS:-2}
read -r -a targets <<<"${FUZZ_TARGETS:-manifest_fuzzer strict_json_fuzzer engine_fuzzer decision_log_fuzzer gate_mcp_fuzzer gate_url_host_fuzzer gate_path_prefix_fuzzer client_hello_fuzzer connect_request_fuzzer}"

# libFuzzer ships with clang in libclang-rt-14-dev on Debian bookworm.
have_libfuzzer() {
  command -v clang++ >/dev/null 2>&1 || return 1
  local probe
  probe=$(mktemp -d)
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' >"$probe/probe.cc"
  local status=0
  clang++ -fsanitize=fuzzer "$probe/probe.cc" -o "$probe/probe" >/dev/null 2>&1 || status=1
  rm -rf "$probe"
  return "$status"
}

if ! have_libfuzzer; then
  echo "==> Installing clang and libFuzzer"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
  have_libfuzzer || { echo "fuzz-smoke: clang++ -fsanitize=fuzzer still does not link" >&2; exit 1; }
fi

if [[ ! -f $build_dir/CMakeCache.txt ]]; then
  echo "==> Configuring $build_dir"
  cmake -S . -B "$build_dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DAGENTGUARD_SANITIZE=ON -DAGENTGUARD_BUILD_FUZZERS=ON -DAGENTGUARD_WERROR=OFF \
    -DAGENTGUARD_BUILD_TESTS=OFF -DAGENTGUARD_BUILD_BENCHMARKS=OFF >"$build_dir.configure.log" 2>&1 || {
    cat "$build_dir.configure.log"
    exit 1
  }
  rm -f "$build_dir.configure.log"
fi
echo "==> Building ${targets[*]}"
cmake --build "$build_dir" -j "$jobs" --target "${targets[@]}" >"$build_dir/fuzz-build.log" 2>&1 || {
  tail -50 "$build_dir/fuzz-build.log"
  exit 1
}

# Seeds are copied fresh on every run from their sources; what the fuzzer finds accumulates in corpus/.
work="$build_dir/fuzz"
rm -rf "$work/seeds"
mkdir -p "$work/seeds/yaml" "$work/seeds/json"
seed=0
while IFS= read -r -d '' file; do
  seed=$((seed + 1))
  case $file in
    *.json) cp "$file" "$work/seeds/json/$seed.json" ;;
    *) cp "$file" "$work/seeds/yaml/$seed.yaml" ;;
  esac
done < <(find policies examples tests/common/manifest/kubectl_cases -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -not -path '*/.*' -print0 2>/dev/null)
# JSON seeds: the examples' and cases' objects have no JSON form in the tree, so a few are written here.
printf '%s' '{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"a","namespace":"b"},"spec":{"type":"NodePort","ports":[{"port":80}]}}]}' >"$work/seeds/json/list.json"
printf '%s' '{"a":[1,-2,3.5e-3,true,false,null,"s\u00e9\n"],"b":{"c":{"d":[]}},"e":18446744073709551615}' >"$work/seeds/json/values.json"
printf '%s' '{"metadata":{"annotations":{"example.com/x":"y"}},"spec":{"template":{"spec":{"containers":[{"name":"c","securityContext":{"privileged":true}}]}}}}' >"$work/seeds/json/pod.json"
# Decision log seeds: a checkpoint note and a DSSE line as the writer lays them out.
mkdir -p "$work/seeds/decision"
printf 'replica-a\n3\nPH6byTDck/AfppmF7yQtn56GHzxTVaokzl70tLinDMs=\n\n\xe2\x80\x94 replica-a f+J8u6i2CJd0t/3l1IO0H/AY3e/J0tjbmrDlkgYZ13n/k9qCS0JmN8wa0prie5HRBeVScAEZKqpNhfsJa3nscm/KrQw=\n' \
  >"$work/seeds/decision/checkpoint.txt"
printf '%s\n' '{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"keyid":"00","sig":"AAAA"}]}' \
  >"$work/seeds/decision/record.jsonl"

# Gate seeds: MCP messages an agent posts and a tools/list result, URLs and paths around the matchers' edges.
mkdir -p "$work/seeds/gate-mcp" "$work/seeds/gate-url" "$work/seeds/gate-path"
printf '%s' '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"fetch_page","arguments":{"url":"https://en.wikipedia.org/x"}}}' \
  >"$work/seeds/gate-mcp/call.json"
printf '%s' '{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"search","arguments":{"q":"abc","o":{"x/y":true}}}}' \
  >"$work/seeds/gate-mcp/search.json"
printf '%s' '{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"file:///docs/readme.md"}}' >"$work/seeds/gate-mcp/read.json"
printf '%s' '{"jsonrpc":"2.0","method":"notifications/initialized"}' >"$work/seeds/gate-mcp/note.json"
printf '%s' '{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"send_email"},{"name":"rm"}]}}' >"$work/seeds/gate-mcp/list.json"
printf 'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"rm"}]}}\n' >"$work/seeds/gate-mcp/event.txt"
printf '%s' '[{"jsonrpc":"2.0","id":1,"method":"ping"}]' >"$work/seeds/gate-mcp/batch.json"
for url in 'https://docs.example.com/a?b#c' 'http://a.b.corp.example:8080/' 'https://docs.example.com@evil.com/' \
  'http://2130706433/' 'https://evil.com\@docs.example.com' 'HTTPS://EN.WIKIPEDIA.ORG./x' 'http://[::1]/' 'http://10.0.0.5/'; do
  seed=$((seed + 1))
  printf '%s' "$url" >"$work/seeds/gate-url/$seed.txt"
done
for path in /workspace/a/b.txt /workspace/../etc/passwd '/workspace/%2e%2e/x' '/workspace/%252e%252e/x' /data /datax \
  '/workspace/a%2fb' '/workspace\..\x'; do
  seed=$((seed + 1))
  printf '%s' "$path" >"$work/seeds/gate-path/$seed.txt"
done
# ClientHello seeds: genuine ones from Debian's Python ssl module (OpenSSL) into a memory BIO, TLS 1.3 and 1.2,
# with and without server_name. CONNECT seeds: request heads as curl and the gate's clients send them.
mkdir -p "$work/seeds/tls" "$work/seeds/connect"
/usr/bin/python3 - "$work/seeds/tls" <<'PY'
import ssl, sys
for name, host, maximum in (("tls13-sni", "example.com", ssl.TLSVersion.TLSv1_3), ("tls12-sni", "pypi.org", ssl.TLSVersion.TLSv1_2),
                            ("tls13-nosni", None, ssl.TLSVersion.TLSv1_3)):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.maximum_version = maximum
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=host)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    open(f"{sys.argv[1]}/{name}", "wb").write(outgoing.read())
PY
printf 'CONNECT api.github.com:443 HTTP/1.1\r\nHost: api.github.com:443\r\nUser-Agent: curl/7.88.1\r\nProxy-Connection: Keep-Alive\r\n\r\n' \
  >"$work/seeds/connect/curl"
printf 'CONNECT [2606:4700::1]:443 HTTP/1.0\r\nProxy-Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln\r\n\r\n' >"$work/seeds/connect/bearer"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

failed=()
for target in "${targets[@]}"; do
  case $target in
    strict_json_fuzzer)
      seeds=("$work/seeds/json")
      dict=fuzz/json.dict
      ;;
    decision_log_fuzzer)
      seeds=("$work/seeds/decision")
      dict=fuzz/decision_log.dict
      ;;
    gate_mcp_fuzzer)
      seeds=("$work/seeds/gate-mcp")
      dict=fuzz/gate.dict
      ;;
    gate_url_host_fuzzer)
      seeds=("$work/seeds/gate-url")
      dict=fuzz/gate.dict
      ;;
    gate_path_prefix_fuzzer)
      seeds=("$work/seeds/gate-path")
      dict=fuzz/gate.dict
      ;;
    client_hello_fuzzer)
      seeds=("$work/seeds/tls")
      dict=fuzz/tls.dict
      ;;
    connect_request_fuzzer)
      seeds=("$work/seeds/connect")
      dict=fuzz/connect.dict
      ;;
    *)
      seeds=("$work/seeds/yaml" "$work/seeds/json")
      dict=fuzz/yaml.dict
      ;;
  esac
  corpus="$work/corpus/$target"
  artifacts="$work/artifacts/$target"
  log="$work/$target.log"
  mkdir -p "$corpus" "$artifacts"
  status=0
  "$build_dir/bin/$target" "$corpus" "${seeds[@]}" -dict="$dict" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1 || status=$?

  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  units=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  if ((status == 0)); then
    printf '%-20s ok    %s execs (%s/s), coverage %s edges / %s features, corpus %s, peak %s MB\n' \
      "$target" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${units:-?}" "${rss:-?}"
  else
    printf '%-20s FAIL  exit %s after %s execs; reproducer in %s, log %s\n' \
      "$target" "$status" "${execs:-?}" "$artifacts" "$log"
    grep -E 'ERROR: |SUMMARY: |runtime error|Test unit written' "$log" | head -5 | sed 's/^/    /'
    failed+=("$target")
  fi
done

if [[ ${FUZZ_DIFFERENTIAL:-0} == 1 ]]; then
  differential=build/tests/kubectl_differential_test
  [[ -x $differential ]] || { echo "fuzz-smoke: $differential is not built (scripts/build.sh)" >&2; exit 1; }
  echo "==> Reading the manifest fuzzer's corpus with kubectl"
  AGENTGUARD_DIFFERENTIAL_CORPUS="$work/corpus/manifest_fuzzer" "$differential" --gtest_brief=1 \
    --gtest_filter='Inputs/*' >"$work/differential.log" 2>&1 || {
    grep -E 'Failure|differs|FAILED' "$work/differential.log" | head -20
    failed+=(kubectl_differential)
  }
  grep -E '^\[  PASSED  \]|tests ran' "$work/differential.log" | tail -2 || true
fi

if ((${#failed[@]} > 0)); then
  echo "fuzz-smoke: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi

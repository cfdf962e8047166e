#!/usr/bin/env bash
# The story's acts on a real node. "run": examples/agentsandbox.yaml Running under gVisor, and from
# inside it DNS working, the allowed destination answering, everything else refused. "gate":
# examples/agentsandbox-tools.yaml's agent (the MCP Python SDK, in gVisor) reads a mail through
# agentguard-gate with the credential the gate injects, obeys the instruction injected in that mail, and
# the gate refuses the call; its signed decision record is verified offline and its Event shown.
#
#   e2e/node/demo.sh run DIR OPERATOR_BINARY   the operator and the first act on the node cluster in
#                                              DIR/cluster (started first unless DIR/cluster/env exists);
#                                              the operator runs the gate when agentguard-gate is built
#                                              beside OPERATOR_BINARY
#   e2e/node/demo.sh gate DIR AGENTGUARD_CLI   the gate act, after "run"
#   e2e/node/demo.sh down DIR                  stop the operator and the node cluster
#
# The allowed destination is an in-cluster pod ("api", answering with a greeting on 8080) standing
# in for the example's model API; "other" is a pod the allow-list does not name. The gate act's MCP
# server is e2e/gate/server.py (runc, namespace tools) at the address the example names.
set -euo pipefail
NODE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly NODE_DIR
REPO="$(cd "${NODE_DIR}/../.." && pwd)"
readonly REPO
readonly NS=agents
readonly TARGETS=demo-targets
# shellcheck source=SCRIPTDIR/operator.sh
source "${NODE_DIR}/operator.sh"
# shellcheck source=SCRIPTDIR/pods.sh
source "${NODE_DIR}/pods.sh"
# The gate act's namespaces, image and scratch directory, as gatelib.sh names them.
readonly TOOLS=tools AGENTS=agents IMAGE=agentguard.local/mcp-python:1
WORK=""
# shellcheck source=SCRIPTDIR/gatelib.sh
source "${NODE_DIR}/gatelib.sh"

if [[ -t 1 ]]; then
  BOLD=$'\033[1m' GREEN=$'\033[32m' RED=$'\033[31m' YELLOW=$'\033[33m' DIM=$'\033[2m' RESET=$'\033[0m'
else
  BOLD="" GREEN="" RED="" YELLOW="" DIM="" RESET=""
fi

say() { printf '%s\n' "$*"; }
note() { printf '%s%s%s\n' "$DIM" "$*" "$RESET"; }
show_command() { printf '%s$ %s%s\n' "$YELLOW" "$*" "$RESET"; }
die() { printf '%serror:%s %s\n' "$RED$BOLD" "$RESET" "$*" >&2; exit 1; }



sandbox_running() { [[ "$(k -n "$NS" get agentsandbox analyst -o jsonpath='{.status.phase}' 2>/dev/null)" == Running ]]; }

# in_sandbox LABEL COMMAND...: runs COMMAND in the sandbox and shows its output, marked ✓ when
# the outcome is the EXPECT (answer / refused) the caller set.
in_sandbox() {
  local expect="$1" label="$2" out status=0
  shift 2
  show_command "kubectl -n ${NS} exec analyst -- ${label}"
  out="$(k -n "$NS" exec analyst -- "$@" 2>&1)" || status=$?
  if [[ "$expect" == answer && $status == 0 ]] || [[ "$expect" == refused && $status != 0 ]]; then
    printf '%s\n' "$out" | sed "s/^/  ${GREEN}✓${RESET} /"
  else
    printf '%s\n' "$out" | sed "s/^/  ${RED}✗${RESET} /"
    return 1
  fi
}

cmd_run() {
  local dir="$1" operator="$2"
  mkdir -p "${dir}/logs"
  [[ -f "${dir}/cluster/env" ]] || "${REPO}/e2e/cluster/cluster.sh" up --node --state-dir "${dir}/cluster" >/dev/null
  # shellcheck disable=SC1091
  source "${dir}/cluster/env"
  note "Kubernetes ${AGENTGUARD_KUBE_VERSION}, containerd with runsc (gVisor platform ${AGENTGUARD_GVISOR_PLATFORM}), kube-network-policies, CoreDNS"
  node_install_crds || die "could not install the CRDs"
  # The chart's default class; the Secret the example mounts is allowed by its label, as the
  # example's header says.
  node_apply_default_class || die "could not apply the default AgentSandboxClass"
  # With agentguard-gate built, the operator runs a gate for the sandboxes with tools (the gate act).
  local gate_flags=()
  if [[ -x "$(dirname "$operator")/agentguard-gate" ]]; then
    mapfile -t gate_flags < <(NODE_GATE_BINARY="$(dirname "$operator")/agentguard-gate" \
      node_gate_operator_flags 2>>"${dir}/logs/gate-image.log")
    ((${#gate_flags[@]} > 0)) || die "could not prepare the gate's image and RBAC (log: ${dir}/logs/gate-image.log)"
    printf '%s\n' "${gate_flags[@]}" >"${dir}/gate-flags"
  fi
  NODE_OPERATOR_BINARY="$operator" node_start_operator "${dir}/logs/operator.log" "${gate_flags[@]}"
  printf '%s\n' "$NODE_OPERATOR_PID" >"${dir}/operator.pid"

  k create namespace "$TARGETS" >/dev/null
  k create namespace "$NS" >/dev/null
  local ns
  for ns in "$TARGETS" "$NS"; do
    k -n "$ns" create configmap node-test-scripts --from-file="${NODE_DIR}/probes/server.py" >/dev/null
  done
  k -n "$NS" label configmap node-test-scripts agentguard.io/sandbox-usable=true >/dev/null
  server_pod api "hello from the analysis API (in-cluster stand-in)"
  server_pod other "you should not see this"
  wait_for 120 pod_ready "$TARGETS" api && wait_for 120 pod_ready "$TARGETS" other ||
    die "the destination pods did not start"
  local api_ip other_ip
  api_ip="$(k -n "$TARGETS" get pod api -o jsonpath='{.status.podIP}')"
  other_ip="$(k -n "$TARGETS" get pod other -o jsonpath='{.status.podIP}')"
  k -n "$TARGETS" expose pod other --name other --port 8080 >/dev/null
  k -n "$NS" create secret generic analysis-api --from-literal=api-key=demo >/dev/null
  k -n "$NS" label secret analysis-api agentguard.io/sandbox-usable=true >/dev/null

  say "${BOLD}examples/agentsandbox.yaml on the node${RESET} (allow-list: the api pod ${api_ip}/32 on 8080; image: the toolbox)"
  show_command "kubectl apply -f examples/agentsandbox.yaml"
  k create --dry-run=client -o json -f "${REPO}/examples/agentsandbox.yaml" |
    python3 "${NODE_DIR}/probes/adapt_example.py" "${api_ip}/32" demo | k apply -f - | sed 's/^/  /'
  wait_for 180 sandbox_running || die "the sandbox did not reach Running (log: ${dir}/logs/operator.log)"
  wait_for 60 pod_ready "$NS" analyst || true
  show_command "kubectl -n ${NS} get agentsandboxes"
  k -n "$NS" get agentsandboxes | sed 's/^/  /'
  echo
  say "${BOLD}Inside the sandbox${RESET}"
  local probe failed=0
  probe="$(cat "${NODE_DIR}/probes/probe.py")"
  in_sandbox answer "dmesg | head -n 1" sh -c 'dmesg | head -n 1' || failed=1
  in_sandbox answer "nslookup other.${TARGETS}.svc.cluster.local" \
    nslookup "other.${TARGETS}.svc.cluster.local" || failed=1
  in_sandbox answer "probe tcp ${api_ip} 8080      # the allowed destination" \
    python3 -c "$probe" tcp "$api_ip" 8080 || failed=1
  in_sandbox refused "probe tcp ${other_ip} 8080    # another pod" \
    python3 -c "$probe" tcp "$other_ip" 8080 || failed=1
  in_sandbox refused "probe tcp $(k -n "$TARGETS" get svc other -o jsonpath='{.spec.clusterIP}') 8080   # a Service" \
    python3 -c "$probe" tcp "$(k -n "$TARGETS" get svc other -o jsonpath='{.spec.clusterIP}')" 8080 || failed=1
  ((failed == 0)) || die "the sandbox did not behave as its policy says"
}

gate_ready() { [[ "$(k -n "$AGENTS" get deployment agentguard-gate -o jsonpath='{.status.readyReplicas}' 2>/dev/null)" == 2 ]]; }
mail_assistant_running() {
  [[ "$(k -n "$AGENTS" get agentsandbox mail-assistant -o jsonpath='{.status.phase}' 2>/dev/null)" == Running ]]
}
denial_event() {
  k -n "$AGENTS" get events -o name \
    --field-selector involvedObject.kind=AgentSandbox,involvedObject.name=mail-assistant,reason=ToolCallDenied | grep -q .
}

# The act's checks on the agent's JSON line: the read allowed, the injected call refused by the gate
# with a rule and a record, the credential never visible. Prints what differs.
injection_refused() {
  expect_json "$1" 'read=~"outcome": "result"' 'followed=~attacker@evil.example' outcome=error code=-32013 \
    rule=tools.argument reason=? record=? upstream_credential_visible=false
}

# Prints the agent's JSON line as the story tells it.
tell_injection() {
  python3 - "$1" "$GREEN" "$RED" "$DIM" "$RESET" <<'PY'
import json, sys
out = json.loads(sys.argv[1]); green, red, dim, reset = sys.argv[2:6]
read, followed = out["read"], out["followed"]
print(f"  {green}✓{reset} tools/call {read['tool']} {json.dumps(read['arguments'])}: allowed, answered:")
for line in read["result"].strip().splitlines():
    print(f"    {dim}│{reset} {line}")
print(f"  {red}✗{reset} tools/call {followed['tool']} {json.dumps(followed['arguments'])}   (what the mail said to do)")
print(f"    refused by the gate: JSON-RPC error {out['code']}, rule {out['rule']}")
print(f"    reason: {out['reason']}")
print(f"    record: {out['record']}")
PY
}

# The record RECORD_ID in the log files FILE...: "FILE" on the first line, then the statement (JSON).
find_record() {
  python3 - "$@" <<'PY'
import base64, hashlib, json, sys
record, paths = sys.argv[1], sys.argv[2:]
for path in paths:
    for line in open(path, "rb"):
        line = line.rstrip(b"\n")
        payload = base64.b64decode(json.loads(line)["payload"])
        # data.record names the envelope line; the statement's own digest is accepted as well.
        if record in (hashlib.sha256(line).hexdigest(), hashlib.sha256(payload).hexdigest()):
            print(path)
            print(payload.decode())
            sys.exit(0)
sys.exit(f"record {record} is in none of the gate's logs ({len(paths)} files)")
PY
}

# tell_record STATEMENT AGENT_LINE: the record's verdict, rule, caller and subject, checking that it is
# the refusal the agent saw (rule, reason) and that the subject digest is the SHA-256 of the JCS form of
# the arguments the agent sent.
tell_record() {
  python3 - "$1" "$2" "$GREEN" "$RED" "$BOLD" "$RESET" <<'PY'
import hashlib, json, sys
statement, seen = json.loads(sys.argv[1]), json.loads(sys.argv[2])
arguments = seen["followed"]["arguments"]
green, red, bold, reset = sys.argv[3:7]
predicate = statement["predicate"]
decision = predicate["https://agentguard.io/decision/v1"]
subject = statement["subject"][0]
# JCS (RFC 8785) of an object of strings: sorted keys, no spaces, UTF-8.
jcs = json.dumps(arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
digest_ok = subject["digest"]["sha256"] == hashlib.sha256(jcs).hexdigest()
caller = decision["caller"]
print(f"  verdict    {bold}{predicate['verificationResult']}{reset}, action {decision['action']} ({decision['mode']})")
same_reason = decision["reason"] == seen["reason"]
print(f"  rule       {decision['rule']}, " + ("the reason the agent got" if same_reason else f"reason {decision['reason']}"))
print(f"  subject    {subject['name']}")
print(f"  arguments  sha256:{subject['digest']['sha256']}")
mark = f"{green}✓{reset}" if digest_ok else f"{red}✗{reset}"
print(f"             {mark} the SHA-256 of the JCS form of the arguments the agent sent")
print(f"  caller     {caller['namespace']}/{caller['sandbox']}, Pod {caller['pod']}, "
      f"ServiceAccount {caller['serviceAccount']}, from {caller['sourceIp']}")
print(f"  log        {decision['log']['origin']} seq {decision['log']['seq']}, at {predicate['timeVerified']}")
problems = []
if predicate["verificationResult"] != "FAILED" or decision["action"] != "deny":
    problems.append("the record is not a denial")
if decision.get("kind") != "toolcall" or decision["tool"] != "send_email" or decision["rule"] != seen["rule"] \
        or not same_reason:
    problems.append("the record is not of the refused send_email call")
if not digest_ok:
    problems.append("the subject digest is not of the call's arguments")
if caller["sandbox"] != "mail-assistant":
    problems.append("the caller is not the sandbox mail-assistant")
if problems:
    sys.exit("; ".join(problems))
PY
}

# The gate act: the tools example's agent, the injected instruction, the refusal and its signed record.
cmd_gate() {
  local dir="$1" cli="$2"
  # shellcheck disable=SC1091
  source "${dir}/cluster/env"
  [[ -s "${dir}/gate-flags" ]] || die "the operator runs without the gate: build agentguard-gate first"
  WORK="${dir}/gate-records"
  rm -rf "$WORK"
  mkdir -p "$WORK"
  local token sha
  token="upstream-$(openssl rand -hex 16)"
  sha="$(printf '%s' "$token" | sha256sum | cut -d ' ' -f 1)"
  k create namespace "$TOOLS" >/dev/null
  k -n "$TOOLS" create configmap node-test-scripts --from-file="${REPO}/e2e/gate/server.py" >/dev/null
  # The agent's script joins the first act's ConfigMap in the sandboxes' namespace, which keeps its label
  # sandbox-usable throughout (without it the class would block the first act's sandbox).
  k -n "$AGENTS" create configmap node-test-scripts --from-file="${NODE_DIR}/probes/server.py" \
    --from-file="${REPO}/e2e/gate/agent.py" --dry-run=client -o yaml |
    k label --local -f - agentguard.io/sandbox-usable=true -o yaml | k replace -f - >/dev/null
  local ns
  for ns in "$TOOLS" "$AGENTS"; do
    k -n "$ns" create secret generic mail-mcp --from-literal=token="$token" >/dev/null
  done
  start_mcp_server
  wait_for 120 pod_ready "$TOOLS" mail-mcp || die "the MCP server did not start"

  say "${BOLD}examples/agentsandbox-tools.yaml on the node${RESET} (image: the MCP Python SDK; the mail server mail-mcp.tools:"
  say "the SDK's server, which answers only with Secret mail-mcp's token; the agent has no copy of it)"
  show_command "kubectl apply -f examples/agentsandbox-tools.yaml"
  k create --dry-run=client -o json -f "${REPO}/examples/agentsandbox-tools.yaml" |
    python3 "${NODE_DIR}/probes/adapt_tools_example.py" "$sha" | k apply -f - | sed 's/^/  /'
  wait_for 180 mail_assistant_running || die "mail-assistant did not reach Running (log: ${dir}/logs/operator.log)"
  wait_for 60 pod_ready "$AGENTS" mail-assistant || die "the mail-assistant Pod is not ready"
  wait_for 180 gate_ready || die "Deployment agentguard-gate has no 2 ready replicas (log: ${dir}/logs/operator.log)"
  show_command "kubectl -n ${AGENTS} get agentsandbox mail-assistant -o wide"
  k -n "$AGENTS" get agentsandbox mail-assistant -o wide | sed 's/^/  /'
  echo
  say "${BOLD}The agent's environment: where the gate is and a token for it, nothing of the mail server's credential${RESET}"
  show_command "kubectl -n ${AGENTS} exec mail-assistant -- env | grep -E 'MCP|PROXY|GATE'"
  k -n "$AGENTS" exec mail-assistant -- env | grep -E '^(MCP_GATEWAY_URL|HTTPS_PROXY|AGENTGUARD_GATE_TOKEN_FILE)=' |
    sed 's/^/  /'

  echo
  say "${BOLD}Its task: read the newest mail. The mail carries an instruction for the model that reads it.${RESET}"
  note "(agent.py stands in for a model that obeys what it reads: it makes the call the mail asks for)"
  show_command "kubectl -n ${AGENTS} exec mail-assistant -- python3 /scripts/agent.py injected"
  local out
  out="$(agent "$AGENTS" mail-assistant injected)"
  local problems
  problems="$(injection_refused "$out")" || { printf '%s\n' "$problems" >&2; die "the gate did not refuse the injected call"; }
  tell_injection "$out"
  server_saw_call read_file /workspace/inbox/latest.eml ||
    die "the mail server did not get the read with the credential the gate injects"
  server_never_saw attacker@evil.example || die "the injected call reached the mail server"
  say "  ${GREEN}✓${RESET} the mail server answered the read, with the credential the gate added, and never saw the refused call"
  say "  ${GREEN}✓${RESET} no environment value or file under /var/run/secrets of the agent is that credential (by SHA-256)"

  echo
  say "${BOLD}The refusal's signed record, from the gate Pod's decision log, verified offline${RESET}"
  local record files found file pub statement
  record="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["record"])' "$out")"
  files="$(gate_log_files)"
  [[ -n "$files" ]] || die "no decision log under the gate Pods' volumes"
  # shellcheck disable=SC2086  # one path per word
  found="$(find_record "$record" $files)" || die "record ${record} is in none of the gate's decision logs"
  file="$(head -n 1 <<<"$found")"
  statement="$(tail -n +2 <<<"$found")"
  pub="$(find "$(dirname "$file")" -maxdepth 1 -name '*.key.pem.pub' | head -n 1)"
  [[ -n "$pub" ]] || die "no public key beside ${file}"
  cp "$file" "$pub" "$WORK/"
  note "(the gate's image has no shell or tar for kubectl cp: the log and the public half of its key are read"
  note " from the Pod's emptyDir on the node, /var/lib/agentguard-gate in the Pod; copies in ${WORK})"
  show_command "cp <gate Pod's emptyDir>/{${file##*/},${pub##*/}} ${WORK}/"
  show_command "${cli#"${REPO}/"} log verify --log ${file##*/} --trust ${pub##*/}"
  local verified
  verified="$(cd "$WORK" && "$cli" log verify --log "${file##*/}" --trust "${pub##*/}" 2>&1)" ||
    { printf '%s\n' "$verified" >&2; die "the gate's decision log does not verify"; }
  printf '%s\n' "$verified" | sed "s/^/  ${GREEN}✓${RESET} /"
  say "  record ${record:0:16}… in it:"
  tell_record "$statement" "$out" || die "the record is not the refusal the agent saw"

  echo
  wait_for 30 denial_event || die "no ToolCallDenied Event on AgentSandbox mail-assistant"
  show_command "kubectl -n ${AGENTS} get events --field-selector involvedObject.name=mail-assistant,reason=ToolCallDenied"
  k -n "$AGENTS" get events --field-selector involvedObject.kind=AgentSandbox,involvedObject.name=mail-assistant,reason=ToolCallDenied \
    -o custom-columns='TYPE:.type,REASON:.reason,OBJECT:.involvedObject.name,MESSAGE:.message' | sed 's/^/  /'
}

cmd_down() {
  local dir="$1" pid
  if [[ -s "${dir}/operator.pid" ]]; then
    pid="$(cat "${dir}/operator.pid")"
    [[ "$(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null)" != *agentguard-operator* ]] || kill "$pid" 2>/dev/null || true
    rm -f "${dir}/operator.pid"
  fi
  "${REPO}/e2e/cluster/cluster.sh" down --node --state-dir "${dir}/cluster" >/dev/null 2>&1 || true
}

case "${1:-}" in
  run) (($# == 3)) || die "usage: $0 run DIR OPERATOR_BINARY"; cmd_run "$2" "$3" ;;
  gate) (($# == 3)) || die "usage: $0 gate DIR AGENTGUARD_CLI"; cmd_gate "$2" "$3" ;;
  down) (($# == 2)) || die "usage: $0 down DIR"; cmd_down "$2" ;;
  *) die "usage: $0 run DIR OPERATOR_BINARY | gate DIR AGENTGUARD_CLI | down DIR" ;;
esac

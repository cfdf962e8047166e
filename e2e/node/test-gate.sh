#!/usr/bin/env bash
# On the node: the tool-call gate (issue 15) with real clients. The official MCP Python SDK
# (image agentguard.local/mcp-python:1, e2e/gate/) is both the MCP server, a runc Pod holding the
# upstream credential, and the agent, in a gVisor Pod.
#
# Direct part (always): without the gate, the agent in a gVisor Pod calls the server over the Pod
# network and succeeds in both protocol revisions the SDK speaks (2025-11-25 by initialize,
# 2026-07-28 stateless with Mcp-Method/Mcp-Name), the server refuses a call without the credential,
# and the HTTPS destination the egress checks use answers by its in-cluster name. This proves the
# image, the SDK under runsc, the network and the destinations the gate part relies on.
#
# Gate part (AGENTGUARD_NODE_GATE=1): the operator must run with the gate's flags (run-tests.sh adds
# them, see node_gate_operator_flags in operator.sh). Two AgentSandboxes with tools; every scenario of
# the issue: the allowed call succeeds with the credential injected by the gate and never visible to
# the agent; a denied tool, refused arguments, a missing, forged or another sandbox's token, header/body
# mismatch, a batch, duplicate keys, an oversized request, the call an instruction injected in a tool
# result asks for (the demo's), a bypass straight to the server, egress through HTTPS_PROXY (allowed
# host, IP literal, private address behind an allowed name, SNI mismatch);
# each refusal has a record in the gate's decision log (agentguard log verify) and an Event.
# Needs a node cluster (AGENTGUARD_CLUSTER_ENV); the gate part also the operator running against it.
set -euo pipefail
NODE_TEST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly NODE_TEST_DIR
REPO="$(cd "${NODE_TEST_DIR}/../.." && pwd)"
readonly REPO
# shellcheck source=SCRIPTDIR/testlib.sh
source "${NODE_TEST_DIR}/testlib.sh"
# shellcheck source=SCRIPTDIR/gatelib.sh
source "${NODE_TEST_DIR}/gatelib.sh"

readonly TOOLS=gate-tools    # the MCP server and the HTTPS destination (runc)
readonly AGENTS=gate-agents  # the AgentSandboxes and their gate
readonly IMAGE=agentguard.local/mcp-python:1
readonly GATE_IMAGE=agentguard.local/gate:1
readonly MAIL_URL="http://mail-mcp.${TOOLS}.svc.cluster.local:8000/mcp"
readonly WEB_HOST="web.${TOOLS}.svc.cluster.local"
readonly PRIVATE_HOST="private.${TOOLS}.svc.cluster.local"
readonly ELSEWHERE_HOST="elsewhere.${TOOLS}.svc.cluster.local"  # public address, not on egressHosts
# The HTTPS destination's "public" address: kube-proxy DNATs it (Service externalIPs, in PREROUTING) to
# the web Pod, so nothing goes to it, while the gate sees an address of the public class, the only one
# it connects to (documentation ranges such as 203.0.113.0/24 are refused like private ones). The direct
# part checks that the name answers with the web Pod's nonce.
readonly PUBLIC_IP="${AGENTGUARD_GATE_E2E_PUBLIC_IP:-100.128.0.10}"
UPSTREAM_TOKEN="upstream-$(openssl rand -hex 16)"
readonly UPSTREAM_TOKEN
UPSTREAM_SHA256="$(printf '%s' "$UPSTREAM_TOKEN" | sha256sum | cut -d ' ' -f 1)"
readonly UPSTREAM_SHA256
NONCE_WEB="web-$(openssl rand -hex 8)"
readonly NONCE_WEB
WORK="$(mktemp -d)"
readonly WORK
RECORDS="${WORK}/records"  # one "SCENARIO RECORD-ID" line per refusal the agent saw
: >"$RECORDS"
trap 'rm -rf "$WORK"' EXIT

# ---- helpers -----------------------------------------------------------------------------------

# server_last_request FIELD=VALUE...: the server's latest tools/call request (headers flattened in).
server_last_call_request() {
  local last
  last="$(server_calls | python3 -c '
import json, sys
requests = [r for r in json.load(sys.stdin)["requests"] if r.get("jsonrpc_method") == "tools/call"]
last = requests[-1] if requests else {}
last.update({k: v for k, v in last.pop("headers", {}).items()})
print(json.dumps(last))')"
  expect_json "$last" "$@"
}

# A TLS certificate for the HTTPS destination, naming its in-cluster names and its public address.
make_web_certificate() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=gate-e2e-web \
    -addext "subjectAltName=DNS:${WEB_HOST},DNS:${PRIVATE_HOST},DNS:${ELSEWHERE_HOST},IP:${PUBLIC_IP}" \
    -keyout "${WORK}/web.key" -out "${WORK}/web-ca.pem" 2>/dev/null
}

# The scripts (and the destination's certificate, the agents' CA) as ConfigMap node-test-scripts,
# the name the node suite's AgentSandboxClass allows sandboxes to mount.
scripts_configmap() {
  k -n "$1" create configmap node-test-scripts --from-file="${REPO}/e2e/gate/agent.py" \
    --from-file="${REPO}/e2e/gate/server.py" --from-file="${REPO}/e2e/gate/web.py" \
    --from-file="${WORK}/web-ca.pem" --dry-run=client -o yaml | k apply -f - >/dev/null
}

# The MCP server (runc), the HTTPS destination (runc) with its public and private names.
start_tools() {
  k create namespace "$TOOLS" >/dev/null
  make_web_certificate
  scripts_configmap "$TOOLS"
  k -n "$TOOLS" create secret generic mail-mcp --from-literal=token="$UPSTREAM_TOKEN" >/dev/null
  k -n "$TOOLS" create secret generic web-tls --from-file=tls.crt="${WORK}/web-ca.pem" \
    --from-file=tls.key="${WORK}/web.key" >/dev/null
  start_mcp_server
  k apply -f - 2> >(grep -v 'spec.externalIPs is deprecated' >&2) >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: ${TOOLS}, labels: {app: web}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: web
      image: ${IMAGE}
      imagePullPolicy: Never
      command: [python3, /scripts/web.py]
      env:
        - {name: NONCE, value: "${NONCE_WEB}"}
        - {name: WEB_PORT, value: "443"}
        - {name: WEB_CERT, value: /tls/tls.crt}
        - {name: WEB_KEY, value: /tls/tls.key}
      readinessProbe: {tcpSocket: {port: 443}, periodSeconds: 1}
      volumeMounts: [{name: scripts, mountPath: /scripts}, {name: tls, mountPath: /tls}]
  volumes:
    - {name: scripts, configMap: {name: node-test-scripts}}
    - {name: tls, secret: {secretName: web-tls}}
---
# kube-proxy DNATs ${PUBLIC_IP}:443 to the web Pod.
apiVersion: v1
kind: Service
metadata: {name: web-public, namespace: ${TOOLS}}
spec:
  selector: {app: web}
  externalIPs: ["${PUBLIC_IP}"]
  ports: [{name: https, port: 443}]
---
# ${WEB_HOST} resolves to ${PUBLIC_IP}: a headless Service without selector, one endpoint.
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${TOOLS}}
spec:
  clusterIP: None
  ports: [{name: https, port: 443}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-public-ip, namespace: ${TOOLS}, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints: [{addresses: ["${PUBLIC_IP}"]}]
ports: [{name: https, port: 443, protocol: TCP}]
---
# ${ELSEWHERE_HOST}: the same public address under a name that is not on the allow-list.
apiVersion: v1
kind: Service
metadata: {name: elsewhere, namespace: ${TOOLS}}
spec:
  clusterIP: None
  ports: [{name: https, port: 443}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: elsewhere-public-ip, namespace: ${TOOLS}, labels: {kubernetes.io/service-name: elsewhere}}
addressType: IPv4
endpoints: [{addresses: ["${PUBLIC_IP}"]}]
ports: [{name: https, port: 443, protocol: TCP}]
YAML
  local pod
  for pod in mail-mcp web; do
    wait_for 120 pod_ready "$TOOLS" "$pod" || { k -n "$TOOLS" describe pod "$pod" | tail -20; return 1; }
  done
  # ${PRIVATE_HOST} resolves to the web Pod's own (private) address, where it serves too.
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: {name: private, namespace: ${TOOLS}}
spec:
  clusterIP: None
  ports: [{name: https, port: 443}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: private-pod-ip, namespace: ${TOOLS}, labels: {kubernetes.io/service-name: private}}
addressType: IPv4
endpoints: [{addresses: ["$(pod_ip "$TOOLS" web)"]}]
ports: [{name: https, port: 443, protocol: TCP}]
YAML
}

# ---- direct part: no gate ----------------------------------------------------------------------

# A gVisor Pod with the SDK, holding the upstream credential itself (there is no gate to hold it).
start_direct_agent() {
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: direct-agent, namespace: ${TOOLS}, labels: {app: direct-agent}}
spec:
  runtimeClassName: gvisor
  terminationGracePeriodSeconds: 1
  automountServiceAccountToken: false
  securityContext: {runAsUser: 10001, runAsGroup: 10001, runAsNonRoot: true}
  containers:
    - name: agent
      image: ${IMAGE}
      imagePullPolicy: Never
      command: [python3, -c, "import time; time.sleep(86400)"]
      securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
      volumeMounts:
        - {name: scripts, mountPath: /scripts}
        - {name: upstream, mountPath: /var/run/secrets/e2e-upstream, readOnly: true}
  volumes:
    - {name: scripts, configMap: {name: node-test-scripts}}
    - {name: upstream, secret: {secretName: mail-mcp}}
YAML
  wait_for 180 pod_ready "$TOOLS" direct-agent || { k -n "$TOOLS" describe pod direct-agent | tail -20; return 1; }
}

direct_agent_in_gvisor() {
  local dmesg
  dmesg="$(k -n "$TOOLS" exec direct-agent -- dmesg 2>&1 || true)"
  [[ "$dmesg" == *gVisor* ]] || { echo "dmesg does not name gVisor: ${dmesg}"; return 1; }
}

direct() {
  agent "$TOOLS" direct-agent "$@" --url "$MAIL_URL" --token-file /var/run/secrets/e2e-upstream/token
}

direct_list_tools() {
  local out started=$SECONDS
  out="$(direct list-tools --protocol legacy)"
  note "direct list-tools (2025-11-25) from the gVisor Pod took $((SECONDS - started)) s: ${out}"
  expect_json "$out" outcome=result protocol=2025-11-25 \
    'tools=["delete_all", "fetch_page", "read_file", "send_email"]'
}

direct_call() {
  local protocol="$1" want="$2" out
  out="$(direct allowed-call --protocol "$protocol")"
  expect_json "$out" outcome=result "protocol=${want}" "result=~sent to ops@example.com" || return 1
  server_saw_call send_email ops@example.com
}

direct_call_2026_headers() {
  direct_call 2026-07-28 2026-07-28 || return 1
  server_last_call_request authorization=ok mcp-protocol-version=2026-07-28 mcp-method=tools/call \
    mcp-name=send_email tool=send_email
}

direct_auto_negotiates() {
  expect_json "$(direct list-tools --protocol auto)" outcome=result protocol=2026-07-28
}

direct_without_credential() {
  local out
  out="$(agent "$TOOLS" direct-agent no-token --url "$MAIL_URL" --protocol legacy)"
  expect_json "$out" outcome=error code=-32603 sent_token=false || return 1
  server_calls | python3 -c '
import json, sys
last = json.load(sys.stdin)["requests"][-1]
if last["authorization"] != "missing":
    sys.exit(f"the last request the server saw: {last}")'
}

direct_https_destination() {
  expect_json "$(agent "$TOOLS" direct-agent https-direct --target "${WEB_HOST}:443" --ca /scripts/web-ca.pem)" \
    outcome=connected "body=${NONCE_WEB}"
}

# The names the egress checks must see refused also serve the nonce, so only the gate can refuse them.
direct_other_names_serve() {
  local host
  for host in "$ELSEWHERE_HOST" "$PRIVATE_HOST"; do
    expect_json "$(agent "$TOOLS" direct-agent https-direct --target "${host}:443" --ca /scripts/web-ca.pem)" \
      outcome=connected "body=${NONCE_WEB}" || return 1
  done
}

run_direct_part() {
  start_tools
  check "MCP server (SDK Streamable HTTP) runs as a runc Pod" pod_ready "$TOOLS" mail-mcp
  start_direct_agent
  check "the agent Pod with the SDK runs under gVisor" direct_agent_in_gvisor
  check "direct, 2025-11-25: the agent in gVisor lists the server's tools" direct_list_tools
  check "direct, 2025-11-25: an allowed call succeeds and reaches the server with the credential" \
    direct_call legacy 2025-11-25
  check "direct, 2026-07-28: the call carries Mcp-Method and Mcp-Name to the server" direct_call_2026_headers
  check "direct, auto: the SDK negotiates 2026-07-28 by server/discover" direct_auto_negotiates
  check "direct: the server answers 401 to a call without the credential" direct_without_credential
  check "direct: the HTTPS destination answers by name through its public address" direct_https_destination
  check "direct: the off-list and the private name reach the same destination" direct_other_names_serve
  local started
  started="$(date +%s.%N)"
  direct allowed-call --protocol legacy >/dev/null
  note "one agent run in gVisor (python start, SDK import, initialize, tools/call): $(python3 -c \
    "import sys, time; print(f'{time.time() - float(sys.argv[1]):.2f} s')" "$started")"
}

# ---- gate part ---------------------------------------------------------------------------------

# sandbox NAME TOOLS_YAML: an AgentSandbox running the SDK agent idle (the test drives it with exec).
sandbox() {
  k apply -f - >/dev/null <<YAML
apiVersion: agentguard.io/v1alpha1
kind: AgentSandbox
metadata: {name: $1, namespace: ${AGENTS}}
spec:
  runtimeClassName: gvisor
$(printf '%s\n' "$2" | sed 's/^/  /')
  lifecycle: {restartPolicy: Never}
  template:
    spec:
      terminationGracePeriodSeconds: 1
      securityContext: {runAsUser: 10001, runAsGroup: 10001}
      containers:
        - name: agent
          image: ${IMAGE}
          imagePullPolicy: Never
          command: [python3, -c, "import time; time.sleep(86400)"]
          env: [{name: MUST_NOT_SEE_SHA256, value: "${UPSTREAM_SHA256}"}]
          resources: {limits: {cpu: 500m, memory: 256Mi}}
          volumeMounts: [{name: scripts, mountPath: /scripts}]
      volumes: [{name: scripts, configMap: {name: node-test-scripts}}]
YAML
}

# The contract's example, pointed at the in-cluster server and destinations.
readonly AGENT_TOOLS="tools:
  mode: Enforce
  servers:
  - name: mail
    url: ${MAIL_URL}
    credentialsSecretRef: {name: mail-mcp, key: token}
    methods:
    - {name: tools/call, params: [send_email, read_file, fetch_page]}
    arguments:
      send_email:
        /to: {enum: [ops@example.com, oncall@example.com]}
        /body: {maxLength: 4096}
      fetch_page:
        /url: {urlHosts: [docs.example.com, '*.wikipedia.org']}
      read_file:
        /path: {pathPrefixes: [/workspace/]}
network:
  egressHosts: ['${WEB_HOST}:443', '${PRIVATE_HOST}:443']"

# Another sandbox in the same namespace, allowed read_file only.
readonly OTHER_TOOLS="tools:
  servers:
  - name: mail
    url: ${MAIL_URL}
    credentialsSecretRef: {name: mail-mcp, key: token}
    methods:
    - {name: tools/call, params: [read_file]}
    arguments:
      read_file:
        /path: {pathPrefixes: [/workspace/]}"

create_sandboxes() {
  sandbox agent "$AGENT_TOOLS" && sandbox other "$OTHER_TOOLS"
}

sandbox_is_running() { [[ "$(sandbox_phase "$AGENTS" "$1")" == Running ]]; }

reaches_running() {
  k -n "$AGENTS" get agentsandbox "$1" >/dev/null || return 1
  wait_for 180 sandbox_is_running "$1" && wait_for 60 pod_ready "$AGENTS" "$1" && return 0
  k -n "$AGENTS" get agentsandbox "$1" -o yaml | sed -n '/^status:/,$p'
  k -n "$AGENTS" describe pod "$1" 2>&1 | tail -n 15
  return 1
}

gate_deployment_ready() {
  local ready
  ready="$(field deployment -n "$AGENTS" agentguard-gate -o jsonpath='{.status.readyReplicas}')"
  [[ "$ready" == 2 ]] || { echo "agentguard-gate has ${ready:-no} ready replicas, expected 2"; return 1; }
}

gate_objects_exist() {
  local kind
  for kind in service serviceaccount networkpolicy rolebinding; do
    k -n "$AGENTS" get "$kind" agentguard-gate >/dev/null || return 1
  done
}

# The agent's Pod has the gate's env and token, and nothing of the upstream credential's Secret.
agent_pod_wiring() {
  k -n "$AGENTS" get pod agent -o json | python3 -c '
import json, sys
pod = json.load(sys.stdin)
problems = []
for c in pod["spec"]["containers"]:
    env, container = {e["name"]: e for e in c.get("env", [])}, c["name"]
    for name in ("MCP_GATEWAY_URL", "HTTPS_PROXY", "NO_PROXY", "AGENTGUARD_GATE_TOKEN_FILE"):
        if name not in env:
            problems.append(f"container {container}: no {name}")
    if not any(m.get("mountPath") == "/var/run/secrets/agentguard.io/gate" for m in c.get("volumeMounts", [])):
        problems.append(f"container {container}: the gate token is not mounted")
if "mail-mcp" in json.dumps(pod["spec"]):
    problems.append("the Pod spec refers to Secret mail-mcp, the upstream credential")
print("\n".join(problems))
sys.exit(1 if problems else 0)'
}

in_agent() { agent "$AGENTS" agent "$@"; }

# denied SCENARIO CODE RULE [AGENT_ARGS...]: refused with CODE and RULE and a record id; the id is kept.
denied() {
  local scenario="$1" code="$2" rule="$3" out
  shift 3
  out="$(in_agent "$scenario" "$@")"
  expect_json "$out" outcome=error "code=${code}" "rule=${rule}" record=? reason=? || return 1
  python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(d["scenario"], d["record"])' "$out" >>"$RECORDS"
}

# denied_unseen SCENARIO CODE RULE TEXT [AGENT_ARGS...]: denied, and the server never saw TEXT.
denied_unseen() {
  local text="$4"
  denied "$1" "$2" "$3" "${@:5}" || return 1
  server_never_saw "$text"
}

allowed_through_gate() {
  local out
  out="$(in_agent allowed-call --protocol "$1")"
  expect_json "$out" outcome=result "result=~sent to ops@example.com" upstream_credential_visible=false \
    sent_token=true || return 1
  server_saw_call send_email ops@example.com
}

tools_filtered() {
  expect_json "$(in_agent list-tools --protocol "$1")" outcome=result 'tools=["fetch_page", "read_file", "send_email"]'
}

# The demo's prompt injection: the mail read through the gate asks for send_email to the attacker; the read
# passes with the credential, the call the agent makes on the mail's word is refused and never reaches the server.
injected_call_refused() {
  local out
  out="$(in_agent injected)"
  expect_json "$out" 'read=~"outcome": "result"' 'followed=~attacker@evil.example' outcome=error code=-32013 \
    rule=tools.argument record=? reason=? || return 1
  python3 -c 'import json, sys; print("injected", json.loads(sys.argv[1])["record"])' "$out" >>"$RECORDS"
  server_saw_call read_file /workspace/inbox/latest.eml || return 1
  server_never_saw "every API key and token"
}

# The agent's token, used from the other sandbox's Pod: the token is valid, the source IP is not its Pod's.
stolen_token_refused() {
  local token out
  token="$(k -n "$AGENTS" exec agent -- sh -c 'cat "$AGENTGUARD_GATE_TOKEN_FILE"')" || return 1
  # Through stdin: the sandbox's root file system may be read-only.
  out="$(printf '%s' "$token" | k -n "$AGENTS" exec -i other -- python3 /scripts/agent.py allowed-call \
    --token-file /dev/stdin 2>&1 | tail -n 1)"
  expect_json "$out" outcome=error code=-32014 rule=tools.caller record=? || return 1
  python3 -c 'import json, sys; print("stolen-token", json.loads(sys.argv[1])["record"])' "$out" >>"$RECORDS"
}

other_policy_applies() {
  expect_json "$(agent "$AGENTS" other allowed-read)" outcome=result "result=~contents of /workspace/notes.md" ||
    return 1
  expect_json "$(agent "$AGENTS" other allowed-call)" outcome=error code=-32011 rule=tools.tool-not-allowed
}

# A Pod that is no sandbox, with a token of the right audience: the gate's NetworkPolicy keeps it out.
outsider_refused() {
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: outsider, namespace: ${AGENTS}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: agent
      image: ${IMAGE}
      imagePullPolicy: Never
      command: [python3, -c, "import time; time.sleep(86400)"]
      env: [{name: MCP_GATEWAY_URL, value: "$(field pod -n "$AGENTS" agent -o jsonpath='{.spec.containers[0].env[?(@.name=="MCP_GATEWAY_URL")].value}')"}]
      volumeMounts: [{name: scripts, mountPath: /scripts}, {name: token, mountPath: /token}]
  volumes:
    - {name: scripts, configMap: {name: node-test-scripts}}
    - name: token
      projected: {sources: [{serviceAccountToken: {audience: agentguard-gate, expirationSeconds: 3600, path: token}}]}
YAML
  wait_for 120 pod_ready "$AGENTS" outsider || return 1
  local out
  out="$(agent "$AGENTS" outsider allowed-call --token-file /token/token --timeout 5)"
  # As for the bypass below: no connection, or the SDK's own request timeout (nothing answered, no rule).
  expect_json "$out" outcome=unreachable >/dev/null || expect_json "$out" "message=~timed out" rule=-
}

# The sandbox goes around the gate, by name (no DNS), by Service address and by Pod address.
bypass_refused() {
  local url out
  for url in "$MAIL_URL" "http://$(field svc -n "$TOOLS" mail-mcp -o jsonpath='{.spec.clusterIP}'):8000/mcp" \
    "http://$(pod_ip "$TOOLS" mail-mcp):8000/mcp"; do
    out="$(in_agent allowed-call --url "$url" --timeout 5)"
    # Dropped by the NetworkPolicy: no connection (unreachable), or the SDK's own request timeout firing
    # before its connect timeout (its local -32001 "Request ... timed out", no rule: nothing answered).
    expect_json "$out" outcome=unreachable >/dev/null || expect_json "$out" "message=~timed out" rule=- ||
      { echo "bypass through ${url}"; return 1; }
  done
  local sandbox_ip
  sandbox_ip="$(pod_ip "$AGENTS" agent)"
  server_calls | python3 -c '
import json, sys
seen = [r for r in json.load(sys.stdin)["requests"] if r["source"] == sys.argv[1]]
if seen:
    sys.exit(f"the server saw {len(seen)} request(s) from the sandbox Pod {sys.argv[1]}")' "$sandbox_ip"
}

# Sandbox "other" (read_file only) switched to Audit: its send_email is decided, recorded and forwarded.
audited_call_passes() {
  expect_json "$(agent "$AGENTS" other audited-call)" outcome=result "result=~sent to ops@example.com"
}

audit_mode_forwards() {
  k -n "$AGENTS" patch agentsandbox other --type merge -p '{"spec":{"tools":{"mode":"Audit"}}}' >/dev/null ||
    return 1
  wait_for 60 audited_call_passes || { audited_call_passes; return 1; }
  server_saw_call send_email audited || return 1
  local files
  files="$(gate_log_files)"
  [[ -n "$files" ]] || { echo "no decision log file under the gate Pods' volumes"; return 1; }
  # shellcheck disable=SC2086  # one path per word
  cat $files | python3 -c '
import base64, json, sys
audited = [l for l in sys.stdin if "\"audit\"" in base64.b64decode(json.loads(l)["payload"]).decode()]
sys.exit(0 if audited else "no record with action audit in the log")'
}

proxy() { in_agent "$@" --ca /scripts/web-ca.pem; }

proxy_allowed() {
  expect_json "$(proxy https-proxy-allowed --target "${WEB_HOST}:443")" outcome=connected "body=${NONCE_WEB}" \
    "https_proxy=~:3128" || return 1
  expect_json "$(proxy https-proxy-connect --target "${WEB_HOST}:443" --proxy-token)" outcome=connected \
    "body=${NONCE_WEB}"
}

# proxy_refused SCENARIO TARGET [ARG...]: the gate's proxy refuses (status != 200, or the TLS fails).
proxy_refused() {
  local scenario="$1" target="$2"
  shift 2
  expect_json "$(proxy "$scenario" --target "$target" "$@")" outcome=refused
}

logs_verify() {
  local files file
  files="$(gate_log_files)"
  [[ -n "$files" ]] || { echo "no decision log file under the gate Pods' volumes"; return 1; }
  gate_trust || return 1
  for file in $files; do
    "${REPO}/build/bin/agentguard" log verify --log "$file" --trust "${WORK}/trust.pem" || return 1
    note "$(wc -l <"$file") records in ${file##*/volumes/} verify"
  done
}

# Every refusal the agent saw names a record in the gate's log: the hex SHA-256 of the record (of its
# envelope line, as the webhook's audit annotation names it, or of its statement, the DSSE payload), a
# tool call record with action deny.
records_found() {
  [[ -s "$RECORDS" ]] || { echo "no refusal recorded a record id"; return 1; }
  # shellcheck disable=SC2046
  python3 - "$RECORDS" $(gate_log_files) <<'PY'
import base64, hashlib, json, sys
wanted = [line.split() for line in open(sys.argv[1]) if line.strip()]
statements = {}
for path in sys.argv[2:]:
    for line in open(path):
        payload = base64.b64decode(json.loads(line)["payload"])
        for form in (payload, line.encode(), line.rstrip("\n").encode()):
            statements[hashlib.sha256(form).hexdigest()] = payload.decode()
missing = []
for scenario, record in wanted:
    text = statements.get(record)
    if text is None:
        missing.append(f"{scenario}: record {record} is not in the log")
    elif "toolcall" not in text.lower() or '"deny"' not in text:
        missing.append(f"{scenario}: record {record} is not a tool call denial: {text[:300]}")
print("\n".join(missing) or f"{len(wanted)} refusals, each with its record in the log")
sys.exit(1 if missing else 0)
PY
}

denial_events() {
  local count
  count="$(k -n "$AGENTS" get events --field-selector involvedObject.kind=AgentSandbox,involvedObject.name=agent,reason=ToolCallDenied \
    -o jsonpath='{.items[*].count}' | tr ' ' '\n' | awk '{s += $1} END {print s + 0}')"
  note "ToolCallDenied Events on AgentSandbox agent: ${count}"
  ((count > 0))
}

denial_metrics() {
  local ip out=""
  for ip in $(k -n "$AGENTS" get pods -l app.kubernetes.io/name=agentguard-gate -o jsonpath='{.items[*].status.podIP}'); do
    out+="$(curl -s --max-time 5 "http://${ip}:9090/metrics" || true)"
  done
  grep -E '^agentguard_gate_decisions_total\{.*result="denied".*\} [1-9]' <<<"$out" >/dev/null ||
    { echo "no denied decisions in the gates' metrics"; grep '^agentguard_gate_decisions' <<<"$out"; return 1; }
  awk '/^agentguard_decision_log_records_written_total / {s += $2} END {exit !(s > 0)}' <<<"$out" ||
    { echo "the gates' metrics count no decision records written"; grep '^agentguard_decision_log' <<<"$out"; return 1; }
}

# Every gate Pod's /metrics has agentguard_build_info (version, revision), the process_* metrics and the
# decision log's, with no failed write.
gate_standard_metrics() {
  local ip out ips
  ips="$(k -n "$AGENTS" get pods -l app.kubernetes.io/name=agentguard-gate -o jsonpath='{.items[*].status.podIP}')"
  [[ -n "$ips" ]] || { echo "no gate Pods in ${AGENTS}"; return 1; }
  for ip in $ips; do
    out="$(curl -s --max-time 5 "http://${ip}:9090/metrics" || true)"
    grep -Eq '^agentguard_build_info\{revision="[^"]+",version="[0-9][^"]*"\} 1$' <<<"$out" &&
      grep -Eq '^process_resident_memory_bytes [1-9]' <<<"$out" && grep -q '^process_cpu_seconds_total ' <<<"$out" &&
      grep -q '^agentguard_decision_log_write_failures_total{stage="write"} 0$' <<<"$out" ||
      { echo "gate ${ip}: /metrics lacks agentguard_build_info, process_* or the decision log's metrics"; return 1; }
  done
}

run_gate_part() {
  k create namespace "$AGENTS" >/dev/null 2>&1 || true
  scripts_configmap "$AGENTS"
  k -n "$AGENTS" create secret generic mail-mcp --from-literal=token="$UPSTREAM_TOKEN" >/dev/null
  check "the API server accepts AgentSandboxes with tools and egressHosts" create_sandboxes
  check "a sandbox with tools reaches Running" reaches_running agent
  check "the other sandbox reaches Running" reaches_running other
  if ! sandbox_is_running agent || ! sandbox_is_running other; then
    FAILED=$((FAILED + 1))
    printf 'not ok - gate part stopped: the sandboxes are not running, the gate scenarios did not run\n'
    k delete namespace "$AGENTS" --wait=false >/dev/null
    return 0
  fi
  check "the operator runs the gate: Deployment agentguard-gate has 2 ready replicas" \
    wait_for 180 gate_deployment_ready
  check "the gate's Service, ServiceAccount, NetworkPolicy and RoleBinding exist" gate_objects_exist
  check "the agent Pod has the gate's env and token and no reference to the upstream credential" agent_pod_wiring

  local protocol
  for protocol in legacy 2026-07-28; do
    check "gate, ${protocol}: tools/list is filtered to the allowed tools" tools_filtered "$protocol"
    check "gate, ${protocol}: an allowed call succeeds with the credential injected by the gate" \
      allowed_through_gate "$protocol"
    check "gate, ${protocol}: a tool not listed is refused (-32011) and never reaches the server" \
      denied_unseen denied-tool -32011 tools.tool-not-allowed '"delete_all"' --protocol "$protocol"
  done
  check "gate: a URL host off the list is refused (-32013)" \
    denied_unseen bad-url-host -32013 tools.argument evil.example
  check "gate: a path traversal is refused (-32013)" \
    denied_unseen path-traversal -32013 tools.argument ../etc/shadow
  check "gate: a body over maxLength is refused (-32013)" \
    denied_unseen oversized -32013 tools.argument "$(printf 'x%.0s' {1..200})"
  check "gate: a recipient off the enum is refused (-32013)" \
    denied_unseen bad-recipient -32013 tools.argument attacker@evil.example
  check "gate: a call an injected instruction in a tool result asks for is refused (-32013), the read passes" \
    injected_call_refused
  check "gate: a call without a token is refused (-32014)" denied no-token -32014 tools.caller
  check "gate: a forged token is refused (-32014)" denied forged-token -32014 tools.caller
  check "gate: Mcp-Method not matching the body is refused (-32020) before the server" \
    denied_unseen header-mismatch -32020 tools.header-mismatch '"delete_all"'
  check "gate: a method beyond the base protocol (resources/list) is refused (-32012)" \
    denied denied-method -32012 tools.method-not-allowed
  check "gate: a JSON-RPC batch is refused (-32017)" denied batch -32017 tools.batch
  check "gate: duplicate keys are refused" expect_json "$(in_agent duplicate-keys)" outcome=error
  check "gate: an 8 MiB request is refused (-32018)" denied too-large -32018 tools.size
  check "gate: the other sandbox's policy is its own (read_file passes, send_email refused)" other_policy_applies
  check "gate: the agent's token used from the other sandbox's Pod is refused (-32014)" stolen_token_refused
  check "gate: a Pod that is no sandbox cannot reach the gate (NetworkPolicy)" outsider_refused
  check "gate: the sandbox cannot reach the MCP server around the gate" bypass_refused
  check "gate: the upstream credential never reached the agent's environment or files" \
    expect_json "$(in_agent list-tools)" upstream_credential_visible=false

  check "gate: in Audit mode a refused call is forwarded and recorded" audit_mode_forwards
  check "egress: an allowed host through HTTPS_PROXY answers (requests, and CONNECT with the token)" proxy_allowed
  check "egress: an IP literal is refused" proxy_refused https-proxy-ip-literal "${PUBLIC_IP}:443"
  check "egress: a private address behind an allowed name is refused" proxy_refused https-proxy-private "${PRIVATE_HOST}:443"
  check "egress: a host off the list is refused (same address as the allowed one)" \
    proxy_refused https-proxy-connect "${ELSEWHERE_HOST}:443"
  check "egress: an SNI other than the CONNECT host is refused" proxy_refused https-proxy-sni-mismatch "${WEB_HOST}:443"

  check "records: the gates' decision logs verify (agentguard log verify)" logs_verify
  check "records: every refusal's data.record is a tool call denial in the log" records_found
  check "Events: ToolCallDenied on the AgentSandbox" denial_events
  check "metrics: agentguard_gate_decisions_total counts the denials, the decision log its records" denial_metrics
  check "metrics: every gate has agentguard_build_info, process_* and decision log metrics" gate_standard_metrics
  k delete namespace "$AGENTS" --wait=false >/dev/null
}

main() {
  k delete namespace "$TOOLS" "$AGENTS" --wait=true --timeout=120s >/dev/null 2>&1 || true
  run_direct_part
  if [[ "${AGENTGUARD_NODE_GATE:-0}" == 1 ]]; then
    run_gate_part
  else
    note "gate part skipped: set AGENTGUARD_NODE_GATE=1 (needs build/bin/agentguard-gate and the operator's gate flags)"
  fi
  k delete namespace "$TOOLS" --wait=false >/dev/null
  summary
}

main "$@"

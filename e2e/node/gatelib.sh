# shellcheck shell=bash
# What the gate's node tests (test-gate.sh) and the demo's gate act (demo.sh) both do: the SDK's MCP
# server as a runc Pod, the SDK agent's JSON line, what the server saw, and the gate Pods' decision logs
# and public keys. Sourced, never run. The caller has sourced pods.sh (k) and the cluster's env file, and
# sets TOOLS (the MCP server's namespace), AGENTS (the sandboxes' and the gate's namespace), IMAGE (the
# SDK image) and WORK (a scratch directory).

# expect_json JSON KEY=VALUE...: each KEY of the JSON object equals VALUE ("?": present and not empty,
# "~TEXT": contains TEXT, "-": absent or null). Prints what differs.
expect_json() {
  python3 - "$@" <<'PY'
import json, sys
line = sys.argv[1]
try:
    got = json.loads(line)
except ValueError:
    sys.exit(f"not a JSON line: {line!r}")
bad = []
for spec in sys.argv[2:]:
    key, want = spec.split("=", 1)
    value = got.get(key)
    text = json.dumps(value) if isinstance(value, (bool, list, dict)) or value is None else str(value)
    if want == "?":
        ok = value not in (None, "", [], {})
    elif want == "-":
        ok = value is None
    elif want.startswith("~"):
        ok = want[1:] in text
    else:
        ok = text == want
    if not ok:
        bad.append(f"{key}: expected {want}, got {text}")
if bad:
    print("\n".join(bad))
    print(line)
    sys.exit(1)
PY
}

# agent NAMESPACE POD SCENARIO [ARG...]: the agent's JSON line (e2e/gate/agent.py).
agent() {
  local ns="$1" pod="$2"
  shift 2
  k exec -n "$ns" "$pod" -- python3 /scripts/agent.py "$@" 2>&1 | tail -n 1
}

# The MCP server (e2e/gate/server.py, runc) as Pod and Service mail-mcp in TOOLS, with the upstream
# credential from key "token" of Secret mail-mcp there, and the scripts from ConfigMap node-test-scripts.
start_mcp_server() {
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: mail-mcp, namespace: ${TOOLS}, labels: {app: mail-mcp}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: server
      image: ${IMAGE}
      imagePullPolicy: Never
      command: [python3, /scripts/server.py]
      env:
        - {name: MCP_SERVER_TOKEN, valueFrom: {secretKeyRef: {name: mail-mcp, key: token}}}
      readinessProbe: {tcpSocket: {port: 8000}, periodSeconds: 1}
      volumeMounts: [{name: scripts, mountPath: /scripts}]
  volumes: [{name: scripts, configMap: {name: node-test-scripts}}]
---
apiVersion: v1
kind: Service
metadata: {name: mail-mcp, namespace: ${TOOLS}}
spec:
  selector: {app: mail-mcp}
  ports: [{name: mcp, port: 8000}]
YAML
}

# The server's record of what reached it: {"requests": [...], "tool_calls": [...]} (loopback only).
server_calls() {
  k exec -n "$TOOLS" mail-mcp -- python3 -c \
    'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:8001/calls", timeout=5).read().decode())'
}

# server_saw_call TOOL TEXT: the server ran TOOL with arguments containing TEXT, with the credential.
server_saw_call() {
  server_calls | python3 -c '
import json, sys
tool, text = sys.argv[1], sys.argv[2]
calls = json.load(sys.stdin)
ran = [c for c in calls["tool_calls"] if c["tool"] == tool and text in json.dumps(c["arguments"])]
authorized = [r for r in calls["requests"] if r.get("tool") == tool and text in json.dumps(r.get("arguments"))
              and r["authorization"] == "ok"]
if not ran or not authorized:
    sys.exit(f"the server ran {len(ran)} {tool} call(s) with {text!r}, {len(authorized)} authorized request(s)")
' "$1" "$2"
}

# server_never_saw TEXT: no request that reached the server (authorized or not) contains TEXT.
server_never_saw() {
  local calls
  calls="$(server_calls)" || { echo "could not read the server's calls: ${calls}"; return 1; }
  if [[ "$calls" == *"$1"* ]]; then
    echo "the server received a request containing ${1}"
    return 1
  fi
}

# The gate's decision log files, one per gate Pod: /var/lib/agentguard-gate/<pod>.dsse.jsonl is on an
# emptyDir, which on this node is a directory under the kubelet's root (the gate's image has no shell,
# cat or tar for kubectl exec or cp to read it with).
gate_log_files() {
  local uid
  for uid in $(k -n "$AGENTS" get pods -l app.kubernetes.io/name=agentguard-gate -o jsonpath='{.items[*].metadata.uid}'); do
    find "${AGENTGUARD_CLUSTER_STATE_DIR}/kubelet/root/pods/${uid}/volumes" -name '*.jsonl' -type f 2>/dev/null
  done
}

# The public keys of the gate's signing keys, into WORK/trust.pem: each gate Pod creates its key in its own
# volume on first start and writes the public half beside it (KEY.pem.pub); the private key never leaves the Pod.
gate_trust() {
  local uid
  : >"${WORK}/trust.pem"
  for uid in $(k -n "$AGENTS" get pods -l app.kubernetes.io/name=agentguard-gate -o jsonpath='{.items[*].metadata.uid}'); do
    find "${AGENTGUARD_CLUSTER_STATE_DIR}/kubelet/root/pods/${uid}/volumes" -name '*.key.pem.pub' -type f \
      -exec cat {} + >>"${WORK}/trust.pem" 2>/dev/null || true
  done
  [[ -s "${WORK}/trust.pem" ]] || { echo "no public signing key (*.key.pem.pub) under the gate Pods' volumes"; return 1; }
}

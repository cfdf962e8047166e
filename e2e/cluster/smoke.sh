#!/usr/bin/env bash
# Checks that the local control plane does what the tests rely on: starts a
# cluster in a fresh state directory, exercises it, restarts kube-apiserver,
# stops it, and verifies no process is left behind.
#
# Usage: e2e/cluster/smoke.sh           (exit 0 when every check passed)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
readonly CLUSTER="${SCRIPT_DIR}/cluster.sh"

STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/agentguard-smoke-XXXXXX")"
readonly STATE_DIR
WORK="$(mktemp -d "${TMPDIR:-/tmp}/agentguard-smoke-work-XXXXXX")"
readonly WORK
WEBHOOK_PID=""
PASSED=0
FAILED=0

cleanup() {
  if [[ -n "$WEBHOOK_PID" ]]; then
    kill "$WEBHOOK_PID" 2>/dev/null || true
    wait "$WEBHOOK_PID" 2>/dev/null || true
  fi
  "$CLUSTER" down --state-dir "$STATE_DIR" >/dev/null 2>&1 || true
  rm -rf "$WORK" "$STATE_DIR"
}
trap cleanup EXIT

pass() {
  PASSED=$((PASSED + 1))
  printf 'ok   %s\n' "$*"
}

fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL %s\n' "$*"
}

# check DESCRIPTION COMMAND...: runs COMMAND, records pass or fail with its output.
check() {
  local what="$1" out
  shift
  if out="$("$@" 2>&1)"; then
    pass "$what"
  else
    fail "$what"
    printf '%s\n' "$out" | sed 's/^/     /'
  fi
}

# eventually SECONDS COMMAND...: retries COMMAND every 0.2s until it succeeds.
eventually() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      "$@"
      return 1
    fi
    sleep 0.2
  done
}

jsonpath_is() {
  local want="$1" got
  shift
  got="$(kubectl "$@")"
  [[ "$got" == "$want" ]] || {
    printf 'expected %q, got %q\n' "$want" "$got"
    return 1
  }
}

# The default ServiceAccount of namespace $1 exists and a token issued for it (TokenRequest API)
# authenticates as that ServiceAccount.
service_account_token_works() {
  local token
  token="$(kubectl create token default -n "$1" --duration=10m)" || return 1
  jsonpath_is "system:serviceaccount:${1}:default" auth whoami --token="$token" \
    -o 'jsonpath={.status.userInfo.username}'
}

# kubectl on PATH (after sourcing the env file) and kube-apiserver are both the cluster's release.
kubectl_and_server_are_the_clusters_release() {
  local versions want="\"gitVersion\": \"${AGENTGUARD_KUBE_VERSION}\""
  versions="$(kubectl version -o json)" || return 1
  [[ "$(command -v kubectl)" == "$AGENTGUARD_KUBECTL" ]] &&
    (($(grep -cF "$want" <<<"$versions") == 2)) || {
    printf 'kubectl on PATH: %s, want %s (%s)\n%s\n' "$(command -v kubectl)" "$AGENTGUARD_KUBECTL" \
      "$AGENTGUARD_KUBE_VERSION" "$versions"
    return 1
  }
}

# Creates ConfigMap smoke/deny-me until the webhook denies it; the webhook
# configuration takes effect a moment after it is created.
webhook_denies() {
  local out
  if out="$(kubectl create -f - 2>&1 <<<'
apiVersion: v1
kind: ConfigMap
metadata: {name: deny-me, namespace: smoke, labels: {smoke: webhook}}')"; then
    kubectl delete configmap deny-me -n smoke >/dev/null 2>&1 || true
    echo "ConfigMap smoke/deny-me was created"
    return 1
  fi
  [[ "$out" == *"denied by the smoke webhook"* ]] || {
    echo "unexpected error: $out"
    return 1
  }
}

not_found() {
  local out
  out="$(kubectl get "$@" --ignore-not-found -o name)" && [[ -z "$out" ]]
}

# Components of the cluster still running (their command line names the state dir).
leftover_processes() {
  local pid cmdline found=0
  for pid in /proc/[0-9]*; do
    cmdline="$(tr '\0' ' ' <"${pid}/cmdline" 2>/dev/null)" || continue
    if [[ "$cmdline" == *"${STATE_DIR}"* ]]; then
      printf 'left behind: %s %s\n' "${pid#/proc/}" "$cmdline"
      found=1
    fi
  done
  return "$found"
}

apply() {
  kubectl apply -f - <<<"$1"
}

check_basics() {
  check "kubectl and kube-apiserver are ${AGENTGUARD_KUBE_VERSION}" kubectl_and_server_are_the_clusters_release
  check "kubectl get namespaces lists kube-system" eventually 5 kubectl get namespace kube-system
  check "namespace smoke is created" kubectl create namespace smoke
  check "namespace smoke carries kubernetes.io/metadata.name by itself" jsonpath_is smoke \
    get namespace smoke -o 'jsonpath={.metadata.labels.kubernetes\.io/metadata\.name}'
  check "ServiceAccount smoke/default appears and a token issued for it authenticates" \
    eventually 30 service_account_token_works smoke
  check "a Pod is accepted and stays Pending" apply '
apiVersion: v1
kind: Pod
metadata: {name: sleeper, namespace: smoke}
spec:
  containers: [{name: main, image: busybox, command: [sleep, "3600"]}]'
  check "the Pod's phase is Pending" jsonpath_is Pending get pod sleeper -n smoke -o 'jsonpath={.status.phase}'
  check "a NetworkPolicy is accepted" apply '
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: smoke}
spec:
  podSelector: {}
  policyTypes: [Egress]'
}

check_custom_resources() {
  check "a CRD with a status subresource is accepted" apply '
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.smoke.agentguard.dev}
spec:
  group: smoke.agentguard.dev
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
          status: {type: object, properties: {ready: {type: boolean}}}'
  check "the CRD becomes Established" eventually 30 \
    jsonpath_is True get crd widgets.smoke.agentguard.dev \
    -o 'jsonpath={.status.conditions[?(@.type=="Established")].status}'
  check "a custom resource is written" eventually 10 apply '
apiVersion: smoke.agentguard.dev/v1
kind: Widget
metadata: {name: first, namespace: smoke}
spec: {size: 3}'
  check "the custom resource's status is written through /status" \
    kubectl patch widget first -n smoke --subresource=status --type=merge -p '{"status":{"ready":true}}'
  check "the status reads back" jsonpath_is true get widget first -n smoke -o 'jsonpath={.status.ready}'
  check "kube-apiserver is still running after custom resource writes" \
    "$CLUSTER" status --state-dir "$STATE_DIR"
}

check_garbage_collection() {
  check "owner ConfigMap is created" kubectl create configmap owner -n smoke --from-literal=a=b
  local uid
  uid="$(kubectl get configmap owner -n smoke -o 'jsonpath={.metadata.uid}')"
  check "dependent ConfigMap with an ownerReference is created" apply "
apiVersion: v1
kind: ConfigMap
metadata:
  name: dependent
  namespace: smoke
  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: ${uid}}]
data: {c: d}"
  check "owner ConfigMap is deleted" kubectl delete configmap owner -n smoke --wait=true
  check "garbage collection deletes the dependent" eventually 60 not_found configmap dependent -n smoke
}

check_restart() {
  local before
  before="$(kubectl get namespace smoke -o 'jsonpath={.metadata.uid}')"
  check "restart-apiserver succeeds" "$CLUSTER" restart-apiserver --state-dir "$STATE_DIR"
  check "kubectl works after the restart" jsonpath_is "$before" get namespace smoke -o 'jsonpath={.metadata.uid}'
  check "the custom resource survived the restart" jsonpath_is true get widget first -n smoke -o 'jsonpath={.status.ready}'
}

# A validating webhook on https://127.0.0.1 (certificate signed by the cluster
# CA) denying ConfigMaps named deny-me in namespace smoke.
check_webhook() {
  if ! command -v python3 >/dev/null 2>&1; then
    fail "webhook check needs python3"
    return
  fi
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  openssl req -new -newkey rsa:2048 -nodes -keyout "${WORK}/hook.key" -out "${WORK}/hook.csr" \
    -subj /CN=127.0.0.1 >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"${WORK}/hook.ext"
  openssl x509 -req -days 1 -in "${WORK}/hook.csr" -CA "$AGENTGUARD_APISERVER_CA" \
    -CAkey "$AGENTGUARD_CLUSTER_CA_KEY" -set_serial 7 -extfile "${WORK}/hook.ext" \
    -out "${WORK}/hook.crt" >/dev/null 2>&1
  cat >"${WORK}/hook.py" <<'PY'
import http.server, json, ssl, sys
port, cert, key, calls = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        review = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        request = review["request"]
        name = request.get("name") or request["object"]["metadata"].get("name", "")
        with open(calls, "a") as f:
            f.write(name + "\n")
        allowed = name != "deny-me"
        response = {"uid": request["uid"], "allowed": allowed}
        if not allowed:
            response["status"] = {"code": 403, "message": "ConfigMap smoke/deny-me: denied by the smoke webhook"}
        body = json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                           "response": response}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", port), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
PY
  python3 "${WORK}/hook.py" "$port" "${WORK}/hook.crt" "${WORK}/hook.key" "${WORK}/calls" \
    >"${WORK}/hook.log" 2>&1 &
  WEBHOOK_PID=$!
  local ca_bundle
  ca_bundle="$(base64 -w0 <"$AGENTGUARD_APISERVER_CA")"
  check "a ValidatingWebhookConfiguration is accepted" apply "
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: smoke-webhook}
webhooks:
- name: configmaps.smoke.agentguard.dev
  clientConfig: {url: 'https://127.0.0.1:${port}/validate', caBundle: '${ca_bundle}'}
  rules: [{apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
  namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: smoke}}
  objectSelector: {matchLabels: {smoke: webhook}}
  failurePolicy: Fail
  sideEffects: None
  admissionReviewVersions: [v1]
  timeoutSeconds: 5"
  check "the webhook denies ConfigMap smoke/deny-me with its message" eventually 20 webhook_denies
  check "the webhook allows ConfigMap smoke/allow-me" apply '
apiVersion: v1
kind: ConfigMap
metadata: {name: allow-me, namespace: smoke, labels: {smoke: webhook}}'
  check "kube-apiserver called the webhook for both" grep -qx allow-me "${WORK}/calls"
  kubectl delete validatingwebhookconfiguration smoke-webhook >/dev/null 2>&1 || true
  kill "$WEBHOOK_PID" 2>/dev/null || true
  wait "$WEBHOOK_PID" 2>/dev/null || true
  WEBHOOK_PID=""
}

main() {
  local started=$SECONDS
  "$CLUSTER" up --state-dir "$STATE_DIR" >/dev/null
  pass "cluster up in $((SECONDS - started))s"
  # shellcheck disable=SC1091
  source "${STATE_DIR}/env"
  check_basics
  check_custom_resources
  check_garbage_collection
  check_webhook
  check_restart
  check "down succeeds" "$CLUSTER" down --state-dir "$STATE_DIR"
  check "down is safe to call twice" "$CLUSTER" down --state-dir "$STATE_DIR"
  check "no process of the cluster is left" leftover_processes
  check "the state directory is removed" test ! -e "$STATE_DIR"
  printf '%s passed, %s failed\n' "$PASSED" "$FAILED"
  ((FAILED == 0))
}

main "$@"

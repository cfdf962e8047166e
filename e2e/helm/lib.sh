# shellcheck shell=bash
# Shared by e2e/helm/run.sh (the Helm end-to-end suite) and e2e/story/run.sh (the demo): installing the
# chart on the local control plane and running agentguard-webhook and agentguard-operator as local
# processes authenticated as the chart's own ServiceAccounts. Sourced, never run.
#
# The caller sets before use:
#   REPO        repository root
#   STATE_DIR   working directory of this run (kubeconfigs, certificates, logs, pid files)
#   KUBECONFIG  the cluster's admin kubeconfig (exported)
#   HELM        path of the helm binary
#   RELEASE, RELEASE_NAMESPACE
#   BIN_DIR     where agentguard-webhook and agentguard-operator are

E2E_HELM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly E2E_HELM_DIR
CHART_DIR="$(cd "${E2E_HELM_DIR}/../../charts/agentguard" && pwd)"
# shellcheck disable=SC2034  # used by the scripts that source this
readonly CHART_DIR

# A Python 3 with PyYAML, for reading manifests and JSON: python3 on PATH if it has it, else Debian's
# (installing python3-yaml when missing and allowed).
lib_find_python() {
  local candidate
  for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import yaml' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  local sudo_cmd=()
  [[ "$(id -u)" == 0 ]] || sudo_cmd=(sudo -n)
  if DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends python3-yaml >&2 &&
    /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
    printf '/usr/bin/python3\n'
    return 0
  fi
  echo "a Python 3 with PyYAML is needed (Debian package: python3-yaml)" >&2
  return 1
}
PYTHON="$(lib_find_python)" || exit 1
readonly PYTHON

# ---------------------------------------------------------------------------
# Local processes. Each is recorded as "pid starttime" in STATE_DIR/run/NAME.pid and is only signalled
# while both still match, so a reused pid is never touched.

lib_proc_start_time() {
  local stat fields
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  read -r -a fields <<<"$stat"
  [[ "${fields[0]}" != Z ]] || return 1
  printf '%s\n' "${fields[19]}"
}

# True while the process recorded under NAME is the one we started.
lib_owns_process() {
  local file="${STATE_DIR}/run/$1.pid" pid start now
  [[ -f "$file" ]] || return 1
  read -r pid start <"$file" || return 1
  now="$(lib_proc_start_time "$pid")" || return 1
  [[ "$now" == "$start" ]]
}

lib_recorded_pid() {
  local pid _start
  read -r pid _start <"${STATE_DIR}/run/$1.pid" 2>/dev/null || return 1
  printf '%s\n' "$pid"
}

# lib_start_process NAME COMMAND...: runs COMMAND in the background, output to STATE_DIR/logs/NAME.log.
# With LIB_DETACH=1 it gets a session of its own and outlives the caller (the story leaves it running);
# otherwise it stays in the caller's process group, so whatever kills a test run (ctest's timeout)
# kills it too.
lib_start_process() {
  local name="$1"
  shift
  mkdir -p "${STATE_DIR}/run" "${STATE_DIR}/logs"
  if [[ "${LIB_DETACH:-0}" == 1 ]]; then
    setsid "$@" </dev/null >>"${STATE_DIR}/logs/${name}.log" 2>&1 &
  else
    "$@" </dev/null >>"${STATE_DIR}/logs/${name}.log" 2>&1 &
  fi
  local pid=$! start
  start="$(lib_proc_start_time "$pid")" || start=gone
  printf '%s %s\n' "$pid" "$start" >"${STATE_DIR}/run/${name}.pid"
}

# lib_stop_process NAME: TERM, KILL after 10 s; returns once it is gone.
lib_stop_process() {
  local name="$1" pid i
  if lib_owns_process "$name"; then
    pid="$(lib_recorded_pid "$name")"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      lib_owns_process "$name" || break
      sleep 0.1
    done
    if lib_owns_process "$name"; then
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        lib_owns_process "$name" || break
        sleep 0.1
      done
    fi
  fi
  rm -f "${STATE_DIR}/run/${name}.pid"
}

# Prints COUNT free loopback ports.
lib_free_ports() {
  "$PYTHON" - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
}

# lib_wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s until it succeeds or the
# deadline passes (then returns 1).
lib_wait_for() {
  local seconds="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      printf 'timed out after %ss waiting for %s\n' "$seconds" "$what" >&2
      return 1
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------
# Chart

# The chart's name prefix for RELEASE (its agentguard.fullname helper with no overrides).
lib_fullname() {
  if [[ "$RELEASE" == *agentguard* ]]; then
    printf '%s\n' "$RELEASE"
  else
    printf '%s-agentguard\n' "$RELEASE"
  fi
}

# Values used for a chart installed on the local control plane, where the webhook runs as a local
# process reached by URL: prints --set flags. No kubelet runs there, so no hook Job could finish: the
# CRD upgrade hook is off and step_crd_upgrade runs its command as a local process instead.
lib_local_values() {
  local webhook_port="$1" failure_policy="${2:-Fail}"
  printf '%s\n' --set "webhook.url=https://127.0.0.1:${webhook_port}/validate" \
    --set "webhook.failurePolicy=${failure_policy}" --set crds.upgrade=false
}

# lib_make_crd_stale: the cluster's AgentSandbox CRD as an older chart version left it: a schema
# property the chart does not have (agentguard.io/stale-test) and a label of the cluster's own.
lib_make_crd_stale() {
  kubectl patch crd agentsandboxes.agentguard.io --type json -p '[
    {"op": "add", "path": "/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/staleField",
     "value": {"type": "string"}},
    {"op": "add", "path": "/metadata/labels/agentguard.io~1kept-label", "value": "yes"}]' >/dev/null
}

# lib_crd_is_the_charts: the cluster's AgentSandbox and AgentSandboxClass CRDs have the chart's spec
# (compared as the server returns them: defaults the server adds are taken from the live object).
lib_crd_is_the_charts() {
  local crd
  for crd in agentsandboxes.agentguard.io agentsandboxclasses.agentguard.io; do
    kubectl get crd "$crd" -o json | "$PYTHON" -c '
import glob, json, sys, yaml
live = json.load(sys.stdin)
files = [yaml.safe_load(open(p)) for p in glob.glob(sys.argv[1] + "/crds/*.yaml")]
chart = next(f for f in files if f["metadata"]["name"] == live["metadata"]["name"])
def schemas(crd):
    return [(v["name"], v.get("schema")) for v in crd["spec"]["versions"]]
sys.exit(0 if schemas(live) == schemas(chart) else 1)
' "$CHART_DIR" || return 1
  done
}

# lib_standard_metrics BODY: BODY (a /metrics page) has agentguard_build_info with a version and a revision,
# and the process metrics every Prometheus client exports.
lib_standard_metrics() {
  grep -Eq '^agentguard_build_info\{revision="[^"]+",version="[0-9][^"]*"\} 1$' <<<"$1" &&
    grep -Eq '^process_resident_memory_bytes [1-9]' <<<"$1" &&
    grep -q '^process_cpu_seconds_total ' <<<"$1" &&
    grep -Eq '^process_open_fds [1-9]' <<<"$1"
}

# lib_wait_crd_established NAME: polls up to 60 s (kubectl wait fails at once while a new CRD has no
# conditions yet).
lib_wait_crd_established() {
  local deadline=$((SECONDS + 60))
  until [[ "$(kubectl get crd "$1" -o jsonpath='{.status.conditions[?(@.type=="Established")].status}' 2>/dev/null)" == True ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# The release namespace is created up front (the dry runs need it); the chart excludes it from the
# webhook by the kubernetes.io/metadata.name label the API server sets on every namespace.
lib_create_release_namespace() {
  kubectl create namespace "$RELEASE_NAMESPACE" >/dev/null
}

# Creates the namespaces the examples/ manifests name (those that do not exist yet).
lib_create_example_namespaces() {
  local ns namespaces
  mapfile -t namespaces < <("$PYTHON" -c '
import glob, sys, yaml
names = set()
for path in glob.glob(sys.argv[1] + "/examples/**/*.yaml", recursive=True):
    for d in yaml.safe_load_all(open(path)):
        if isinstance(d, dict) and d.get("metadata", {}).get("namespace"):
            names.add(d["metadata"]["namespace"])
print("\n".join(sorted(names)))
' "$REPO")
  for ns in "${namespaces[@]}"; do
    [[ -n "$ns" ]] || continue
    kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns" >/dev/null
  done
  for ns in "${namespaces[@]}"; do
    [[ -n "$ns" ]] || continue
    lib_wait_for 60 "ServiceAccount ${ns}/default" lib_service_account_exists "$ns" default || return 1
  done
}

# lib_service_account_exists NS SA: kube-controller-manager creates every namespace's default
# ServiceAccount shortly after the namespace; until then the ServiceAccount admission plugin refuses
# every Pod in the namespace before any webhook sees it.
lib_service_account_exists() {
  kubectl -n "$1" get serviceaccount "$2" -o name >/dev/null 2>&1
}

# ---------------------------------------------------------------------------
# Credentials of the chart's ServiceAccounts

# lib_write_sa_kubeconfig SA FILE: a kubeconfig authenticating as ServiceAccount SA of the release.
lib_write_sa_kubeconfig() {
  local sa="$1" file="$2" token
  lib_wait_for 60 "ServiceAccount ${RELEASE_NAMESPACE}/${sa}" lib_service_account_exists "$RELEASE_NAMESPACE" "$sa" ||
    return 1
  # A bound token from the TokenRequest API, valid for the rest of the suite.
  token="$(kubectl -n "$RELEASE_NAMESPACE" create token "$sa" --duration=2h)" || return 1
  (
    umask 077
    cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: ${AGENTGUARD_APISERVER_URL}
    certificate-authority-data: $(base64 -w0 <"$AGENTGUARD_APISERVER_CA")
users:
- name: ${sa}
  user:
    token: ${token}
contexts:
- name: ${sa}
  context:
    cluster: local
    user: ${sa}
    namespace: ${RELEASE_NAMESPACE}
current-context: ${sa}
EOF
  )
}

# lib_extract_tls DIR: the webhook's serving certificate, key and CA from its Secret (made by cert-manager,
# or by the webhook itself in self-signed mode).
lib_extract_tls() {
  local dir="$1" secret key
  secret="$(lib_fullname)-webhook-tls"
  mkdir -p "$dir"
  for key in tls.crt tls.key ca.crt; do
    (
      umask 077
      kubectl -n "$RELEASE_NAMESPACE" get secret "$secret" -o "go-template={{index .data \"${key}\"}}" |
        base64 -d >"${dir}/${key}.new"
    ) || return 1
    [[ -s "${dir}/${key}.new" ]] || return 1
    mv -f "${dir}/${key}.new" "${dir}/${key}"
  done
}

# lib_extract_policies DIR: the policy files of the chart's ConfigMap, as the pod would see them;
# prints how many.
lib_extract_policies() { lib_extract_configmap policies "$1"; }

# lib_extract_configmap COMPONENT DIR: the files of the chart's ConfigMap <fullname>-COMPONENT, as a
# pod mounting it would see them; prints how many.
lib_extract_configmap() {
  local component="$1" dir="$2"
  rm -rf "$dir"
  mkdir -p "$dir"
  kubectl -n "$RELEASE_NAMESPACE" get configmap "$(lib_fullname)-${component}" -o json |
    "$PYTHON" -c '
import json, os, sys
data = json.load(sys.stdin).get("data") or {}
for name, text in data.items():
    with open(os.path.join(sys.argv[1], name), "w") as f:
        f.write(text)
print(len(data))
' "$dir"
}

# lib_deployment_args NAME: the container args of Deployment RELEASE_NAMESPACE/NAME, one a line.
lib_deployment_args() {
  kubectl -n "$RELEASE_NAMESPACE" get deployment "$1" -o json |
    "$PYTHON" -c 'import json, sys; print("\n".join(json.load(sys.stdin)["spec"]["template"]["spec"]["containers"][0].get("args", [])))'
}

# lib_localize_args FROM=TO...: reads args (one a line) on stdin and rewrites each that equals FROM or
# starts with FROM followed by "/" (a path) to TO; prints them one a line.
lib_localize_args() {
  "$PYTHON" -c '
import sys
pairs = [a.split("=", 1) for a in sys.argv[1:]]
for line in sys.stdin.read().splitlines():
    for old, new in pairs:
        if line == old:
            line = new
            break
        if line.startswith(old + "/"):
            line = new + line[len(old):]
            break
    print(line)
' "$@"
}

# ---------------------------------------------------------------------------
# agentguard-webhook and agentguard-operator as local processes, started with the args the chart
# gives their Deployments (addresses and mounted paths made local) and the ServiceAccount's kubeconfig.

WEBHOOK_PORT="" WEBHOOK_METRICS_PORT="" OPERATOR_HEALTH_PORT="" OPERATOR_METRICS_PORT=""

lib_require_binaries() {
  local missing=() name
  for name in agentguard-webhook agentguard-operator; do
    [[ -x "${BIN_DIR}/${name}" ]] || missing+=("${BIN_DIR}/${name}")
  done
  if ((${#missing[@]} > 0)); then
    printf 'missing %s: build them first (scripts/build.sh, or cmake --build BUILD_DIR)\n' "${missing[*]}" >&2
    return 1
  fi
}

lib_start_webhook() {
  local fullname args=() line
  fullname="$(lib_fullname)"
  lib_write_sa_kubeconfig "${fullname}-webhook" "${STATE_DIR}/webhook.kubeconfig" || return 1
  # Self-signed mode: the webhook reads the Secret, or generates it on its first start, and writes the files
  # here itself; a Secret already there is copied so the files match it from the start.
  mkdir -p "${STATE_DIR}/webhook-tls"
  lib_extract_tls "${STATE_DIR}/webhook-tls" 2>/dev/null || true
  lib_extract_policies "${STATE_DIR}/policies" >/dev/null || return 1
  lib_extract_configmap registration "${STATE_DIR}/registration" >/dev/null || return 1
  while IFS= read -r line; do
    args+=("$line")
  done < <(lib_deployment_args "${fullname}-webhook" | lib_localize_args \
    "/etc/agentguard/tls=${STATE_DIR}/webhook-tls" \
    "/etc/agentguard/policies=${STATE_DIR}/policies" \
    "/etc/agentguard/registration=${STATE_DIR}/registration" \
    "0.0.0.0:8443=127.0.0.1:${WEBHOOK_PORT}" \
    "0.0.0.0:9090=127.0.0.1:${WEBHOOK_METRICS_PORT}")
  ((${#args[@]} > 0)) || return 1
  lib_start_process webhook "${BIN_DIR}/agentguard-webhook" "${args[@]}" --kubeconfig "${STATE_DIR}/webhook.kubeconfig"
  lib_wait_for 60 "agentguard-webhook /readyz on 127.0.0.1:${WEBHOOK_PORT}" lib_webhook_ready || {
    lib_owns_process webhook || echo "agentguard-webhook exited" >&2
    tail -n 30 "${STATE_DIR}/logs/webhook.log" >&2 || true
    return 1
  }
  # Ready, it registers itself a moment later (one --reload-interval at most): until then the API
  # server sends it nothing, so wait for the registration before anything is applied.
  lib_wait_for 30 "the webhook's registration" \
    kubectl get validatingwebhookconfiguration "${fullname}-webhook" || {
    tail -n 30 "${STATE_DIR}/logs/webhook.log" >&2 || true
    return 1
  }
}

lib_webhook_ready() {
  lib_owns_process webhook &&
    [[ "$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 --cacert "${STATE_DIR}/webhook-tls/ca.crt" \
      "https://127.0.0.1:${WEBHOOK_PORT}/readyz")" == 200 ]]
}

lib_start_operator() {
  local fullname args=() line
  fullname="$(lib_fullname)"
  lib_write_sa_kubeconfig "${fullname}-operator" "${STATE_DIR}/operator.kubeconfig" || return 1
  # The background audit reads the webhook's policies, as the chart mounts them into both.
  [[ -d "${STATE_DIR}/policies" ]] || lib_extract_policies "${STATE_DIR}/policies" >/dev/null || return 1
  while IFS= read -r line; do
    args+=("$line")
  done < <(lib_deployment_args "${fullname}-operator" | lib_localize_args \
    "/etc/agentguard/policies=${STATE_DIR}/policies" \
    "0.0.0.0:8081=127.0.0.1:${OPERATOR_HEALTH_PORT}" \
    "0.0.0.0:9090=127.0.0.1:${OPERATOR_METRICS_PORT}")
  ((${#args[@]} > 0)) || return 1
  lib_start_process operator "${BIN_DIR}/agentguard-operator" "${args[@]}" --kubeconfig "${STATE_DIR}/operator.kubeconfig"
  lib_wait_for 60 "agentguard-operator /readyz on 127.0.0.1:${OPERATOR_HEALTH_PORT}" lib_operator_ready || {
    lib_owns_process operator || echo "agentguard-operator exited" >&2
    tail -n 30 "${STATE_DIR}/logs/operator.log" >&2 || true
    return 1
  }
}

lib_operator_ready() {
  lib_owns_process operator &&
    [[ "$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:${OPERATOR_HEALTH_PORT}/readyz")" == 200 ]]
}

lib_pick_component_ports() {
  read -r WEBHOOK_PORT WEBHOOK_METRICS_PORT OPERATOR_HEALTH_PORT OPERATOR_METRICS_PORT < <(lib_free_ports 4)
}

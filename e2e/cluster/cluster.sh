#!/usr/bin/env bash
# A local Kubernetes control plane on loopback for tests, the demo and CI:
# etcd, kube-apiserver and kube-controller-manager (the Kubernetes release of
# e2e/node/versions.sh), no kubelet (pods stay Pending). Several clusters can run
# side by side, each with its own state directory and ports.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
# shellcheck source=SCRIPTDIR/lib.sh
source "${SCRIPT_DIR}/lib.sh"

usage() {
  cat <<EOF
Usage: $(basename "$0") COMMAND [OPTIONS]

With --node, every command goes to e2e/node/node.sh: a one-node cluster of a
current Kubernetes with containerd, gVisor, CNI, kube-network-policies and CoreDNS
(see e2e/node/README.md). down and status find a node cluster by its DIR.

Commands:
  install             Install missing Debian packages and build (or reuse the
                      cached) Kubernetes binaries (e2e/node/build-go.sh kubernetes).
  up                  Start a cluster; prints "export KUBECONFIG=..." on stdout.
  down                Stop the cluster and remove its state directory.
  restart-apiserver   Stop and start kube-apiserver alone (same port and flags).
  status              Show the cluster's processes and readiness.

Options:
  --state-dir DIR     State directory (default: \${TMPDIR:-/tmp}/agentguard-cluster-\$USER).
                      DIR/env and DIR/kubeconfig are written there.
  --timeout SECONDS   How long each readiness wait of up/restart-apiserver may
                      take (default 120).
  --owner-pid PID     (up) Run 'down' by itself once process PID has exited.
  --install           (up) Run 'install' first when the binaries are missing.

DIR/env (shell-sourceable) sets KUBECONFIG, AGENTGUARD_KUBECONFIG,
AGENTGUARD_APISERVER_URL, AGENTGUARD_APISERVER_CA, AGENTGUARD_ADMIN_TOKEN,
AGENTGUARD_CLUSTER_CA_KEY, AGENTGUARD_CLUSTER_STATE_DIR, AGENTGUARD_KUBE_VERSION,
AGENTGUARD_KUBECTL (the kubectl of that release; its directory is also put first
on PATH), AGENTGUARD_{ETCD,ETCD_PEER,APISERVER,CONTROLLER_MANAGER}_PORT and
AGENTGUARD_{ETCD,APISERVER,CONTROLLER_MANAGER}_PID.
EOF
}

readonly COMPONENTS=(etcd kube-apiserver kube-controller-manager)
readonly SERVICE_CLUSTER_IP_RANGE=10.96.0.0/24
readonly MARKER=.agentguard-cluster

STATE_DIR=""
TIMEOUT=120
OWNER_PID=""
OWNER_START=""
UP_SUCCEEDED=0
AUTO_INSTALL=0

# Paths inside the state directory; set by set_paths.
PKI="" LOGS="" RUN="" ENV_FILE="" KUBECONFIG_FILE="" KCM_KUBECONFIG=""
AUTH_HEADER=""

set_paths() {
  PKI="${STATE_DIR}/pki"
  LOGS="${STATE_DIR}/logs"
  RUN="${STATE_DIR}/run"
  ENV_FILE="${STATE_DIR}/env"
  KUBECONFIG_FILE="${STATE_DIR}/kubeconfig"
  KCM_KUBECONFIG="${STATE_DIR}/controller-manager.kubeconfig"
  AUTH_HEADER="${RUN}/admin-auth-header"
}

parse_options() {
  local command="$1"
  shift
  while (($# > 0)); do
    case "$1" in
      --state-dir)
        (($# >= 2)) || die "--state-dir needs a directory"
        STATE_DIR="$2"
        shift 2
        ;;
      --state-dir=*)
        STATE_DIR="${1#*=}"
        shift
        ;;
      --timeout)
        (($# >= 2)) || die "--timeout needs a number of seconds"
        TIMEOUT="$2"
        shift 2
        ;;
      --owner-pid)
        [[ "$command" == up || "$command" == _watch ]] || die "--owner-pid is only for 'up'"
        (($# >= 2)) || die "--owner-pid needs a process id"
        OWNER_PID="$2"
        shift 2
        ;;
      --owner-start)
        [[ "$command" == _watch ]] || die "unknown option for '${command}': $1 (see --help)"
        OWNER_START="$2"
        shift 2
        ;;
      --install)
        [[ "$command" == up ]] || die "--install is only for 'up'"
        AUTO_INSTALL=1
        shift
        ;;
      -h | --help)
        usage
        exit 0
        ;;
      *)
        die "unknown option for '${command}': $1 (see --help)"
        ;;
    esac
  done
  [[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout must be a number of seconds, got '${TIMEOUT}'"
  [[ -z "$OWNER_PID" || "$OWNER_PID" =~ ^[0-9]+$ ]] || die "--owner-pid must be a process id, got '${OWNER_PID}'"
  if [[ -z "$STATE_DIR" ]]; then
    STATE_DIR="${TMPDIR:-/tmp}/agentguard-cluster-${USER:-$(id -un)}"
  fi
  [[ "$STATE_DIR" == /* ]] || STATE_DIR="${PWD}/${STATE_DIR}"
  STATE_DIR="${STATE_DIR%/}"
  # The path ends up in flags, kubeconfigs and the env file: keep it plain.
  [[ "$STATE_DIR" =~ ^/[A-Za-z0-9._/+@:,=-]+$ ]] ||
    die "state directory '${STATE_DIR}' must be a path of letters, digits and ._/+@:,=- only"
  set_paths
}

# ---------------------------------------------------------------------------
# Processes: every process started is recorded with its pid and its start time
# (from /proc/PID/stat), and is only signalled while both still match and its
# command line names this state directory, so a reused pid is never touched.

proc_start_time() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  # After the command name: state is field 1, start time field 20.
  local fields
  read -r -a fields <<<"$stat"
  [[ "${fields[0]}" != Z ]] || return 1
  printf '%s\n' "${fields[19]}"
}

# True if the process recorded under NAME is still the one we started.
owns_process() {
  local name="$1" pid start now cmdline
  [[ -f "${RUN}/${name}.pid" ]] || return 1
  read -r pid start <"${RUN}/${name}.pid" || return 1
  [[ -n "$pid" && -n "$start" ]] || return 1
  now="$(proc_start_time "$pid")" || return 1
  [[ "$now" == "$start" ]] || return 1
  cmdline="$({ tr '\0' ' ' <"/proc/${pid}/cmdline"; } 2>/dev/null)" || return 1
  # The command line reads empty while the process is inside execve (between
  # setsid and the component): the pid and start time already match, so it is
  # still the process we started.
  [[ -n "$cmdline" ]] || return 0
  [[ "$cmdline " == *"${STATE_DIR}/"* || "$cmdline " == *" ${STATE_DIR} "* ]]
}

# Sets EXIT_DESCRIPTION to how the process recorded under NAME ended if this
# shell started it (e.g. "exit status 1", "killed by signal TERM"), else to "".
# Not for use in a command substitution: a subshell cannot wait for it.
describe_exit() {
  EXIT_DESCRIPTION=""
  local pid status
  pid="$(recorded_pid "$1")" || return 0
  kill -0 "$pid" 2>/dev/null && return 0
  wait "$pid" 2>/dev/null && status=0 || status=$?
  # 127: not a child of this shell.
  if ((status == 127)); then
    return 0
  elif ((status > 128)); then
    EXIT_DESCRIPTION="killed by signal $(kill -l "$((status - 128))" 2>/dev/null || echo "$((status - 128))")"
  else
    EXIT_DESCRIPTION="exit status ${status}"
  fi
}

recorded_pid() {
  local pid _start
  { read -r pid _start <"${RUN}/$1.pid"; } 2>/dev/null || return 1
  printf '%s\n' "$pid"
}

# start_process NAME COMMAND...: starts COMMAND in its own session, detached
# from the caller's terminal and file descriptors, logging to LOGS/NAME.log.
start_process() {
  local name="$1"
  shift
  local log="${LOGS}/${name}.log"
  printf '\n==== %s starting %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" >>"$log"
  setsid "$@" </dev/null >>"$log" 2>&1 6>&- 8>&- 9>&- &
  local pid=$! start
  start="$(proc_start_time "$pid")" || start=gone
  printf '%s %s\n' "$pid" "$start" >"${RUN}/${name}.pid"
}

# stop_process NAME [GRACE_SECONDS]: TERM, then KILL after the grace period.
stop_process() {
  local name="$1" grace="${2:-15}" pid i
  if owns_process "$name"; then
    pid="$(recorded_pid "$name")"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
      owns_process "$name" || break
      sleep 0.1
    done
    if owns_process "$name"; then
      log "${name} (pid ${pid}) still running ${grace}s after TERM; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do
        owns_process "$name" || break
        sleep 0.1
      done
      ! owns_process "$name" || die "could not stop ${name} (pid ${pid})"
    fi
  fi
  rm -f "${RUN}/${name}.pid"
}

stop_all() {
  # The watchdog stops the cluster itself when its owner exits; never signal
  # ourselves in that case.
  if [[ "$(recorded_pid watchdog 2>/dev/null || true)" != "$$" ]]; then
    stop_process watchdog 5
  fi
  stop_process kube-controller-manager 15
  stop_process kube-apiserver 15
  stop_process etcd 15
}

# ---------------------------------------------------------------------------
# Ports

# Prints COUNT distinct free loopback ports, chosen at random below the
# kernel's ephemeral range (so outgoing connections do not take them later).
pick_ports() {
  local count="$1" low high
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
  high=$((low > 20000 ? low : 32768))
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$count" 15000 "$high" <<'PY'
import random, socket, sys
count, low, high = (int(a) for a in sys.argv[1:4])
chosen = []
for _ in range(1000):
    if len(chosen) == count:
        break
    port = random.randrange(low, high)
    if port in chosen:
        continue
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        s.listen(1)
    except OSError:
        continue
    finally:
        s.close()
    chosen.append(port)
if len(chosen) != count:
    sys.exit("no free ports found")
print(" ".join(map(str, chosen)))
PY
  else
    local chosen=() port tries=0
    while ((${#chosen[@]} < count && tries < 1000)); do
      tries=$((tries + 1))
      port=$((15000 + RANDOM % (high - 15000)))
      [[ " ${chosen[*]} " != *" ${port} "* ]] || continue
      # Nothing answering is taken as free.
      if ! (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then
        chosen+=("$port")
      fi
    done
    ((${#chosen[@]} == count)) || die "no free ports found"
    printf '%s\n' "${chosen[*]}"
  fi
}

# ---------------------------------------------------------------------------
# Certificates, tokens, kubeconfigs

generate_pki() {
  mkdir -p "$PKI"
  local ossl_log="${LOGS}/openssl.log"
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
      -keyout "${PKI}/ca.key" -out "${PKI}/ca.crt" \
      -subj "/CN=agentguard-local-ca" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"
    openssl req -new -newkey rsa:2048 -nodes \
      -keyout "${PKI}/apiserver.key" -out "${PKI}/apiserver.csr" \
      -subj "/CN=kube-apiserver"
    cat >"${PKI}/apiserver.ext" <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EOF
    openssl x509 -req -days 3650 -in "${PKI}/apiserver.csr" \
      -CA "${PKI}/ca.crt" -CAkey "${PKI}/ca.key" \
      -set_serial "0x$(openssl rand -hex 8)" \
      -extfile "${PKI}/apiserver.ext" -out "${PKI}/apiserver.crt"
    openssl genrsa -out "${PKI}/sa.key" 2048
    openssl rsa -in "${PKI}/sa.key" -pubout -out "${PKI}/sa.pub"
  } >"$ossl_log" 2>&1 || {
    show_log_tail "$ossl_log" 20
    die "openssl could not create the cluster's certificates"
  }
  chmod 600 "${PKI}"/*.key
}

write_kubeconfig() {
  local file="$1" user="$2" token="$3" server="$4" ca_data
  ca_data="$(base64 -w0 <"${PKI}/ca.crt")"
  (
    umask 077
    cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: agentguard-local
  cluster:
    server: ${server}
    certificate-authority-data: ${ca_data}
users:
- name: ${user}
  user:
    token: ${token}
contexts:
- name: agentguard-local
  context:
    cluster: agentguard-local
    user: ${user}
    namespace: default
current-context: agentguard-local
EOF
  )
}

# Writes DIR/env from the current settings (ports, tokens, pids).
write_env() {
  local tmp="${ENV_FILE}.tmp"
  (
    umask 077
    cat >"$tmp" <<EOF
# Local Kubernetes control plane started by e2e/cluster/cluster.sh; source this file.
export KUBECONFIG='${KUBECONFIG_FILE}'
export AGENTGUARD_KUBECONFIG='${KUBECONFIG_FILE}'
export AGENTGUARD_APISERVER_URL='https://127.0.0.1:${APISERVER_PORT}'
export AGENTGUARD_APISERVER_CA='${PKI}/ca.crt'
export AGENTGUARD_ADMIN_TOKEN='${ADMIN_TOKEN}'
export AGENTGUARD_CLUSTER_CA_KEY='${PKI}/ca.key'
export AGENTGUARD_CLUSTER_STATE_DIR='${STATE_DIR}'
export AGENTGUARD_KUBE_VERSION='${KUBE_VERSION}'
export AGENTGUARD_KUBECTL='${BIN_DIR}/kubectl'
export PATH='${BIN_DIR}':"\${PATH}"
export AGENTGUARD_ETCD_PORT='${ETCD_PORT}'
export AGENTGUARD_ETCD_PEER_PORT='${ETCD_PEER_PORT}'
export AGENTGUARD_APISERVER_PORT='${APISERVER_PORT}'
export AGENTGUARD_CONTROLLER_MANAGER_PORT='${KCM_PORT}'
export AGENTGUARD_ETCD_PID='$(recorded_pid etcd || true)'
export AGENTGUARD_APISERVER_PID='$(recorded_pid kube-apiserver || true)'
export AGENTGUARD_CONTROLLER_MANAGER_PID='$(recorded_pid kube-controller-manager || true)'
EOF
  )
  mv -f "$tmp" "$ENV_FILE"
}

# Reads the settings of a running cluster back from DIR/env.
load_env() {
  [[ -f "$ENV_FILE" ]] || die "no cluster in ${STATE_DIR} (${ENV_FILE} is missing); start one with: $0 up --state-dir ${STATE_DIR}"
  # shellcheck disable=SC1090
  source "$ENV_FILE"
  ETCD_PORT="$AGENTGUARD_ETCD_PORT"
  ETCD_PEER_PORT="$AGENTGUARD_ETCD_PEER_PORT"
  APISERVER_PORT="$AGENTGUARD_APISERVER_PORT"
  KCM_PORT="$AGENTGUARD_CONTROLLER_MANAGER_PORT"
  ADMIN_TOKEN="$AGENTGUARD_ADMIN_TOKEN"
}

# ---------------------------------------------------------------------------
# Components

ETCD_PORT="" ETCD_PEER_PORT="" APISERVER_PORT="" KCM_PORT="" ADMIN_TOKEN="" KCM_TOKEN=""
BIN_DIR=""

find_binaries() {
  BIN_DIR="$(kube_bin_dir)"
  local missing=() name
  for name in kube-apiserver kube-controller-manager kubectl; do
    [[ -x "${BIN_DIR}/${name}" ]] || missing+=("$name")
  done
  if ((${#missing[@]} == 0)) && ! kube_build_complete; then
    missing+=("the completed build of Kubernetes ${KUBE_VERSION}")
  fi
  command -v etcd >/dev/null 2>&1 || missing+=(etcd)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  if ((${#missing[@]} > 0)) && ((AUTO_INSTALL)); then
    log "Missing ${missing[*]}; running install"
    "${SCRIPT_DIR}/install.sh"
    AUTO_INSTALL=0
    find_binaries
    return
  fi
  if ((${#missing[@]} > 0)) && [[ -n "${AGENTGUARD_KUBE_BIN_DIR:-}" ]]; then
    die "missing ${missing[*]} (Kubernetes binaries are looked for in AGENTGUARD_KUBE_BIN_DIR=${BIN_DIR}, the others on PATH)"
  fi
  ((${#missing[@]} == 0)) ||
    die "missing ${missing[*]} (Kubernetes binaries are looked for in ${BIN_DIR}, the others on PATH); run: ${SCRIPT_DIR}/cluster.sh install"
  check_binaries_version
}

# The flags below are those of KUBE_VERSION: binaries from AGENTGUARD_KUBE_BIN_DIR must be of that release.
check_binaries_version() {
  [[ -n "${AGENTGUARD_KUBE_BIN_DIR:-}" ]] || return 0
  local reported
  reported="$("${BIN_DIR}/kube-apiserver" --version 2>&1)" || true
  [[ "$reported" == "Kubernetes ${KUBE_VERSION}" ]] ||
    die "AGENTGUARD_KUBE_BIN_DIR=${BIN_DIR}: kube-apiserver reports '${reported}', the control plane runs Kubernetes ${KUBE_VERSION}"
}

start_etcd() {
  start_process etcd "$(command -v etcd)" \
    --name=agentguard \
    --data-dir="${STATE_DIR}/etcd" \
    --listen-client-urls="http://127.0.0.1:${ETCD_PORT}" \
    --advertise-client-urls="http://127.0.0.1:${ETCD_PORT}" \
    --listen-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-advertise-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-cluster="agentguard=http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-cluster-state=new \
    --logger=zap --log-outputs=stderr --log-level=warn
}

start_apiserver() {
  # Admission: the release's default plugins (among them ServiceAccount, PodSecurity, ResourceQuota,
  # ValidatingAdmissionPolicy and both admission webhooks).
  # WatchList off: with it a watch from "now" that allows bookmarks becomes a watch-list stream, which
  # needs etcd's progress notifications (RequestWatchProgress); Debian's etcd 3.4.23 has none, and the
  # server answers every such watch with a 500 (client-go then falls back to list+watch, other clients
  # fail). Off, such a watch has its classic semantics: synthetic ADDED events, then changes.
  start_process kube-apiserver "${BIN_DIR}/kube-apiserver" \
    --feature-gates=WatchList=false \
    --etcd-servers="http://127.0.0.1:${ETCD_PORT}" \
    --bind-address=127.0.0.1 \
    --advertise-address=127.0.0.1 \
    --secure-port="${APISERVER_PORT}" \
    --cert-dir="${PKI}/apiserver-generated" \
    --tls-cert-file="${PKI}/apiserver.crt" \
    --tls-private-key-file="${PKI}/apiserver.key" \
    --client-ca-file="${PKI}/ca.crt" \
    --token-auth-file="${PKI}/tokens.csv" \
    --authorization-mode=Node,RBAC \
    --service-account-key-file="${PKI}/sa.pub" \
    --service-account-signing-key-file="${PKI}/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range="${SERVICE_CLUSTER_IP_RANGE}" \
    --endpoint-reconciler-type=none \
    --allow-privileged=true \
    --profiling=false \
    --v=1
}

start_controller_manager() {
  start_process kube-controller-manager "${BIN_DIR}/kube-controller-manager" \
    --kubeconfig="${KCM_KUBECONFIG}" \
    --authentication-kubeconfig="${KCM_KUBECONFIG}" \
    --authorization-kubeconfig="${KCM_KUBECONFIG}" \
    --bind-address=127.0.0.1 \
    --secure-port="${KCM_PORT}" \
    --cert-dir="${PKI}/controller-manager-generated" \
    --service-account-private-key-file="${PKI}/sa.key" \
    --root-ca-file="${PKI}/ca.crt" \
    --cluster-signing-cert-file="${PKI}/ca.crt" \
    --cluster-signing-key-file="${PKI}/ca.key" \
    --use-service-account-credentials=false \
    --leader-elect=false \
    --cluster-name=agentguard-local \
    --profiling=false \
    --v=1
}

# http_status URL [CURL_ARGS...]: prints the HTTP status (000 if no answer).
http_status() {
  local url="$1"
  shift
  curl -sS -o /dev/null -w '%{http_code}' --max-time 3 "$@" "$url" 2>/dev/null || true
}

etcd_ready() {
  [[ "$(curl -sS --max-time 3 "http://127.0.0.1:${ETCD_PORT}/health" 2>/dev/null || true)" == *'"health":"true"'* ]]
}

apiserver_listening() {
  (exec 3<>"/dev/tcp/127.0.0.1/${APISERVER_PORT}") 2>/dev/null
}

apiserver_ready() {
  [[ "$(http_status "https://127.0.0.1:${APISERVER_PORT}/readyz" \
    --cacert "${PKI}/ca.crt" -H "@${AUTH_HEADER}")" == 200 ]]
}

controller_manager_ready() {
  [[ "$(http_status "https://127.0.0.1:${KCM_PORT}/healthz" --insecure)" == 200 ]]
}

# The default ServiceAccount exists (kube-controller-manager creates it), so pods
# can be created in the default namespace.
default_service_account_ready() {
  [[ "$(http_status "https://127.0.0.1:${APISERVER_PORT}/api/v1/namespaces/default/serviceaccounts/default" \
    --cacert "${PKI}/ca.crt" -H "@${AUTH_HEADER}")" == 200 ]]
}

FAILED_COMPONENT=""

# wait_until DESCRIPTION CHECK_FUNCTION COMPONENTS...: polls CHECK_FUNCTION
# until it succeeds, the deadline passes or one of COMPONENTS exits.
wait_until() {
  local what="$1" check="$2" deadline=$((SECONDS + TIMEOUT)) name
  shift 2
  local begun="$EPOCHREALTIME"
  while ! "$check"; do
    for name in "$@"; do
      if ! owns_process "$name"; then
        FAILED_COMPONENT="$name"
        describe_exit "$name"
        log "${name} exited${EXIT_DESCRIPTION:+ (${EXIT_DESCRIPTION})} while waiting for: ${what}"
        return 1
      fi
    done
    if ((SECONDS >= deadline)); then
      FAILED_COMPONENT="${1:-}"
      log "Timed out after ${TIMEOUT}s waiting for: ${what}"
      return 1
    fi
    sleep 0.2
  done
  log "Ready: ${what} ($(elapsed_since "$begun"))"
}

# Prints the time since EPOCHREALTIME value $1, e.g. "1.25s".
elapsed_since() {
  local now="${EPOCHREALTIME/./}" then="${1/./}"
  local ms=$(((now - then) / 1000))
  printf '%d.%02ds' $((ms / 1000)) $((ms % 1000 / 10))
}

# True if the failed component's log says one of our ports was taken.
port_conflict() {
  [[ -n "$FAILED_COMPONENT" ]] &&
    grep -q 'address already in use' "${LOGS}/${FAILED_COMPONENT}.log" 2>/dev/null
}

# Starts all three components; on failure returns 2 for a port conflict (worth
# a retry with other ports) or 1 otherwise.
start_components() {
  FAILED_COMPONENT=""
  local all=(kube-controller-manager kube-apiserver etcd)
  take_port_lock
  read -r ETCD_PORT ETCD_PEER_PORT APISERVER_PORT < <(pick_ports 3)
  [[ -n "$APISERVER_PORT" ]] || die "could not pick free ports"
  local server="https://127.0.0.1:${APISERVER_PORT}"
  write_kubeconfig "$KUBECONFIG_FILE" agentguard-admin "$ADMIN_TOKEN" "$server"
  write_kubeconfig "$KCM_KUBECONFIG" system:kube-controller-manager "$KCM_TOKEN" "$server"
  log "Starting etcd :${ETCD_PORT} and kube-apiserver :${APISERVER_PORT} in ${STATE_DIR}"
  start_etcd
  wait_until "etcd to report healthy" etcd_ready etcd || return "$(failure_code)"
  start_apiserver
  wait_until "kube-apiserver listening" apiserver_listening kube-apiserver etcd || return "$(failure_code)"
  release_port_lock
  wait_until "kube-apiserver /readyz" apiserver_ready kube-apiserver etcd || return "$(failure_code)"

  take_port_lock
  read -r KCM_PORT < <(pick_ports 1)
  [[ -n "$KCM_PORT" ]] || die "could not pick a free port"
  log "Starting kube-controller-manager :${KCM_PORT}"
  start_controller_manager
  wait_until "kube-controller-manager /healthz" controller_manager_ready "${all[@]}" || return "$(failure_code)"
  release_port_lock
  wait_until "ServiceAccount default/default" default_service_account_ready "${all[@]}"
}

# Ports are chosen and bound under a machine-wide lock so that two clusters
# starting at the same time cannot pick the same ones. Held only until the
# components listen; descriptor 8 is closed in every process started.
take_port_lock() {
  local lock="${TMPDIR:-/tmp}/agentguard-cluster-ports.lock"
  exec 8>"$lock"
  flock -w 300 8 || die "could not take the port lock ${lock} within 300s"
}

release_port_lock() {
  exec 8>&-
}

# 2 if the failed component's log says its port was taken (worth a retry with
# other ports), else 1.
failure_code() {
  if port_conflict; then echo 2; else echo 1; fi
}

report_failure() {
  local name
  for name in "${COMPONENTS[@]}"; do
    if [[ "$name" == "$FAILED_COMPONENT" ]]; then
      show_log_tail "${LOGS}/${name}.log" 40
    elif [[ -s "${LOGS}/${name}.log" ]]; then
      show_log_tail "${LOGS}/${name}.log" 5
    fi
  done
}

# The state directory is ours if it carries the marker file up writes.
owned_state_dir() {
  [[ -f "${STATE_DIR}/${MARKER}" ]]
}

any_component_running() {
  local name
  for name in "${COMPONENTS[@]}"; do
    owns_process "$name" && return 0
  done
  return 1
}

start_watchdog() {
  local owner_start
  owner_start="$(proc_start_time "$OWNER_PID")" || die "--owner-pid ${OWNER_PID}: no such process"
  start_process watchdog bash "${SCRIPT_DIR}/cluster.sh" _watch \
    --state-dir "$STATE_DIR" --owner-pid "$OWNER_PID" --owner-start "$owner_start"
}

# ---------------------------------------------------------------------------
# Commands

cleanup_failed_up() {
  ((UP_SUCCEEDED == 0)) || return 0
  stop_all || true
  if [[ "${AGENTGUARD_CLUSTER_KEEP_FAILED:-}" == 1 ]]; then
    log "Kept ${STATE_DIR} for inspection (AGENTGUARD_CLUSTER_KEEP_FAILED=1)"
  else
    rm -rf "$STATE_DIR"
  fi
}

cmd_up() {
  if [[ -e "$STATE_DIR" ]]; then
    if owned_state_dir && [[ -f "$ENV_FILE" ]] && any_component_running; then
      load_env
      if apiserver_ready; then
        log "Cluster already running in ${STATE_DIR}"
        printf 'export KUBECONFIG=%s\n' "$KUBECONFIG_FILE"
        return 0
      fi
      log "Cluster in ${STATE_DIR} is not healthy; restarting it"
    fi
    if owned_state_dir; then
      stop_all
      rm -rf "$STATE_DIR"
    elif [[ -n "$(ls -A "$STATE_DIR" 2>/dev/null)" ]]; then
      die "${STATE_DIR} exists, is not empty and was not made by this script; choose another --state-dir"
    fi
  fi
  find_binaries
  mkdir -p "$STATE_DIR"
  chmod 700 "$STATE_DIR"
  : >"${STATE_DIR}/${MARKER}"
  mkdir -p "$LOGS" "$RUN"

  local started="$EPOCHREALTIME"
  # On any failure from here on, stop what was started and remove the state.
  UP_SUCCEEDED=0
  trap cleanup_failed_up EXIT

  generate_pki
  ADMIN_TOKEN="$(openssl rand -hex 32)"
  # kube-controller-manager runs all controllers with its own token in
  # system:masters rather than one ServiceAccount per controller: they start
  # without first waiting for a token each (about 3 s less per start).
  KCM_TOKEN="$(openssl rand -hex 32)"
  (
    umask 077
    cat >"${PKI}/tokens.csv" <<EOF
${ADMIN_TOKEN},agentguard-admin,agentguard-admin,"system:masters"
${KCM_TOKEN},system:kube-controller-manager,system:kube-controller-manager,"system:masters"
EOF
    printf 'Authorization: Bearer %s\n' "$ADMIN_TOKEN" >"$AUTH_HEADER"
  )

  local attempt rc=1
  for attempt in 1 2 3; do
    rc=0
    start_components || rc=$?
    release_port_lock
    ((rc == 2)) || break
    log "A port was taken meanwhile (attempt ${attempt}); retrying with other ports"
    stop_all
    rm -rf "${STATE_DIR}/etcd"
  done
  if ((rc != 0)); then
    report_failure
    die "the local cluster did not come up (state dir ${STATE_DIR}); see the log above"
  fi
  write_env
  if [[ -n "$OWNER_PID" ]]; then
    start_watchdog
  fi
  UP_SUCCEEDED=1
  trap - EXIT
  log "Cluster ready in $(elapsed_since "$started"): https://127.0.0.1:${APISERVER_PORT} (Kubernetes ${KUBE_VERSION}); env: ${ENV_FILE}"
  printf 'export KUBECONFIG=%s\n' "$KUBECONFIG_FILE"
}

# Serializes down, restart-apiserver and the watchdog on one state directory
# (a lock on the directory itself, held on descriptor 6).
lock_state_dir() {
  exec 6<"$STATE_DIR" || return 1
  flock -w 120 6 || die "another command on ${STATE_DIR} holds its lock"
}

cmd_down() {
  if [[ ! -e "$STATE_DIR" ]] || ! lock_state_dir 2>/dev/null; then
    log "No cluster in ${STATE_DIR}; nothing to stop"
    return 0
  fi
  if [[ -d "$RUN" ]]; then
    stop_all
  fi
  if owned_state_dir; then
    rm -rf "$STATE_DIR"
    log "Stopped the cluster and removed ${STATE_DIR}"
  else
    die "${STATE_DIR} was not made by this script; not removing it"
  fi
}

cmd_restart_apiserver() {
  if [[ ! -d "$STATE_DIR" ]] || ! lock_state_dir || ! owned_state_dir; then
    die "no cluster in ${STATE_DIR}"
  fi
  load_env
  find_binaries
  owns_process etcd || die "etcd of the cluster in ${STATE_DIR} is not running"
  local started="$EPOCHREALTIME"
  # With kube-controller-manager's requests in flight kube-apiserver takes its
  # full request timeout (60 s) to stop after TERM; a few seconds is enough.
  stop_process kube-apiserver 3
  FAILED_COMPONENT=""
  start_apiserver
  if ! wait_until "kube-apiserver /readyz after restart" apiserver_ready kube-apiserver etcd; then
    report_failure
    die "kube-apiserver did not come back on port ${APISERVER_PORT}"
  fi
  write_env
  log "kube-apiserver restarted on port ${APISERVER_PORT} in $(elapsed_since "$started") (pid $(recorded_pid kube-apiserver))"
}

cmd_status() {
  if ! owned_state_dir || [[ ! -f "$ENV_FILE" ]]; then
    printf 'No cluster in %s\n' "$STATE_DIR"
    return 3
  fi
  load_env
  local name healthy=0
  printf 'State dir: %s\nServer:    %s\nKubeconfig: %s\n' "$STATE_DIR" \
    "$AGENTGUARD_APISERVER_URL" "$KUBECONFIG_FILE"
  for name in "${COMPONENTS[@]}" watchdog; do
    if owns_process "$name"; then
      printf '%-24s running (pid %s)\n' "$name" "$(recorded_pid "$name")"
    elif [[ "$name" != watchdog ]]; then
      printf '%-24s not running\n' "$name"
      healthy=1
    fi
  done
  if apiserver_ready; then
    printf '%-24s ready\n' "/readyz"
  else
    printf '%-24s not ready\n' "/readyz"
    healthy=1
  fi
  return "$healthy"
}

# Internal: stops the cluster once the owner process has exited. --owner-start
# is the owner's start time, to tell it from a later process with its pid.
cmd_watch() {
  local owner_start="$OWNER_START"
  # Wait without child processes: read with a timeout on a fifo no one writes.
  mkfifo "${RUN}/watchdog.fifo"
  exec 7<>"${RUN}/watchdog.fifo"
  while [[ -d "$STATE_DIR" ]] && [[ "$(proc_start_time "$OWNER_PID" 2>/dev/null || true)" == "$owner_start" ]]; do
    read -r -t 1 -u 7 _ || true
  done
  exec 7>&-
  if [[ -d "$RUN" ]]; then
    log "Owner process ${OWNER_PID} exited; stopping the cluster in ${STATE_DIR}"
    cmd_down
  fi
}

# True if the --state-dir among the arguments holds a cluster that node.sh started.
is_node_state_dir() {
  local dir=""
  while (($# > 0)); do
    case "$1" in
      --state-dir) dir="${2:-}"; shift ;;
      --state-dir=*) dir="${1#*=}" ;;
    esac
    shift
  done
  [[ -n "$dir" && -f "${dir}/.agentguard-node" ]]
}

main() {
  (($# > 0)) || {
    usage >&2
    exit 2
  }
  local command="$1"
  shift
  # A cluster with a node (kubelet, containerd, gVisor, CNI, NetworkPolicy): e2e/node/node.sh.
  if [[ " $* " == *" --node "* ]] || is_node_state_dir "$@"; then
    exec "${SCRIPT_DIR}/../node/node.sh" "$command" "$@"
  fi
  case "$command" in
    install)
      (($# == 0)) || die "install takes no options"
      exec "${SCRIPT_DIR}/install.sh"
      ;;
    up | down | restart-apiserver | status | _watch)
      parse_options "$command" "$@"
      ;;
    -h | --help | help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      die "unknown command '${command}'"
      ;;
  esac
  case "$command" in
    up) cmd_up ;;
    down) cmd_down ;;
    restart-apiserver) cmd_restart_apiserver ;;
    status) cmd_status ;;
    _watch) cmd_watch ;;
  esac
}

main "$@"

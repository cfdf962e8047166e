#!/usr/bin/env bash
# A one-node Kubernetes cluster on this machine, as root: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, containerd (runc and gVisor's runsc), kubelet,
# kube-proxy, CNI bridge networking, kube-network-policies and CoreDNS. Reached through
# e2e/cluster/cluster.sh {install,up,down} --node; see e2e/node/README.md.
#
#   node.sh install                 packages, Go builds and images (idempotent, cached)
#   node.sh up --state-dir DIR      start; prints "export KUBECONFIG=DIR/kubeconfig"
#   node.sh down --state-dir DIR    stop and remove everything up created
#   node.sh leftovers --state-dir DIR   list what a stopped cluster left behind (exit 1 if any)
#   node.sh installed               exit 0 if install has nothing left to do
#   node.sh runtime-check --state-dir DIR   containerd + runc + runsc alone: the kernel each one shows
#
# One node cluster runs on a machine at a time: containerd's CNI, kube-proxy's rules and the
# bridge are machine-wide. Every address is loopback or on the bridge this script creates.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
# shellcheck source=SCRIPTDIR/versions.sh
source "${SCRIPT_DIR}/versions.sh"

readonly NODE_NAME=agentguard-node
readonly BRIDGE=agbr0
readonly POD_CIDR=10.217.0.0/24
readonly GATEWAY_IP=10.217.0.1
readonly SERVICE_CIDR=10.218.0.0/24
readonly KUBERNETES_SERVICE_IP=10.218.0.1
readonly DNS_SERVICE_IP=10.218.0.10
readonly CGROUP_ROOT=agentguard-node
readonly NFT_TABLE=agentguard_node
# kube-network-policies' own nftables table.
readonly KNP_NFT_TABLE=kube-network-policies
readonly OWNER_FILE=/run/agentguard-node.owner
readonly CONTROL_PLANE=(etcd kube-apiserver kube-controller-manager kube-scheduler)

STATE_DIR=""
TIMEOUT=180

log() { printf 'node: %s\n' "$*" >&2; }
die() { printf 'node: error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
}

parse_options() {
  while (($# > 0)); do
    case "$1" in
      --state-dir) (($# >= 2)) || die "--state-dir needs a directory"; STATE_DIR="$2"; shift 2 ;;
      --state-dir=*) STATE_DIR="${1#*=}"; shift ;;
      --timeout) (($# >= 2)) || die "--timeout needs seconds"; TIMEOUT="$2"; shift 2 ;;
      --node) shift ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown option: $1 (see --help)" ;;
    esac
  done
  [[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout must be a number of seconds, got '${TIMEOUT}'"
  [[ -n "$STATE_DIR" ]] || STATE_DIR="${TMPDIR:-/tmp}/agentguard-node"
  [[ "$STATE_DIR" == /* ]] || STATE_DIR="${PWD}/${STATE_DIR}"
  STATE_DIR="${STATE_DIR%/}"
  [[ "$STATE_DIR" =~ ^/[A-Za-z0-9._/+@:,=-]+$ ]] ||
    die "state directory '${STATE_DIR}' must be a path of letters, digits and ._/+@:,=- only"
  # containerd's socket path must fit a unix socket address (108 bytes).
  ((${#STATE_DIR} <= 80)) || die "state directory '${STATE_DIR}' is longer than 80 characters"
}

# Paths inside the state directory.
pki() { printf '%s/pki\n' "$STATE_DIR"; }
logs() { printf '%s/logs\n' "$STATE_DIR"; }
run_dir() { printf '%s/run\n' "$STATE_DIR"; }
containerd_socket() { printf '%s/containerd/containerd.sock\n' "$STATE_DIR"; }

kube_bin() { printf '%s/bin/%s\n' "$(node_component_dir kubernetes "$NODE_KUBE_VERSION")" "$1"; }
gvisor_bin_dir() { printf '%s/bin\n' "$(node_component_dir gvisor "$NODE_GVISOR_VERSION")"; }
crictl_bin() { printf '%s/bin/crictl\n' "$(node_component_dir cri-tools "$NODE_CRI_TOOLS_VERSION")"; }

kubectl_node() { "$(kube_bin kubectl)" --kubeconfig "${STATE_DIR}/kubeconfig" "$@"; }
crictl_node() { "$(crictl_bin)" --runtime-endpoint "unix://$(containerd_socket)" --timeout 30s "$@"; }

# ---------------------------------------------------------------------------
# Processes: recorded with pid and start time; signalled only while both match.

proc_start_time() {
  local stat fields
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  read -r -a fields <<<"$stat"
  [[ "${fields[0]}" != Z ]] || return 1
  printf '%s\n' "${fields[19]}"
}

owns_process() {
  local pid start
  { read -r pid start <"$(run_dir)/$1.pid"; } 2>/dev/null || return 1
  [[ -n "$pid" && "$(proc_start_time "$pid" 2>/dev/null)" == "$start" ]]
}

# start_process NAME [ENV=VALUE...] COMMAND...: detached, logging to logs/NAME.log.
start_process() {
  local name="$1"
  shift
  setsid env "$@" </dev/null >>"$(logs)/${name}.log" 2>&1 &
  local pid=$!
  printf '%s %s\n' "$pid" "$(proc_start_time "$pid" || echo gone)" >"$(run_dir)/${name}.pid"
}

stop_process() {
  local name="$1" pid _start i
  if owns_process "$name"; then
    read -r pid _start <"$(run_dir)/${name}.pid"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do owns_process "$name" || break; sleep 0.1; done
    if owns_process "$name"; then
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do owns_process "$name" || break; sleep 0.1; done
    fi
  fi
  rm -f "$(run_dir)/${name}.pid"
}

# Every process whose command line names the state directory (shims, runsc sandboxes).
processes_in_state_dir() {
  local pid
  for pid in $(pgrep -f -- "${STATE_DIR}/" || true); do
    [[ "$pid" != "$$" && "$pid" != "$BASHPID" ]] || continue
    [[ "$(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null)" == *"${STATE_DIR}/"* ]] || continue
    # Not this script or its callers.
    [[ "$(cat "/proc/${pid}/comm" 2>/dev/null)" != node.sh && "$(cat "/proc/${pid}/comm" 2>/dev/null)" != cluster.sh ]] || continue
    printf '%s\n' "$pid"
  done
}

# Every process in the kubelet's cgroup root (containers whose shim is already gone).
processes_in_cgroup_root() {
  [[ -d "/sys/fs/cgroup/pids/${CGROUP_ROOT}" ]] || return 0
  find "/sys/fs/cgroup/pids/${CGROUP_ROOT}" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u
}

# wait_until DESCRIPTION COMMAND...: polls COMMAND until it succeeds or TIMEOUT passes.
wait_until() {
  local what="$1" deadline=$((SECONDS + TIMEOUT)) started=$SECONDS
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { log "timed out after ${TIMEOUT}s waiting for: ${what}"; return 1; }
    sleep 0.5
  done
  log "ready: ${what} ($((SECONDS - started)) s)"
}

pick_ports() {
  python3 - "$1" <<'PY'
import random, socket, sys
chosen = []
while len(chosen) < int(sys.argv[1]):
    port = random.randrange(15000, 30000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        chosen.append(port) if port not in chosen else None
    except OSError:
        pass
    finally:
        s.close()
print(" ".join(map(str, chosen)))
PY
}

# ---------------------------------------------------------------------------
# Certificates and kubeconfigs

# sign NAME SUBJECT EXTENSIONS: a key and a certificate signed by the cluster CA.
sign() {
  local dir name="$1" subject="$2" ext="$3"
  dir="$(pki)"
  openssl req -new -newkey rsa:2048 -nodes -keyout "${dir}/${name}.key" \
    -out "${dir}/${name}.csr" -subj "$subject"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n%s\n' \
    "$ext" >"${dir}/${name}.ext"
  openssl x509 -req -days 3650 -in "${dir}/${name}.csr" -CA "${dir}/ca.crt" -CAkey "${dir}/ca.key" \
    -set_serial "0x$(openssl rand -hex 8)" -extfile "${dir}/${name}.ext" -out "${dir}/${name}.crt"
}

generate_pki() {
  local dir
  dir="$(pki)"
  mkdir -p "$dir"
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout "${dir}/ca.key" \
      -out "${dir}/ca.crt" -subj "/CN=agentguard-node-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"
    sign apiserver "/CN=kube-apiserver" "extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:${KUBERNETES_SERVICE_IP},DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
    sign kubelet "/CN=system:node:${NODE_NAME}/O=system:nodes" "extendedKeyUsage=serverAuth
subjectAltName=IP:${GATEWAY_IP},DNS:${NODE_NAME}"
    sign apiserver-kubelet-client "/CN=kube-apiserver-kubelet-client/O=system:masters" \
      "extendedKeyUsage=clientAuth"
    openssl genrsa -out "${dir}/sa.key" 2048
    openssl rsa -in "${dir}/sa.key" -pubout -out "${dir}/sa.pub"
  } >"$(logs)/openssl.log" 2>&1 || die "openssl failed; see $(logs)/openssl.log"
  chmod 600 "${dir}"/*.key
  local user
  : >"${dir}/tokens.csv"
  for user in "agentguard-admin|system:masters" "system:kube-controller-manager|" \
    "system:kube-scheduler|" "system:node:${NODE_NAME}|system:nodes" "system:kube-proxy|"; do
    local name="${user%|*}" group="${user##*|}" token
    token="$(openssl rand -hex 24)"
    printf '%s,%s,%s%s\n' "$token" "$name" "$name" "${group:+,\"${group}\"}" >>"${dir}/tokens.csv"
    write_kubeconfig "${STATE_DIR}/kubeconfig-${name//:/-}" "$name" "$token"
  done
  chmod 600 "${dir}/tokens.csv"
  cp "${STATE_DIR}/kubeconfig-agentguard-admin" "${STATE_DIR}/kubeconfig"
}

write_kubeconfig() {
  local file="$1" user="$2" token="$3"
  (
    umask 077
    cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: agentguard-node
  cluster:
    server: https://127.0.0.1:${APISERVER_PORT}
    certificate-authority-data: $(base64 -w0 <"$(pki)/ca.crt")
users:
- name: ${user}
  user:
    token: ${token}
contexts:
- name: agentguard-node
  context: {cluster: agentguard-node, user: ${user}, namespace: default}
current-context: agentguard-node
EOF
  )
}

# ---------------------------------------------------------------------------
# Host networking: the bridge, and the path from pods to the API server on loopback.

# Pods reach the API server through Service kubernetes (KUBERNETES_SERVICE_IP:443): the
# table below sends that address to the loopback listener before kube-proxy's rules see it
# (priority -150 < dstnat -100), from pods on the bridge (route_localnet) and from host
# network pods. The API server listens on loopback only.
# IP forwarding (Service traffic between pods is routed by the host) is switched on for the
# cluster's life and restored by down; the forward chain keeps pod traffic on the bridge, so no
# pod packet leaves the machine.
setup_host_network() {
  sysctl -n net.ipv4.ip_forward >"${STATE_DIR}/ip_forward.saved"
  ip link add "$BRIDGE" type bridge
  ip addr add "${GATEWAY_IP}/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  sysctl -qw "net.ipv4.conf.${BRIDGE}.route_localnet=1" net.ipv4.ip_forward=1 \
    net.bridge.bridge-nf-call-iptables=1
  nft -f - <<EOF
table ip ${NFT_TABLE} {
  chain prerouting {
    type nat hook prerouting priority -150; policy accept;
    iifname "${BRIDGE}" ip daddr ${KUBERNETES_SERVICE_IP} tcp dport 443 dnat to 127.0.0.1:${APISERVER_PORT}
  }
  chain output {
    type nat hook output priority -150; policy accept;
    ip daddr ${KUBERNETES_SERVICE_IP} tcp dport 443 dnat to 127.0.0.1:${APISERVER_PORT}
  }
  chain forward {
    type filter hook forward priority -10; policy accept;
    iifname "${BRIDGE}" oifname != "${BRIDGE}" drop
  }
}
EOF
}

write_cni_config() {
  mkdir -p "${STATE_DIR}/cni/net.d" "${STATE_DIR}/cni/ipam"
  cat >"${STATE_DIR}/cni/net.d/10-agentguard.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "agentguard",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "${BRIDGE}",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "${STATE_DIR}/cni/ipam",
        "ranges": [[{"subnet": "${POD_CIDR}", "gateway": "${GATEWAY_IP}"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
}

# ---------------------------------------------------------------------------
# Components

start_control_plane() {
  local p
  p="$(pki)"
  start_process etcd "$(command -v etcd)" --name=agentguard-node --data-dir="${STATE_DIR}/etcd" \
    --listen-client-urls="http://127.0.0.1:${ETCD_PORT}" --advertise-client-urls="http://127.0.0.1:${ETCD_PORT}" \
    --listen-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-advertise-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-cluster="agentguard-node=http://127.0.0.1:${ETCD_PEER_PORT}" \
    --logger=zap --log-outputs=stderr --log-level=warn
  # WatchList off, as in e2e/cluster/cluster.sh: Debian's etcd 3.4 has no progress notifications, and
  # with it on the server answers a watch from "now" that allows bookmarks with a 500.
  start_process kube-apiserver "$(kube_bin kube-apiserver)" --feature-gates=WatchList=false \
    --etcd-servers="http://127.0.0.1:${ETCD_PORT}" --bind-address=127.0.0.1 \
    --advertise-address="${GATEWAY_IP}" --secure-port="${APISERVER_PORT}" \
    --endpoint-reconciler-type=none --cert-dir="${p}/apiserver-generated" \
    --tls-cert-file="${p}/apiserver.crt" --tls-private-key-file="${p}/apiserver.key" \
    --client-ca-file="${p}/ca.crt" --token-auth-file="${p}/tokens.csv" \
    --kubelet-client-certificate="${p}/apiserver-kubelet-client.crt" \
    --kubelet-client-key="${p}/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="${p}/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --service-account-key-file="${p}/sa.pub" --service-account-signing-key-file="${p}/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range="${SERVICE_CIDR}" --allow-privileged=true --profiling=false --v=1
  wait_until "kube-apiserver" apiserver_ready || return 1
  start_process kube-controller-manager "$(kube_bin kube-controller-manager)" \
    --kubeconfig="${STATE_DIR}/kubeconfig-system-kube-controller-manager" \
    --authentication-kubeconfig="${STATE_DIR}/kubeconfig-system-kube-controller-manager" \
    --authorization-kubeconfig="${STATE_DIR}/kubeconfig-system-kube-controller-manager" \
    --bind-address=127.0.0.1 --secure-port="${KCM_PORT}" --cert-dir="${p}/kcm-generated" \
    --service-account-private-key-file="${p}/sa.key" --root-ca-file="${p}/ca.crt" \
    --cluster-signing-cert-file="${p}/ca.crt" --cluster-signing-key-file="${p}/ca.key" \
    --use-service-account-credentials=true --leader-elect=false --cluster-name=agentguard-node \
    --profiling=false --v=1
  start_process kube-scheduler "$(kube_bin kube-scheduler)" \
    --kubeconfig="${STATE_DIR}/kubeconfig-system-kube-scheduler" \
    --authentication-kubeconfig="${STATE_DIR}/kubeconfig-system-kube-scheduler" \
    --authorization-kubeconfig="${STATE_DIR}/kubeconfig-system-kube-scheduler" \
    --bind-address=127.0.0.1 --secure-port="${SCHEDULER_PORT}" --leader-elect=false --v=1
}

apiserver_ready() {
  [[ "$(curl -sS -o /dev/null -w '%{http_code}' --max-time 3 --cacert "$(pki)/ca.crt" \
    "https://127.0.0.1:${APISERVER_PORT}/readyz" -H "Authorization: Bearer $(admin_token)")" == 200 ]]
}

admin_token() { awk -F, '$2 == "agentguard-admin" { print $1 }' "$(pki)/tokens.csv"; }

# gVisor's platform: KVM when a sandbox actually starts on it here (a nested VM may expose
# /dev/kvm and still fail), else systrap (seccomp traps, no ptrace).
gvisor_platform() {
  if [[ -n "${AGENTGUARD_GVISOR_PLATFORM:-}" ]]; then
    printf '%s\n' "$AGENTGUARD_GVISOR_PLATFORM"
    return 0
  fi
  local probe="${STATE_DIR}/runsc/probe"
  mkdir -p "$probe"
  if [[ -c /dev/kvm ]] && timeout 60 "$(gvisor_bin_dir)/runsc" --root "$probe" --network=none \
    --platform=kvm do /bin/true >"$(logs)/runsc-kvm-probe.log" 2>&1; then
    printf 'kvm\n'
  else
    printf 'systrap\n'
  fi
  rm -rf "$probe"
}

# containerd 1.6 (Debian bookworm) reads a bare socket address from a shim's "start"; gVisor's
# shim, built with containerd 2's libraries, prints the bootstrap JSON
# {"version":2,"address":...,"protocol":"ttrpc"} instead (the task API it serves is the same v2).
# This adapter, first on containerd's PATH, hands containerd the address; every other call goes
# straight to gVisor's shim.
write_runsc_shim_adapter() {
  local dir="$1"
  mkdir -p "$dir"
  cat >"${dir}/containerd-shim-runsc-v1" <<SHIM
#!/bin/bash
real='$(gvisor_bin_dir)/containerd-shim-runsc-v1'
if [[ "\${*: -1}" != start ]]; then
  exec "\$real" "\$@"
fi
out="\$("\$real" "\$@")" || exit
if [[ "\$out" == "{"* ]]; then
  python3 -c 'import json, sys; print(json.loads(sys.argv[1])["address"], end="")' "\$out"
else
  printf '%s' "\$out"
fi
SHIM
  chmod 755 "${dir}/containerd-shim-runsc-v1"
}

# start_containerd [IMAGE_NAME...]: also imports the images (default: all).
start_containerd() {
  local dir="${STATE_DIR}/containerd" platform
  platform="$(gvisor_platform)"
  mkdir -p "${dir}/root" "${dir}/state" "${STATE_DIR}/runsc/root" "${STATE_DIR}/runsc/logs"
  cat >"${STATE_DIR}/runsc/runsc.toml" <<EOF
binary_name = "$(gvisor_bin_dir)/runsc"
root = "${STATE_DIR}/runsc/root"
log_level = "info"
[runsc_config]
  platform = "${platform}"
  debug-log = "${STATE_DIR}/runsc/logs/"
EOF
  cat >"${dir}/config.toml" <<EOF
version = 2
root = "${dir}/root"
state = "${dir}/state"
[grpc]
  address = "$(containerd_socket)"
[ttrpc]
  address = "$(containerd_socket).ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "agentguard.local/pause:1"
  enable_selinux = false
  netns_mounts_under_state_dir = true
  # Never ask the kernel for an OOM score below containerd's own: lowering it needs
  # CAP_SYS_RESOURCE, which a machine may not grant even to root.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${STATE_DIR}/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "${STATE_DIR}/runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]
      runtime_type = "io.containerd.runsc.v1"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc.options]
        TypeUrl = "io.containerd.runsc.v1.options"
        ConfigPath = "${STATE_DIR}/runsc/runsc.toml"
EOF
  printf '%s\n' "$platform" >"${STATE_DIR}/gvisor-platform"
  write_runsc_shim_adapter "${STATE_DIR}/shim-bin"
  start_process containerd "PATH=${STATE_DIR}/shim-bin:$(gvisor_bin_dir):${PATH}" "$(command -v containerd)" \
    --config "${dir}/config.toml"
  wait_until "containerd" ctr --address "$(containerd_socket)" version || return 1
  log "importing images"
  "${SCRIPT_DIR}/images.sh" import "$(containerd_socket)" "$@"
}

start_kubelet() {
  local dir="${STATE_DIR}/kubelet"
  mkdir -p "${dir}/root" "${STATE_DIR}/pod-logs"
  printf '# no upstream resolvers: cluster DNS only\n' >"${STATE_DIR}/host-resolv.conf"
  local cg
  for cg in /sys/fs/cgroup/*/; do
    [[ -d "$cg" && ! -L "${cg%/}" && "$cg" != */unified/ ]] || continue
    mkdir -p "${cg}${CGROUP_ROOT}"
  done
  # A new cpuset cgroup starts with no CPUs and no memory nodes: give it its parent's.
  if [[ -f /sys/fs/cgroup/cpuset/cpuset.cpus ]]; then
    cat /sys/fs/cgroup/cpuset/cpuset.cpus >"/sys/fs/cgroup/cpuset/${CGROUP_ROOT}/cpuset.cpus"
    cat /sys/fs/cgroup/cpuset/cpuset.mems >"/sys/fs/cgroup/cpuset/${CGROUP_ROOT}/cpuset.mems"
  fi
  cat >"${dir}/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${GATEWAY_IP}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${KUBELET_HEALTHZ_PORT}
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $(pki)/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $(pki)/kubelet.crt
tlsPrivateKeyFile: $(pki)/kubelet.key
cgroupDriver: cgroupfs
cgroupRoot: /${CGROUP_ROOT}
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$(containerd_socket)
clusterDNS: [${DNS_SERVICE_IP}]
clusterDomain: cluster.local
resolvConf: ${STATE_DIR}/host-resolv.conf
podLogsDir: ${STATE_DIR}/pod-logs
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 200Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
syncFrequency: 10s
fileCheckFrequency: 10s
serializeImagePulls: false
EOF
  start_process kubelet "$(kube_bin kubelet)" --config="${dir}/config.yaml" \
    --kubeconfig="${STATE_DIR}/kubeconfig-system-node-${NODE_NAME}" --root-dir="${dir}/root" \
    --hostname-override="${NODE_NAME}" --node-ip="${GATEWAY_IP}" --v=1
  start_process kube-proxy "$(kube_bin kube-proxy)" \
    --kubeconfig="${STATE_DIR}/kubeconfig-system-kube-proxy" --hostname-override="${NODE_NAME}" \
    --proxy-mode=iptables --cluster-cidr="${POD_CIDR}" --conntrack-max-per-core=0 \
    --iptables-localhost-nodeports=false \
    --healthz-bind-address="127.0.0.1:${PROXY_HEALTHZ_PORT}" \
    --metrics-bind-address="127.0.0.1:${PROXY_METRICS_PORT}" --v=1
}

node_ready() {
  [[ "$(kubectl_node get node "$NODE_NAME" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == True ]]
}

# Nodes, RBAC for kube-proxy and the kubelet API, RuntimeClass, CoreDNS, kube-network-policies.
apply_addons() {
  kubectl_node create clusterrolebinding agentguard-node-proxier --clusterrole=system:node-proxier \
    --user=system:kube-proxy >/dev/null || return 1
  kubectl_node apply -f "${SCRIPT_DIR}/manifests/runtimeclass.yaml" >/dev/null || return 1
  sed -e "s/@COREDNS_VERSION@/${NODE_COREDNS_VERSION}/" -e "s/@DNS_SERVICE_IP@/${DNS_SERVICE_IP}/" \
    "${SCRIPT_DIR}/manifests/coredns.yaml" | kubectl_node apply -f - >/dev/null || return 1
  sed -e "s/@KNP_VERSION@/${NODE_KNP_VERSION}/" -e "s/@NODE_NAME@/${NODE_NAME}/" \
    -e "s/@KNP_METRICS_PORT@/${KNP_METRICS_PORT}/" \
    "${SCRIPT_DIR}/manifests/kube-network-policies.yaml" | kubectl_node apply -f - >/dev/null
}

coredns_answers() {
  local ip
  ip="$(kubectl_node -n kube-system get pods -l k8s-app=kube-dns \
    -o jsonpath='{.items[0].status.podIP}')"
  [[ -n "$ip" ]] && busybox nslookup kubernetes.default.svc.cluster.local "$ip" 2>/dev/null |
    grep -q "${KUBERNETES_SERVICE_IP}"
}

policy_enforcement_running() {
  [[ "$(kubectl_node -n kube-system get pods -l app=kube-network-policies \
    -o jsonpath='{.items[0].status.containerStatuses[0].ready}')" == true ]] &&
    nft list table inet "$KNP_NFT_TABLE" >/dev/null 2>&1
}

write_env() {
  cat >"${STATE_DIR}/env" <<EOF
# One-node cluster started by e2e/node/node.sh; source this file.
export KUBECONFIG='${STATE_DIR}/kubeconfig'
export AGENTGUARD_KUBECONFIG='${STATE_DIR}/kubeconfig'
export AGENTGUARD_APISERVER_URL='https://127.0.0.1:${APISERVER_PORT}'
export AGENTGUARD_APISERVER_CA='$(pki)/ca.crt'
export AGENTGUARD_CLUSTER_CA_KEY='$(pki)/ca.key'
export AGENTGUARD_ADMIN_TOKEN='$(admin_token)'
export AGENTGUARD_CLUSTER_STATE_DIR='${STATE_DIR}'
export AGENTGUARD_KUBE_VERSION='${NODE_KUBE_VERSION}'
export AGENTGUARD_NODE_NAME='${NODE_NAME}'
export AGENTGUARD_CONTAINERD_SOCKET='$(containerd_socket)'
export AGENTGUARD_GVISOR_PLATFORM='$(cat "${STATE_DIR}/gvisor-platform")'
export AGENTGUARD_KUBECTL='$(kube_bin kubectl)'
export AGENTGUARD_CRICTL='$(crictl_bin)'
export CONTAINER_RUNTIME_ENDPOINT='unix://$(containerd_socket)'
EOF
}

# ---------------------------------------------------------------------------
# Commands

ETCD_PORT="" ETCD_PEER_PORT="" APISERVER_PORT="" KCM_PORT="" SCHEDULER_PORT=""
KUBELET_HEALTHZ_PORT="" PROXY_HEALTHZ_PORT="" PROXY_METRICS_PORT="" KNP_METRICS_PORT=""

# Prints what install --node has not put in place yet, one per line.
missing_parts() {
  local bin
  for bin in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
    [[ -x "$(kube_bin "$bin")" ]] || printf '%s\n' "$bin"
  done
  [[ -x "$(gvisor_bin_dir)/runsc" ]] || printf 'runsc\n'
  [[ -x "$(crictl_bin)" ]] || printf 'crictl\n'
  local tool
  for tool in containerd ctr etcd nft iptables busybox openssl curl python3 umoci; do
    command -v "$tool" >/dev/null 2>&1 || printf '%s\n' "$tool"
  done
  "${SCRIPT_DIR}/images.sh" missing
}

check_installed() {
  local missing
  missing="$(missing_parts | tr '\n' ' ')"
  [[ -z "${missing// /}" ]] || die "missing ${missing}; run: e2e/cluster/cluster.sh install --node"
}

claim_machine() {
  [[ "$(id -u)" == 0 ]] || die "the node needs root (containerd, CNI, iptables)"
  if [[ -s "$OWNER_FILE" ]]; then
    local other
    other="$(cat "$OWNER_FILE")"
    [[ -d "$other" ]] && die "a node cluster already runs from ${other}; stop it with: e2e/cluster/cluster.sh down --state-dir ${other}"
  fi
  ! ip link show "$BRIDGE" >/dev/null 2>&1 ||
    die "bridge ${BRIDGE} exists: a node cluster was not stopped; run: e2e/cluster/cluster.sh down --state-dir DIR"
  printf '%s\n' "$STATE_DIR" >"$OWNER_FILE"
}

cmd_up() {
  check_installed
  [[ ! -e "${STATE_DIR}/env" ]] || die "${STATE_DIR} holds a cluster already; run down first"
  claim_machine
  mkdir -p "$(logs)" "$(run_dir)"
  touch "${STATE_DIR}/.agentguard-node"
  local started=$SECONDS
  read -r ETCD_PORT ETCD_PEER_PORT APISERVER_PORT KCM_PORT SCHEDULER_PORT KUBELET_HEALTHZ_PORT \
    PROXY_HEALTHZ_PORT PROXY_METRICS_PORT KNP_METRICS_PORT < <(pick_ports 9)
  if ! up_steps; then
    log "up failed; logs in $(logs)"
    local name
    for name in kube-apiserver kubelet containerd; do
      [[ -s "$(logs)/${name}.log" ]] && { log "---- tail of ${name}.log"; tail -n 15 "$(logs)/${name}.log" >&2; }
    done
    [[ "${AGENTGUARD_CLUSTER_KEEP_FAILED:-0}" == 1 ]] || cmd_down
    exit 1
  fi
  write_env
  log "node ${NODE_NAME} is up in $((SECONDS - started)) s (Kubernetes ${NODE_KUBE_VERSION}, gVisor platform $(cat "${STATE_DIR}/gvisor-platform"))"
  printf 'export KUBECONFIG=%s\n' "${STATE_DIR}/kubeconfig"
}

up_steps() {
  generate_pki
  setup_host_network || return 1
  write_cni_config
  start_control_plane || return 1
  start_containerd || return 1
  start_kubelet
  wait_until "node ${NODE_NAME} registered" kubectl_node get node "$NODE_NAME" || return 1
  apply_addons || return 1
  wait_until "node ${NODE_NAME} Ready" node_ready || return 1
  wait_until "CoreDNS answers" coredns_answers || return 1
  wait_until "kube-network-policies enforcing" policy_enforcement_running || return 1
}

# Removes the pods first (so CNI tears down their veths and network namespaces), then
# the processes, then what they leave in the kernel and on disk.
cmd_down() {
  [[ -d "$STATE_DIR" ]] || { log "nothing in ${STATE_DIR}"; release_machine; return 0; }
  stop_process kubelet
  if [[ -S "$(containerd_socket)" && -x "$(crictl_bin)" ]]; then
    crictl_node rmp --force --all >/dev/null 2>&1 || true
  fi
  stop_process kube-proxy
  stop_process containerd
  local pid
  for pid in $(processes_in_state_dir) $(processes_in_cgroup_root); do kill -KILL "$pid" 2>/dev/null || true; done
  local name
  for name in "${CONTROL_PLANE[@]}"; do stop_process "$name"; done
  clean_kernel_state
  clean_host_files
  release_machine
  rm -rf "$STATE_DIR"
  log "stopped; ${STATE_DIR} removed"
}

clean_kernel_state() {
  local m
  # Mounts under the state directory (overlay snapshots, shm, pod volumes), deepest first.
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(
    awk -v d="${STATE_DIR}/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  # Network namespaces the CRI plugin created (cni-<uuid>) that CNI DEL did not remove.
  local ns
  for ns in /run/netns/cni-*; do
    [[ -e "$ns" ]] || continue
    ip netns delete "${ns##*/}" 2>/dev/null || { umount -l "$ns" 2>/dev/null; rm -f "$ns"; }
  done
  ip link delete "$BRIDGE" 2>/dev/null || true
  nft delete table ip "$NFT_TABLE" 2>/dev/null || true
  [[ ! -s "${STATE_DIR}/ip_forward.saved" ]] ||
    sysctl -qw "net.ipv4.ip_forward=$(cat "${STATE_DIR}/ip_forward.saved")" || true
  nft delete table inet "$KNP_NFT_TABLE" 2>/dev/null || true
  [[ -x "$(kube_bin kube-proxy)" ]] && "$(kube_bin kube-proxy)" --cleanup >/dev/null 2>&1 || true
  clean_iptables
  local cg
  for cg in /sys/fs/cgroup/*/"${CGROUP_ROOT}"; do
    [[ -d "$cg" ]] || continue
    find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

# Chains kube-proxy --cleanup does not remove: portmap's (CNI-HOSTPORT-*, CNI-DN-*) and the
# kubelet's KUBE-KUBELET-CANARY / KUBE-FIREWALL, in both address families. Only one node
# cluster runs on a machine, so every KUBE-* and CNI-* chain is this cluster's.
clean_iptables() {
  local tool table chain rule
  for tool in iptables ip6tables; do
    command -v "$tool" >/dev/null 2>&1 || continue
    for table in nat filter mangle; do
      "${tool}-save" -t "$table" 2>/dev/null | grep -E '^-A [A-Z]+ .*-j (KUBE|CNI)-' | sed 's/^-A/-D/' |
        while read -r rule; do eval "${tool} -t ${table} ${rule}" 2>/dev/null || true; done || true
      for chain in $("${tool}-save" -t "$table" 2>/dev/null | sed -n 's/^:\(\(KUBE\|CNI\)-[^ ]*\) .*/\1/p'); do
        "$tool" -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("${tool}-save" -t "$table" 2>/dev/null | sed -n 's/^:\(\(KUBE\|CNI\)-[^ ]*\) .*/\1/p'); do
        "$tool" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

# Files the kubelet and the CRI plugin write outside the state directory.
clean_host_files() {
  local link
  for link in /var/log/containers/*.log; do
    [[ -L "$link" && "$(readlink "$link")" == "${STATE_DIR}/"* ]] && rm -f "$link"
  done
  rmdir /var/log/containers /run/netns 2>/dev/null || true
  # containerd 1.6 keeps its shims' sockets in /run/containerd/s whatever its state directory;
  # a shim removes its socket when it exits, so only a killed shim leaves one.
  # ctr keeps the FIFOs of the containers it ran in /run/containerd/fifo.
  find /run/containerd/s -type s -delete 2>/dev/null || true
  find /run/containerd/fifo -type p -delete 2>/dev/null || true
  find /run/containerd -depth -type d -empty -delete 2>/dev/null || true
  rm -rf /var/lib/cni/results/agentguard-* 2>/dev/null || true
}

release_machine() {
  [[ "$(cat "$OWNER_FILE" 2>/dev/null)" != "$STATE_DIR" ]] || rm -f "$OWNER_FILE"
}

# Lists what a stopped cluster left behind; exit status 1 if anything.
cmd_leftovers() {
  local found=0 what
  report() { printf 'leftover: %s\n' "$1"; found=1; }
  [[ ! -e "$STATE_DIR" ]] || report "state directory ${STATE_DIR}"
  [[ -z "$(processes_in_state_dir)" ]] || report "processes: $(processes_in_state_dir | tr '\n' ' ')"
  ! grep -q " ${STATE_DIR}/" /proc/self/mountinfo || report "mounts under ${STATE_DIR}"
  ! ip link show "$BRIDGE" >/dev/null 2>&1 || report "bridge ${BRIDGE}"
  what="$(ip -o link show type veth 2>/dev/null | grep -c "master ${BRIDGE}" || true)"
  ((what == 0)) || report "${what} veths on ${BRIDGE}"
  what="$(ls /run/netns 2>/dev/null | grep -c '^cni-' || true)"
  ((what == 0)) || report "${what} network namespaces cni-*"
  what="$({ iptables-save; ip6tables-save; } 2>/dev/null | grep -cE '^:(KUBE|CNI)-|-j (KUBE|CNI)-' || true)"
  ((what == 0)) || report "${what} iptables/ip6tables chains or rules KUBE-*/CNI-*"
  what="$(nft list tables 2>/dev/null | grep -cE "${NFT_TABLE}|${KNP_NFT_TABLE}|kube-proxy" || true)"
  ((what == 0)) || report "nftables tables: $(nft list tables 2>/dev/null | tr '\n' ' ')"
  what="$(find /run/containerd/s -type s 2>/dev/null | wc -l || true)"
  ((what == 0)) || report "${what} shim sockets in /run/containerd/s"
  compgen -G "/sys/fs/cgroup/*/${CGROUP_ROOT}" >/dev/null && report "cgroups /sys/fs/cgroup/*/${CGROUP_ROOT}"
  [[ ! -s "$OWNER_FILE" ]] || report "owner file ${OWNER_FILE}"
  ((found == 0)) && printf 'nothing left behind\n'
  return "$found"
}

# containerd alone, as up configures it, running the toolbox once under runc and once under
# runsc: what each container sees as its kernel. Needs runsc and the images, not Kubernetes.
cmd_runtime_check() {
  [[ -x "$(gvisor_bin_dir)/runsc" ]] || die "runsc is missing; run: e2e/node/build-go.sh gvisor"
  [[ -z "$("${SCRIPT_DIR}/images.sh" missing | grep -E 'pause|toolbox' || true)" ]] ||
    die "images missing; run: e2e/node/images.sh build pause toolbox"
  [[ ! -e "$STATE_DIR" ]] || die "${STATE_DIR} exists; remove it or pick another --state-dir"
  mkdir -p "$(logs)" "$(run_dir)"
  touch "${STATE_DIR}/.agentguard-node"
  local status=0 runtime out
  if start_containerd pause toolbox; then
    log "gVisor platform: $(cat "${STATE_DIR}/gvisor-platform")"
    for runtime in runc runsc; do
      local args=(--runtime io.containerd.runc.v2 --runc-root "${STATE_DIR}/runc")
      # gVisor's shim hands a container its stdio only when the spec says it is a sandbox's
      # root (the annotation CRI sets); without it runsc's sandbox inherits the pipe the shim
      # reads create's output from, and create never returns.
      [[ "$runtime" == runc ]] ||
        args=(--runtime io.containerd.runsc.v1 --runtime-config-path "${STATE_DIR}/runsc/runsc.toml"
          --annotation io.kubernetes.cri.container-type=sandbox)
      if out="$(timeout 60 ctr --address "$(containerd_socket)" --namespace k8s.io run --rm \
        --fifo-dir "${STATE_DIR}/fifo" "${args[@]}" \
        agentguard.local/toolbox:1 "check-${runtime}" sh -c 'cat /proc/version; dmesg 2>&1 | head -n 3' 2>&1)"; then
        printf '%s:\n%s\n' "$runtime" "$(printf '%s\n' "$out" | sed 's/^/  /')"
      else
        printf '%s: failed\n%s\n' "$runtime" "$out"
        status=1
      fi
    done
  else
    status=1
  fi
  cmd_down
  return "$status"
}

cmd_install() {
  "${SCRIPT_DIR}/install.sh"
}

main() {
  (($# >= 1)) || { usage; exit 2; }
  local command="$1"
  shift
  parse_options "$@"
  case "$command" in
    install) cmd_install ;;
    up) cmd_up ;;
    down) cmd_down ;;
    leftovers) cmd_leftovers ;;
    installed) [[ -z "$(missing_parts)" ]] ;;
    runtime-check) cmd_runtime_check ;;
    -h | --help | help) usage ;;
    *) die "unknown command: ${command} (see --help)" ;;
  esac
}

main "$@"

#!/usr/bin/env bash
# The story's last act on a real node: examples/agentsandbox.yaml Running under gVisor, and from
# inside it DNS working, the allowed destination answering, everything else refused.
#
#   e2e/node/demo.sh run DIR OPERATOR_BINARY   the operator and the act on the node cluster in DIR/cluster
#                                              (started first unless DIR/cluster/env exists)
#   e2e/node/demo.sh down DIR                  stop the operator and the node cluster
#
# The allowed destination is an in-cluster pod ("api", answering with a greeting on 8080) standing
# in for the example's model API; "other" is a pod the allow-list does not name.
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
  NODE_OPERATOR_BINARY="$operator" node_start_operator "${dir}/logs/operator.log"
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
  down) (($# == 2)) || die "usage: $0 down DIR"; cmd_down "$2" ;;
  *) die "usage: $0 run DIR OPERATOR_BINARY | down DIR" ;;
esac

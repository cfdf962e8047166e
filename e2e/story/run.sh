#!/usr/bin/env bash
# The agentguard story on a local control plane, from a fresh Debian bookworm checkout:
#
#   1. builds agentguard, and (first run only, tens of minutes) Kubernetes from its Go module;
#   2. starts a local control plane (etcd, kube-apiserver, kube-controller-manager; no kubelet, so pods
#      stay Pending), installs the Helm chart, and runs agentguard-webhook and agentguard-operator as
#      local processes authenticated as the chart's own ServiceAccounts;
#   3. shows an agent's unsafe manifests refused with reasons, the hardened bundle admitted, and an
#      AgentSandbox turned into an isolated pod behind a NetworkPolicy;
#   4. on a real node (root; installs it first with e2e/cluster/cluster.sh install --node;
#      AGENTGUARD_STORY_NODE=0 leaves it out): the same AgentSandbox Running under gVisor, and from
#      inside it DNS working, the allowed destination answering, the rest refused;
#   5. on that node, examples/agentsandbox-tools.yaml: its agent (the MCP Python SDK, in gVisor) reads a
#      mail through agentguard-gate, which injects the mail server's credential; the mail carries an
#      injected instruction, the agent obeys it, and the gate refuses the call with a JSON-RPC error
#      naming its rule and record; the record is verified offline (agentguard log verify) and its
#      ToolCallDenied Event shown;
#   6. leaves the clusters up and prints the KUBECONFIG to use and the command that stops everything.
#
# Usage: e2e/story/run.sh          run the story (stops a previous one first)
#        e2e/story/run.sh down     stop the webhook, the operator and the cluster; remove their files
#        e2e/story/run.sh status   what is running
#
# Logs: build/story-build.log, and the state directory's logs/ (printed at the end).
# Environment: AGENTGUARD_STORY_DIR  state directory (default ${TMPDIR:-/tmp}/agentguard-story-$USER)
#              AGENTGUARD_BUILD_DIR  build directory (default build)
#              AGENTGUARD_STORY_NODE 0: leave part 4 out (the control-plane story alone); otherwise
#                                    part 4 installs the node first (cached after the first run)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly REPO
# shellcheck source=SCRIPTDIR/../helm/lib.sh
source "${REPO}/e2e/helm/lib.sh"

STATE_DIR="${AGENTGUARD_STORY_DIR:-${TMPDIR:-/tmp}/agentguard-story-${USER:-$(id -un)}}"
readonly STATE_DIR
readonly CLUSTER_DIR="${STATE_DIR}/cluster"
readonly RELEASE=agentguard
readonly RELEASE_NAMESPACE=agentguard-system
BUILD_DIR="${AGENTGUARD_BUILD_DIR:-build}"
[[ "$BUILD_DIR" == /* ]] || BUILD_DIR="${REPO}/${BUILD_DIR}"
readonly BUILD_DIR
# shellcheck disable=SC2034  # read by lib.sh
readonly BIN_DIR="${BUILD_DIR}/bin"
readonly BUILD_LOG="${BUILD_DIR}/story-build.log"
HELM=""
# The webhook and the operator stay up after this script ends (until "run.sh down").
LIB_DETACH=1

if [[ -t 1 ]]; then
  BOLD=$'\033[1m' DIM=$'\033[2m' RED=$'\033[31m' GREEN=$'\033[32m' YELLOW=$'\033[33m' CYAN=$'\033[36m' RESET=$'\033[0m'
  TTY=1
else
  BOLD="" DIM="" RED="" GREEN="" YELLOW="" CYAN="" RESET=""
  TTY=0
fi

heading() {
  printf '\n%s━━ %s %s\n' "$BOLD$CYAN" "$*" "$RESET"
}

say() {
  printf '%s\n' "$*"
}

note() {
  printf '%s%s%s\n' "$DIM" "$*" "$RESET"
}

die() {
  printf '%serror:%s %s\n' "$RED$BOLD" "$RESET" "$*" >&2
  exit 1
}

# Shows a command the way a person would type it.
show_command() {
  printf '%s$ %s%s\n' "$YELLOW" "$*" "$RESET"
}

# ---------------------------------------------------------------------------
# Long steps: run in the background with output to a log, while one line shows a spinner, the elapsed
# time and the step's latest progress line (picked from the log by a pattern).

CHILD_PID=""

# run_with_progress TITLE LOG PATTERN COMMAND...: COMMAND's output is appended to LOG.
run_with_progress() {
  local title="$1" log="$2" pattern="$3"
  shift 3
  local from_line=1
  [[ ! -f "$log" ]] || from_line=$(($(wc -l <"$log") + 1))
  "$@" >>"$log" 2>&1 &
  CHILD_PID=$!
  local frames='⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏' i=0 started=$SECONDS progress="" last_printed="" printed_at=$SECONDS
  while kill -0 "$CHILD_PID" 2>/dev/null; do
    progress="$(tail -n +"$from_line" "$log" 2>/dev/null | grep -E "$pattern" | tail -n 1 | cut -c 1-90 || true)"
    if ((TTY)); then
      printf '\r\033[K  %s %s %s(%ss)%s %s' "${frames:i++%${#frames}:1}" "$title" "$DIM" "$((SECONDS - started))" "$RESET" "$progress"
    elif [[ -n "$progress" && "$progress" != "$last_printed" ]] && ((SECONDS - printed_at >= 10)); then
      # Not a terminal: a progress line every 10 s at most.
      printf '  … %s\n' "$progress"
      last_printed="$progress"
      printed_at=$SECONDS
    fi
    sleep 0.2
  done
  local status=0
  wait "$CHILD_PID" || status=$?
  CHILD_PID=""
  ((TTY)) && printf '\r\033[K'
  if ((status == 0)); then
    printf '  %s✓%s %s %s(%ss)%s\n' "$GREEN" "$RESET" "$title" "$DIM" "$((SECONDS - started))" "$RESET"
  else
    printf '  %s✗%s %s failed; last lines of %s:\n' "$RED" "$RESET" "$title" "$log"
    tail -n +"$from_line" "$log" | tail -n 30 | sed 's/^/    /'
    exit 1
  fi
}

on_interrupt() {
  if [[ -n "$CHILD_PID" ]]; then
    kill -TERM "$CHILD_PID" 2>/dev/null || true
    wait "$CHILD_PID" 2>/dev/null || true
  fi
  printf '\nInterrupted. Stop what was started with: %s down\n' "$0" >&2
  exit 130
}

# ---------------------------------------------------------------------------
# Commands

cmd_down() {
  if [[ -d "${STATE_DIR}/run" ]]; then
    lib_stop_process operator
    lib_stop_process webhook
  fi
  [[ ! -d "${STATE_DIR}/node" ]] || "${REPO}/e2e/node/demo.sh" down "${STATE_DIR}/node"
  "${REPO}/e2e/cluster/cluster.sh" down --state-dir "$CLUSTER_DIR" 2>&1 | sed 's/^/  /' || true
  if [[ -f "${STATE_DIR}/.agentguard-story" ]]; then
    rm -rf "$STATE_DIR"
    say "Stopped the agentguard story and removed ${STATE_DIR}."
  elif [[ -e "$STATE_DIR" ]]; then
    die "${STATE_DIR} was not made by this script; not removing it"
  fi
}

cmd_status() {
  local name
  for name in webhook operator; do
    if lib_owns_process "$name"; then
      say "agentguard-${name}: running (pid $(lib_recorded_pid "$name"))"
    else
      say "agentguard-${name}: not running"
    fi
  done
  "${REPO}/e2e/cluster/cluster.sh" status --state-dir "$CLUSTER_DIR"
}

step_build() {
  heading "Building agentguard"
  note "Build log: ${BUILD_LOG#"${REPO}/"}"
  mkdir -p "$BUILD_DIR"
  : >"$BUILD_LOG"
  # The same configuration as scripts/build.sh, building only the three executables.
  run_with_progress "Build dependencies (Debian packages)" "$BUILD_LOG" '^==>' "${REPO}/scripts/install-deps.sh"
  # shellcheck source=scripts/ccache-env.sh
  source "${REPO}/scripts/ccache-env.sh"
  run_with_progress "Configuring" "${BUILD_LOG}" '^-- ' \
    cmake -S "$REPO" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
  # Only the executables this checkout defines (agentguard-operator may not be part of it yet).
  local targets=(agentguard) target defined
  defined="$(cmake --build "$BUILD_DIR" --target help 2>/dev/null || true)"
  for target in agentguard-webhook agentguard-operator agentguard-gate; do
    if grep -q "^\.\.\. ${target}\$" <<<"$defined"; then
      targets+=("$target")
    fi
  done
  run_with_progress "Compiling ${targets[*]}" "$BUILD_LOG" '^\[ *[0-9]+%\]' \
    cmake --build "$BUILD_DIR" -j "$(nproc 2>/dev/null || echo 2)" --target "${targets[@]}"
  [[ -x "${BIN_DIR}/agentguard-webhook" ]] ||
    die "this checkout does not build agentguard-webhook yet; the offline checker is ${BIN_DIR}/agentguard"
  if [[ ! -x "${BIN_DIR}/agentguard-operator" ]]; then
    note "  (this checkout does not build agentguard-operator yet: the AgentSandbox part is left out)"
  fi
  HELM="$("${REPO}/e2e/tools/install-helm.sh" 2>>"$BUILD_LOG")" || die "could not install Helm (see ${BUILD_LOG})"
  say "  ${GREEN}✓${RESET} Helm $("$HELM" version --short)"
}

step_cluster() {
  heading "Starting a local Kubernetes control plane"
  note "etcd, kube-apiserver and kube-controller-manager on 127.0.0.1; no kubelet, so pods stay Pending."
  # The first run builds the Kubernetes binaries from their Go module (e2e/node/build-go.sh, tens of
  # minutes on two cores); later runs reuse them.
  run_with_progress "Kubernetes binaries (first run: a build of tens of minutes)" \
    "${STATE_DIR}/logs/cluster-install.log" '^(cluster|node-build): ' "${REPO}/e2e/cluster/cluster.sh" install
  run_with_progress "Control plane up" "${STATE_DIR}/logs/cluster-up.log" '^cluster: ' \
    "${REPO}/e2e/cluster/cluster.sh" up --state-dir "$CLUSTER_DIR"
  # The env file also puts the cluster's kubectl first on PATH.
  # shellcheck disable=SC1091
  source "${CLUSTER_DIR}/env"
  export KUBECONFIG
  note "  API server ${AGENTGUARD_APISERVER_URL} (Kubernetes ${AGENTGUARD_KUBE_VERSION}; kubectl: ${AGENTGUARD_KUBECTL})"
}

step_install() {
  heading "Installing the agentguard Helm chart"
  lib_pick_component_ports
  local values=()
  mapfile -t values < <(lib_local_values "$WEBHOOK_PORT" Fail)
  note "The webhook runs on this machine, so the chart registers it by URL: webhook.url=https://127.0.0.1:${WEBHOOK_PORT}/validate"
  lib_create_release_namespace
  show_command "helm install ${RELEASE} charts/agentguard -n ${RELEASE_NAMESPACE} --set webhook.url=... --set webhook.failurePolicy=Fail"
  "$HELM" install "$RELEASE" "$CHART_DIR" --namespace "$RELEASE_NAMESPACE" "${values[@]}" \
    >"${STATE_DIR}/logs/helm-install.log" 2>&1 || {
    cat "${STATE_DIR}/logs/helm-install.log"
    die "helm install failed"
  }
  kubectl get crd,runtimeclass,validatingwebhookconfiguration,clusterrole -l "app.kubernetes.io/instance=${RELEASE}" \
    -o name 2>/dev/null | sed 's/^/  /'
  kubectl get crd agentsandboxes.agentguard.io -o name | sed 's/^/  /'
  kubectl -n "$RELEASE_NAMESPACE" get deploy,svc,secret,configmap,networkpolicy,serviceaccount \
    -l "app.kubernetes.io/instance=${RELEASE}" -o name | sed 's/^/  /'

  heading "Running agentguard-webhook and agentguard-operator as the chart's ServiceAccounts"
  note "No kubelet runs the chart's Deployments here: both run as local processes with the Deployments' args,"
  note "the chart's TLS Secret and policies ConfigMap, and the token of their ServiceAccount, so the chart's RBAC"
  note "is exactly what they can do."
  lib_start_webhook || die "agentguard-webhook did not start (log: ${STATE_DIR}/logs/webhook.log)"
  say "  ${GREEN}✓${RESET} agentguard-webhook   https://127.0.0.1:${WEBHOOK_PORT}  as ${RELEASE_NAMESPACE}/$(lib_fullname)-webhook"
  [[ -x "${BIN_DIR}/agentguard-operator" ]] || return 0
  lib_start_operator || die "agentguard-operator did not start (log: ${STATE_DIR}/logs/operator.log)"
  say "  ${GREEN}✓${RESET} agentguard-operator  health :${OPERATOR_HEALTH_PORT}     as ${RELEASE_NAMESPACE}/$(lib_fullname)-operator"
}

# The first paragraph of a manifest's opening comment: what the example is about.
describe() {
  sed -n '/^#[[:space:]]*$/q; /^#/!q; s/^# \{0,1\}//p' "$1"
}

step_unsafe() {
  heading "1. An agent's unsafe manifests are refused"
  lib_create_example_namespaces
  local file out
  for file in "${REPO}"/examples/unsafe/*.yaml; do
    printf '\n%s%s%s\n' "$BOLD" "$(describe "$file")" "$RESET"
    show_command "kubectl apply -f ${file#"${REPO}/"}"
    if out="$(kubectl apply -f "$file" 2>&1)"; then
      die "the API server admitted ${file#"${REPO}/"}"
    fi
    printf '%s\n' "$out" | show_findings
  done
}

# Reads kubectl's answer to a refused apply and prints each agentguard finding as "rule: message" with
# its fix beneath, the first few only.
show_findings() {
  "$PYTHON" -c '
import re, sys
red, yellow, dim, reset = sys.argv[1:5]
findings, other = [], []
for line in sys.stdin.read().splitlines():
    found = re.search(r"\[([a-z0-9.-]+)\] (?:[A-Za-z]+ [^ ]+: )?(.*)", line)
    if not found:
        other.append(line)
        continue
    rule, text = found.groups()
    text = re.sub(r"^[^ ]*: ", "", text, count=1)  # the field path; the message names the field
    message, _, fix = text.partition("; fix: ")
    findings.append((line.startswith("Warning:"), rule, message, fix))
findings.sort(key=lambda f: f[0])  # denials first
limit = 5
for warn, rule, message, fix in findings[:limit]:
    mark = yellow + "⚠ warn " if warn else red + "✗ deny "
    print("  %s%s%s: %s" % (mark, rule, reset, message))
    if fix:
        print("  %s         fix: %s%s" % (dim, fix, reset))
if len(findings) > limit:
    print("  %s… and %d more%s" % (dim, len(findings) - limit, reset))
if not findings:
    print("\n".join("  " + l for l in other))
' "$RED" "$YELLOW" "$DIM" "$RESET"
}

step_hardened() {
  heading "2. The hardened version is admitted"
  local file out deadline
  for file in "${REPO}"/examples/hardened/*.yaml; do
    printf '%s%s%s\n' "$BOLD" "$(describe "$file")" "$RESET"
    show_command "kubectl apply -f ${file#"${REPO}/"}"
    # The webhook sees the bundle's NetworkPolicy through its watch a moment after it is created.
    deadline=$((SECONDS + 20))
    until out="$(kubectl apply -f "$file" 2>&1)"; do
      ((SECONDS < deadline)) || {
        printf '%s\n' "$out"
        die "the hardened bundle was refused"
      }
      sleep 0.5
    done
    printf '%s\n' "$out" | sed "s/^/  ${GREEN}✓${RESET} /"
  done
}

step_sandbox() {
  heading "3. An AgentSandbox becomes an isolated pod"
  local file="${AGENTGUARD_SANDBOX_EXAMPLE:-${REPO}/examples/agentsandbox.yaml}" ns name
  if [[ ! -x "${BIN_DIR}/agentguard-operator" || ! -f "$file" ]]; then
    note "(left out: this checkout has no agentguard-operator or no ${file#"${REPO}/"} yet)"
    return 0
  fi
  ns="$("$PYTHON" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["metadata"].get("namespace", "agents"))' "$file")"
  name="$("$PYTHON" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["metadata"]["name"])' "$file")"
  kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns" >/dev/null
  # The example names Secret analysis-api; the operator makes no Pod until every Secret it names exists, and
  # the chart's default AgentSandboxClass lets sandboxes use only Secrets labelled sandbox-usable.
  kubectl -n "$ns" get secret analysis-api >/dev/null 2>&1 ||
    kubectl -n "$ns" create secret generic analysis-api --from-literal=api-key=demo-placeholder >/dev/null
  kubectl -n "$ns" label secret analysis-api agentguard.io/sandbox-usable=true --overwrite >/dev/null
  printf '%s%s%s\n' "$BOLD" "$(describe "$file")" "$RESET"
  show_command "kubectl apply -f ${file#"${REPO}/"}"
  kubectl apply -f "$file" | sed "s/^/  /"
  local has_phase="kubectl -n ${ns} get agentsandbox ${name} -o jsonpath={.status.podName} | grep -q ."
  if ! lib_wait_for 60 "the operator to create the sandbox's pod" bash -c "$has_phase"; then
    kubectl -n "$ns" get agentsandbox "$name" -o jsonpath='{range .status.conditions[*]}{.type}={.status} {.reason}: {.message}{"\n"}{end}' >&2 || true
    die "the operator did not create a pod for ${ns}/${name} (log: ${STATE_DIR}/logs/operator.log)"
  fi
  echo
  show_command "kubectl -n ${ns} get agentsandboxes"
  kubectl -n "$ns" get agentsandboxes | sed 's/^/  /'

  local pod
  pod="$(kubectl -n "$ns" get agentsandbox "$name" -o jsonpath='{.status.podName}')"
  echo
  say "${BOLD}The NetworkPolicy the operator created first: all ingress and egress denied but the allow-list${RESET}"
  show_command "kubectl -n ${ns} get networkpolicy -o yaml   # spec only"
  kubectl -n "$ns" get networkpolicies -o json | "$PYTHON" -c '
import json, sys, yaml
for np in json.load(sys.stdin)["items"]:
    if any(o.get("kind") == "AgentSandbox" for o in np["metadata"].get("ownerReferences", [])):
        print("name: " + np["metadata"]["name"])
        print(yaml.safe_dump({"spec": np["spec"]}, sort_keys=False).rstrip())
' | sed 's/^/  /'

  echo
  say "${BOLD}The pod, with the fields the operator enforces (whatever the AgentSandbox asked for)${RESET}"
  show_command "kubectl -n ${ns} get pod ${pod} -o yaml   # enforced fields"
  kubectl -n "$ns" get pod "$pod" -o json | "$PYTHON" -c '
import json, sys, yaml
pod = json.load(sys.stdin); spec = pod["spec"]
keep = {k: spec[k] for k in ("runtimeClassName", "automountServiceAccountToken", "hostNetwork", "hostPID",
                             "hostIPC", "enableServiceLinks", "securityContext") if k in spec}
keep["containers"] = [{"name": c["name"], "image": c["image"], "securityContext": c.get("securityContext", {})}
                      for c in spec["containers"]]
print(yaml.safe_dump({"spec": keep}, sort_keys=False).rstrip())
print("status.phase: %s   (no kubelet here; on a gVisor node it runs under runsc)" % pod["status"].get("phase"))
' | sed 's/^/  /'
}

# The climax on a real node: needs root; installs the node's binaries and images first
# (e2e/cluster/cluster.sh install --node: tens of minutes the first time, a second when cached).
step_node() {
  heading "4. The same sandbox on a real node: gVisor, and its NetworkPolicy enforced"
  if [[ ! -x "${BIN_DIR}/agentguard-operator" ]]; then
    note "(left out: this checkout builds no agentguard-operator)"
    return 0
  elif [[ "${AGENTGUARD_STORY_NODE:-}" == 0 ]]; then
    note "(left out: AGENTGUARD_STORY_NODE=0)"
    return 0
  elif [[ "$(id -u)" != 0 ]]; then
    note "(left out: the node runs containerd, CNI and iptables, which need root)"
    return 0
  fi
  run_with_progress "Node binaries and images (first run: builds Kubernetes, gVisor, CoreDNS from Go)" \
    "${STATE_DIR}/logs/node-install.log" '^node-(build|images|install): ' "${REPO}/e2e/cluster/cluster.sh" install --node
  run_with_progress "Node cluster up (containerd, kubelet, kube-proxy, CoreDNS, kube-network-policies)" \
    "${STATE_DIR}/logs/node-up.log" '^node: ' \
    "${REPO}/e2e/cluster/cluster.sh" up --node --state-dir "${STATE_DIR}/node/cluster"
  "${REPO}/e2e/node/demo.sh" run "${STATE_DIR}/node" "${BIN_DIR}/agentguard-operator"
}

# On the same node, after step_node: the tool-call gate against an injected instruction.
step_gate() {
  [[ -f "${STATE_DIR}/node/cluster/env" ]] || return 0  # step_node left the node out, and said why
  heading "5. An injected instruction's tool call refused by agentguard-gate, with its signed record"
  if [[ ! -x "${BIN_DIR}/agentguard-gate" ]]; then
    note "(left out: this checkout builds no agentguard-gate)"
    return 0
  fi
  "${REPO}/e2e/node/demo.sh" gate "${STATE_DIR}/node" "${BIN_DIR}/agentguard"
}

step_finish() {
  heading "The cluster is yours"
  say "agentguard is running against a local control plane. Try it:"
  echo
  say "  ${BOLD}export KUBECONFIG=${CLUSTER_DIR}/kubeconfig${RESET}"
  say "  kubectl -n agents create service loadbalancer demo --tcp=80:8080   # refused"
  say "  kubectl get agentsandboxes -A"
  say "  ${BIN_DIR#"${REPO}/"}/agentguard check examples/unsafe   # the same checks, offline"
  echo
  say "Logs: ${STATE_DIR}/logs/ (webhook.log, operator.log) and ${CLUSTER_DIR}/logs/"
  if [[ -f "${STATE_DIR}/node/cluster/env" ]]; then
    say "The node cluster: ${BOLD}export KUBECONFIG=${STATE_DIR}/node/cluster/kubeconfig${RESET} (kubectl: \$(. ${STATE_DIR}/node/cluster/env; echo \$AGENTGUARD_KUBECTL))"
  fi
  say "Stop everything (webhook, operator, control plane) and remove its files:"
  echo
  local env_prefix=""
  [[ -z "${AGENTGUARD_STORY_DIR:-}" ]] || env_prefix="AGENTGUARD_STORY_DIR=${STATE_DIR} "
  say "  ${BOLD}${env_prefix}e2e/story/run.sh down${RESET}"
}

cmd_run() {
  trap on_interrupt INT TERM
  local started=$SECONDS
  if [[ -e "$STATE_DIR" ]]; then
    note "Stopping the previous story run in ${STATE_DIR}"
    cmd_down >/dev/null
  fi
  mkdir -p "${STATE_DIR}/logs"
  : >"${STATE_DIR}/.agentguard-story"
  step_build
  step_cluster
  # From here on a failure stops what was started, so nothing is left running.
  trap 'status=$?; if ((status != 0)); then echo "Stopping what was started..." >&2; cmd_down >/dev/null 2>&1 || true; fi' EXIT
  step_install
  step_unsafe
  step_hardened
  step_sandbox
  step_node
  step_gate
  trap - EXIT
  step_finish
  note "(story told in $((SECONDS - started))s)"
}

case "${1:-run}" in
  run) cmd_run ;;
  down) cmd_down ;;
  status) cmd_status ;;
  -h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
  *) die "unknown command '$1' (run, down, status)" ;;
esac

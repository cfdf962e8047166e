#!/usr/bin/env bash
# On the node: the AgentSandbox lifecycle paths that need a kubelet. A Pod that exits 0 or
# non-0 under each restartPolicy, ttlSecondsAfterFinished, maxLifetime expiry of a running agent,
# the deletion order (the Pod gone from the API and from containerd before its NetworkPolicy),
# and a RuntimeClass whose handler the node does not have (the Pod must never run under runc).
# Needs a node cluster (AGENTGUARD_CLUSTER_ENV) and the operator running against it with
# --allowed-runtime-classes including "nohandler".
set -euo pipefail
NODE_TEST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly NODE_TEST_DIR
# shellcheck source=SCRIPTDIR/testlib.sh
source "${NODE_TEST_DIR}/testlib.sh"

readonly NS=node-lifecycle

# sandbox NAME RESTART_POLICY SHELL_COMMAND [LIFECYCLE_EXTRA [SANDBOX_CLASS]]
sandbox() {
  k apply -f - >/dev/null <<YAML
apiVersion: agentguard.io/v1alpha1
kind: AgentSandbox
metadata: {name: $1, namespace: ${NS}}
spec:
  ${5:+className: $5}
  lifecycle: {restartPolicy: $2${4:+, $4}}
  template:
    spec:
      terminationGracePeriodSeconds: 2
      securityContext: {runAsUser: 10001, runAsGroup: 10001}
      containers:
        - name: agent
          image: agentguard.local/toolbox:1
          imagePullPolicy: Never
          command: [sh, -c, "$3"]
          resources: {limits: {cpu: 500m, memory: 256Mi}}
YAML
}

phase_is() { [[ "$(sandbox_phase "$NS" "$1")" == "$2" ]]; }

# ends_in NAME PHASE: the sandbox reaches PHASE within 120 s.
ends_in() {
  wait_for 120 phase_is "$1" "$2" && return 0
  echo "phase is '$(sandbox_phase "$NS" "$1")', expected $2"
  k -n "$NS" get pod "$1" -o jsonpath='{.status.containerStatuses}' 2>/dev/null || true
  return 1
}

restarts() { field pod -n "$NS" "$1" -o jsonpath='{.status.containerStatuses[0].restartCount}'; }
restarted() { [[ "$(restarts "$1")" -ge 1 ]]; }

# restarted_in_place NAME: the kubelet restarts the container and the sandbox stays unfinished.
restarted_in_place() {
  wait_for 120 restarted "$1" || { echo "restartCount is '$(restarts "$1")'"; return 1; }
  local phase
  phase="$(sandbox_phase "$NS" "$1")"
  note "$1: restartCount $(restarts "$1"), sandbox phase ${phase}"
  [[ "$phase" == Running || "$phase" == Pending ]] || { echo "sandbox phase ${phase}"; return 1; }
}

deleted_after_ttl() {
  ends_in "$1" Succeeded || return 1
  local finished=$SECONDS
  wait_for 90 gone agentsandbox -n "$NS" "$1" || { echo "still there 90 s after finishing"; return 1; }
  note "$1: deleted $((SECONDS - finished)) s after Succeeded (ttlSecondsAfterFinished: 3)"
}

expires() {
  wait_for 120 pod_ready "$NS" "$1" || { echo "never ran"; return 1; }
  local started=$SECONDS
  ends_in "$1" Expired || return 1
  wait_for 60 gone pod -n "$NS" "$1" || { echo "Pod still exists after expiry"; return 1; }
  wait_for 60 eval '[[ -z "$(cri_pod_id '"$NS"' '"$1"')" ]]' ||
    { echo "the CRI pod still runs on the node"; return 1; }
  note "$1: Expired and its Pod gone from the API and the node $((SECONDS - started)) s after it ran (maxLifetime: 20s)"
}

# Samples the Pod (API, and its running CRI sandbox) and the NetworkPolicy every 0.2 s while the sandbox is
# deleted: the policy may never be missing while the Pod or its CRI sandbox exists.
deletion_order() {
  local name="$1" pod_api pod_cri policy order=""
  wait_for 120 pod_ready "$NS" "$name" || { echo "never ran"; return 1; }
  k -n "$NS" delete agentsandbox "$name" --wait=false >/dev/null
  local deadline=$((SECONDS + 120))
  while ((SECONDS < deadline)); do
    pod_api=0 pod_cri=0 policy=0
    # The policy first: a Pod seen after the policy was seen gone did outlive it (a Pod does not come
    # back), while the other order would blame the policy for a Pod deleted between the two reads.
    k -n "$NS" get networkpolicy "${name}-isolation" >/dev/null 2>&1 && policy=1
    [[ -n "$(cri_pod_id "$NS" "$name" 2>/dev/null)" ]] && pod_cri=1
    k -n "$NS" get pod "$name" >/dev/null 2>&1 && pod_api=1
    local state="pod(api)=${pod_api} pod(node)=${pod_cri} policy=${policy}"
    [[ "$order" == *"$state"* ]] || order+="${order:+ -> }${state}"
    if ((policy == 0 && (pod_api == 1 || pod_cri == 1))); then
      echo "the NetworkPolicy was gone while the Pod still existed: ${order}"
      return 1
    fi
    ((pod_api == 0 && pod_cri == 0 && policy == 0)) && { note "observed: ${order}"; return 0; }
    sleep 0.2
  done
  echo "not deleted within 120 s: ${order}"
  return 1
}

# A RuntimeClass whose handler containerd does not have: the Pod must not run at all
# (in particular not under runc). Prints what the operator and the kubelet report.
missing_handler_never_runs() {
  local name="$1"
  wait_for 60 eval 'k -n '"$NS"' get events --field-selector involvedObject.name='"$name"',reason=FailedCreatePodSandBox -o name | grep -q .' ||
    true
  sleep 5
  local phase events status containers
  phase="$(pod_phase "$NS" "$name")"
  events="$(k -n "$NS" get events --field-selector "involvedObject.name=${name},reason=FailedCreatePodSandBox" \
    -o jsonpath='{.items[0].message}' 2>/dev/null || true)"
  status="$(k -n "$NS" get agentsandbox "$name" -o jsonpath='phase={.status.phase} {range .status.conditions[*]}{.type}={.status}/{.reason} {end}')"
  containers="$(crictl_node ps -a --label "io.kubernetes.pod.namespace=${NS}" --label "io.kubernetes.pod.name=${name}" -q)"
  note "operator reports: ${status}"
  note "kubelet reports: ${events:-no FailedCreatePodSandBox event}"
  note "Pod phase: ${phase}; containers on the node: ${containers:-none}"
  [[ "$phase" != Running && -z "$containers" && -n "$events" ]]
}

main() {
  k create namespace "$NS" >/dev/null
  # The default class runs sandboxes with RuntimeClass gvisor; this class picks one whose handler
  # the node lacks.
  k apply -f - >/dev/null <<YAML
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: nohandler}
handler: missing
---
apiVersion: agentguard.io/v1alpha1
kind: AgentSandboxClass
metadata: {name: nohandler}
spec:
  runtimeClassName: nohandler
YAML
  sandbox never-ok Never "exit 0"
  sandbox never-fail Never "exit 3"
  sandbox onfailure-ok OnFailure "exit 0"
  sandbox onfailure-fail OnFailure "sleep 1; exit 3"
  sandbox always-ok Always "sleep 1; exit 0"
  sandbox ttl Never "exit 0" "ttlSecondsAfterFinished: 3"
  sandbox expiring Always "sleep 3600" "maxLifetime: 20s, onExpiry: DeletePod"
  sandbox deleted Always "sleep 3600"
  sandbox no-handler Always "sleep 3600" "" nohandler

  check "restartPolicy Never, exit 0: Succeeded" ends_in never-ok Succeeded
  check "restartPolicy Never, exit 3: Failed" ends_in never-fail Failed
  check "restartPolicy OnFailure, exit 0: Succeeded" ends_in onfailure-ok Succeeded
  check "restartPolicy OnFailure, exit 3: restarted by the kubelet, not finished" restarted_in_place onfailure-fail
  check "restartPolicy Always, exit 0: restarted by the kubelet, not finished" restarted_in_place always-ok
  check "ttlSecondsAfterFinished deletes the finished sandbox" deleted_after_ttl ttl
  check "maxLifetime expiry kills the running agent (Expired, Pod gone on the node)" expires expiring
  check "deletion: the Pod is gone (API and node) before its NetworkPolicy" deletion_order deleted
  check "RuntimeClass with a handler the node lacks: the Pod never runs (not under runc either)" \
    missing_handler_never_runs no-handler

  k delete namespace "$NS" --wait=false >/dev/null
  k delete runtimeclass nohandler --wait=false >/dev/null
  k delete agentsandboxclass nohandler --wait=false >/dev/null
  summary
}

main "$@"

# shellcheck shell=bash
# agentguard's operator on a node cluster, as the node tests, the benchmark and the demo run it: the
# CRDs, the chart's default AgentSandboxClass, and build/bin/agentguard-operator as a local process.
# Sourced, never run; the caller has sourced the cluster's env file and defines REPO.

# The chart's default AgentSandboxClass, rendered by helm from the chart with one change: the
# destinations here are pods on this node, so the pod CIDR (inside 10.0.0.0/8, which the chart
# denies) stays allowed. Extra --set arguments are passed on (for example the Secrets and
# ConfigMaps a caller's sandboxes use).
node_apply_default_class() {
  local helm
  helm="$("${REPO}/e2e/tools/install-helm.sh")" || { echo "could not install Helm" >&2; return 1; }
  "$helm" template node "${REPO}/charts/agentguard" --show-only templates/sandboxclass.yaml \
    --kube-version "$AGENTGUARD_KUBE_VERSION" \
    --set runtimeClass.create=false \
    --set 'sandboxClass.egress.deniedCIDRs={172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fc00::/7,fe80::/10}' \
    "$@" | "$AGENTGUARD_KUBECTL" apply -f - >/dev/null
}

# Installs both CRDs and waits until they are served (kubectl wait, and a jsonpath filter, fail at once
# while a new CRD has no conditions yet, so this polls and drops those errors).
# Any cluster will do: the gate benchmark calls it on a control plane without a node.
node_install_crds() {
  "$AGENTGUARD_KUBECTL" apply -f "${REPO}/crds/agentguard.io_agentsandboxes.yaml" \
    -f "${REPO}/crds/agentguard.io_agentsandboxclasses.yaml" >/dev/null || return 1
  local crd deadline=$((SECONDS + 60))
  for crd in agentsandboxes.agentguard.io agentsandboxclasses.agentguard.io; do
    until [[ "$("$AGENTGUARD_KUBECTL" get crd "$crd" \
      -o jsonpath='{.status.conditions[?(@.type=="Established")].status}' 2>/dev/null)" == True ]]; do
      ((SECONDS < deadline)) || { echo "CRD ${crd} not Established after 60 s" >&2; return 1; }
      sleep 0.5
    done
  done
}

# node_start_operator LOG_FILE [OPERATOR_FLAG...]: starts the operator (NODE_OPERATOR_BINARY, default
# build/bin/agentguard-operator) in the background; sets NODE_OPERATOR_PID.
node_start_operator() {
  local log_file="$1"
  shift
  "${NODE_OPERATOR_BINARY:-${REPO}/build/bin/agentguard-operator}" --kubeconfig "$KUBECONFIG" \
    --metrics-listen "" --health-listen "" "$@" >"$log_file" 2>&1 &
  NODE_OPERATOR_PID=$!
}

# node_gate_operator_flags: prepares what the operator needs to run tool-call gates (issue 15) on the
# node and prints the operator flags for them, one word per line: the image agentguard.local/gate:1,
# built from NODE_GATE_BINARY (default build/bin/agentguard-gate) and imported into the node's containerd,
# and the chart's gate ClusterRole and TokenReview ClusterRoleBinding (every cluster-scoped RBAC object of
# the chart whose name contains "gate"), applied. AGENTGUARD_NODE_GATE_OPERATOR_FLAGS adds more flags (split on spaces).
node_gate_operator_flags() {
  "${REPO}/e2e/node/images.sh" gate-image "$AGENTGUARD_CONTAINERD_SOCKET" ${NODE_GATE_BINARY:+"$NODE_GATE_BINARY"} >&2 ||
    return 1
  local helm names
  helm="$("${REPO}/e2e/tools/install-helm.sh")" || { echo "could not install Helm" >&2; return 1; }
  "$helm" template node "${REPO}/charts/agentguard" --namespace agentguard-system \
    --kube-version "$AGENTGUARD_KUBE_VERSION" >"${AGENTGUARD_CLUSTER_STATE_DIR}/chart.yaml" || return 1
  names="$(python3 -c '
import json, sys, yaml
items = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
gate = [i for i in items if i["kind"] in ("ClusterRole", "ClusterRoleBinding") and "gate" in i["metadata"]["name"]]
json.dump({"apiVersion": "v1", "kind": "List", "items": gate}, open(sys.argv[2], "w"))
for i in gate:
    print(i["kind"], i["metadata"]["name"])' "${AGENTGUARD_CLUSTER_STATE_DIR}/chart.yaml" \
    "${AGENTGUARD_CLUSTER_STATE_DIR}/gate-rbac.json")" || return 1
  if [[ -n "$names" ]]; then
    "$AGENTGUARD_KUBECTL" apply -f "${AGENTGUARD_CLUSTER_STATE_DIR}/gate-rbac.json" >/dev/null || return 1
  else
    echo "the chart renders no gate ClusterRole or ClusterRoleBinding" >&2
  fi
  printf '%s\n' --gate-image agentguard.local/gate:1
  local kind name
  while read -r kind name; do
    case "$kind" in
      # The gate's own ClusterRole; the TokenReview one is only bound through the binding below.
      ClusterRole) [[ "$name" == *tokenreview* ]] || printf '%s\n' --gate-cluster-role "$name" ;;
      ClusterRoleBinding) printf '%s\n' --gate-token-review-binding "$name" ;;
    esac
  done <<<"$names"
  # shellcheck disable=SC2086  # split on purpose
  [[ -z "${AGENTGUARD_NODE_GATE_OPERATOR_FLAGS:-}" ]] || printf '%s\n' $AGENTGUARD_NODE_GATE_OPERATOR_FLAGS
}

#!/usr/bin/env bash
# The operator's memory under sandboxes the API server keeps refusing: a Pod with a label value containing a
# space (422), a Pod whose resource request is above its limit (422), and a NetworkPolicy whose port ranges expand
# to 262,144 ports, about 10 MB (413). Samples the operator's VmRSS every INTERVAL seconds for DURATION seconds and prints the series;
# run it with the binary of two commits to compare.
#
# Usage: benchmarks/operator/refused_rss.sh [OPERATOR_BINARY]   (default build/bin/agentguard-operator)
# Env:   DURATION (300), INTERVAL (30); AGENTGUARD_CLUSTER_ENV names a running control plane
#        (e2e/cluster/cluster.sh up), otherwise one is started and stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
operator="${1:-build/bin/agentguard-operator}"
duration="${DURATION:-300}"
interval="${INTERVAL:-30}"
[[ -x "$operator" ]] || { echo "no operator binary at $operator" >&2; exit 2; }

if [[ -z "${AGENTGUARD_CLUSTER_ENV:-}" ]]; then
  state="$(mktemp -d)"
  e2e/cluster/cluster.sh up --state-dir "$state" --owner-pid $$ >/dev/null
  trap 'e2e/cluster/cluster.sh down --state-dir "$state" >/dev/null 2>&1 || true' EXIT
  AGENTGUARD_CLUSTER_ENV="$state/env"
fi
# shellcheck disable=SC1090
source "$AGENTGUARD_CLUSTER_ENV"
ns="refused-rss-$$"
kubectl apply -f crds/agentguard.io_agentsandboxes.yaml >/dev/null
# Polled: kubectl wait fails at once while a new CRD has no conditions yet.
until [[ "$(kubectl get crd agentsandboxes.agentguard.io -o jsonpath='{.status.conditions[?(@.type=="Established")].status}')" == True ]]; do
  sleep 0.5
done
kubectl create namespace "$ns" >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: gvisor}
handler: runsc
YAML

ports=""
for p in $(seq 1 16); do ports+="{port: $((p * 1000)), endPort: $((p * 1000 + 255))},"; done
ranges=""
for i in $(seq 0 63); do ranges+="{cidr: 10.${i}.0.0/16, ports: [${ports%,}]},"; done
kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: agentguard.io/v1alpha1
kind: AgentSandbox
metadata: {name: spaces}
spec:
  template:
    metadata: {labels: {team: "research team"}}
    spec: {containers: [{name: agent, image: "registry.example/agent:1"}]}
---
apiVersion: agentguard.io/v1alpha1
kind: AgentSandbox
metadata: {name: limits}
spec:
  template:
    spec:
      containers:
        - {name: agent, image: "registry.example/agent:1", resources: {requests: {cpu: "2"}, limits: {cpu: "1"}}}
---
apiVersion: agentguard.io/v1alpha1
kind: AgentSandbox
metadata: {name: huge}
spec:
  network: {egress: [${ranges%,}]}
  template:
    spec: {containers: [{name: agent, image: "registry.example/agent:1"}]}
YAML

log="$(mktemp)"
"$operator" --kubeconfig "$KUBECONFIG" --namespace "$ns" --metrics-listen "" --health-listen "" --log-level warn \
  2>"$log" >/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; e2e/cluster/cluster.sh down --state-dir "${state:-/nonexistent}" >/dev/null 2>&1 || true' EXIT
echo "operator $operator (pid $pid), namespace $ns"
for ((t = 0; t <= duration; t += interval)); do
  rss="$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")"
  printf 't=%4ss  VmRSS %6.1f MiB  log lines %s\n' "$t" "$(echo "$rss / 1024" | bc -l)" "$(wc -l <"$log")"
  ((t < duration)) && sleep "$interval"
done
kubectl -n "$ns" get agentsandboxes -o custom-columns=NAME:.metadata.name,PHASE:.status.phase,REASON:'.status.conditions[?(@.type=="Blocked")].reason'
kubectl delete namespace "$ns" --wait=false >/dev/null

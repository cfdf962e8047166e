#!/usr/bin/env bash
# On the node: examples/agentsandbox.yaml (image agentguard.local/toolbox:1) runs under gVisor
# with its NetworkPolicy enforced by kube-network-policies, and an identical Pod without the
# policy reaches everything the sandbox cannot, so each block is the policy's doing. A runc Pod
# under a policy of the same shape is held to it too.
# Needs a node cluster (AGENTGUARD_CLUSTER_ENV) and the operator running against it.
set -euo pipefail
NODE_TEST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly NODE_TEST_DIR
REPO="$(cd "${NODE_TEST_DIR}/../.." && pwd)"
readonly REPO
# shellcheck source=SCRIPTDIR/testlib.sh
source "${NODE_TEST_DIR}/testlib.sh"

readonly NS=agents
readonly TARGETS=node-targets
NONCE_ALLOWED="allowed-$(openssl rand -hex 8)"
NONCE_OTHER="other-$(openssl rand -hex 8)"
NONCE_DNS="fake-dns-$(openssl rand -hex 8)"
NONCE_AGENT="agent-$(openssl rand -hex 8)"
NONCE_RUNC="runc-$(openssl rand -hex 8)"


start_destinations() {
  k create namespace "$TARGETS" >/dev/null
  k create namespace "$NS" >/dev/null 2>&1 || true
  local ns
  for ns in "$TARGETS" "$NS"; do
    k -n "$ns" create configmap node-test-scripts --from-file="${NODE_TEST_DIR}/probes/server.py" \
      --from-file="${NODE_TEST_DIR}/probes/probe.py" >/dev/null
  done
  server_pod allowed "$NONCE_ALLOWED" 8080 ""
  server_pod other "$NONCE_OTHER" 8080 ""
  server_pod fake-dns "$NONCE_DNS" 53 53
  server_pod client client 8080 ""
  k -n "$TARGETS" expose pod other --name other-svc --port 8080 >/dev/null
  local pod
  for pod in allowed other fake-dns client; do
    wait_for 120 pod_ready "$TARGETS" "$pod" || { k -n "$TARGETS" describe pod "$pod" | tail -20; return 1; }
  done
}

# The example, with the toolbox image running the nonce server as the agent, and the allow-list
# naming the in-cluster 'allowed' pod instead of the documentation range.
apply_example() {
  k -n "$NS" create secret generic analysis-api --from-literal=api-key=test-key >/dev/null
  k create --dry-run=client -o json -f "${REPO}/examples/agentsandbox.yaml" |
    python3 "${NODE_TEST_DIR}/probes/adapt_example.py" "$(pod_ip "$TARGETS" allowed)/32" "$NONCE_AGENT" |
    k apply -f - >/dev/null
}

# An identical Pod without a policy: the sandbox's Pod, renamed, without the sandbox's labels.
start_control_pod() {
  k -n "$NS" get pod analyst -o json | python3 -c '
import json, sys
pod = json.load(sys.stdin)
meta = pod["metadata"]
pod["metadata"] = {"name": "analyst-control", "namespace": meta["namespace"], "labels": {"app": "control"}}
pod.pop("status", None)
pod["spec"].pop("nodeName", None)
json.dump(pod, sys.stdout)' | k apply -f - >/dev/null
  wait_for 120 pod_ready "$NS" analyst-control
}

# A runc Pod under a NetworkPolicy of the sandbox's shape (no ingress, egress only to the allowed
# pod's 8080), so the enforcement is shown for runc Pods as well as runsc ones.
start_runc_agent() {
  k apply -f - >/dev/null <<YAML
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: runc-agent-isolation, namespace: ${TARGETS}}
spec:
  podSelector: {matchLabels: {app: runc-agent}}
  policyTypes: [Ingress, Egress]
  egress:
    - to: [{podSelector: {matchLabels: {app: allowed}}}]
      ports: [{protocol: TCP, port: 8080}]
YAML
  server_pod runc-agent "$NONCE_RUNC" 8080 ""
  wait_for 120 pod_ready "$TARGETS" runc-agent
}

sandbox_running() { [[ "$(sandbox_phase "$NS" analyst)" == Running ]]; }

reaches_running() {
  wait_for 180 sandbox_running && return 0
  k -n "$NS" get agentsandbox analyst -o yaml | sed -n '/^status:/,$p'
  k -n "$NS" describe pod analyst 2>&1 | tail -n 15
  return 1
}

runs_in_gvisor() {
  local version dmesg
  version="$(k -n "$NS" exec analyst -- cat /proc/version)"
  dmesg="$(k -n "$NS" exec analyst -- dmesg 2>&1 || true)"
  note "/proc/version in the sandbox: ${version}"
  note "dmesg in the sandbox: $(printf '%s' "$dmesg" | head -n 2 | tr '\n' ' ')"
  [[ "$dmesg" == *gVisor* ]] || { echo "dmesg does not name gVisor"; return 1; }
  [[ "$version" != *"$(uname -r)"* ]] || { echo "the sandbox sees the host kernel $(uname -r)"; return 1; }
}

cri_handler_is_runsc() {
  local id handler runtime
  id="$(cri_pod_id "$NS" analyst)"
  [[ -n "$id" ]] || { echo "no CRI pod for ${NS}/analyst"; return 1; }
  handler="$(crictl_node inspectp "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["info"]["runtimeHandler"])')"
  runtime="$(crictl_node inspect "$(crictl_node ps --pod "$id" -q | head -n 1)" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["info"]["runtimeType"])')"
  note "crictl: runtimeHandler=${handler} runtimeType=${runtime}"
  [[ "$handler" == runsc && "$runtime" == io.containerd.runsc.v1 ]]
}

resolves_service() {
  local out ip
  ip="$(field svc -n "$TARGETS" other-svc -o jsonpath='{.spec.clusterIP}')"
  out="$(k -n "$NS" exec "$1" -- nslookup "other-svc.${TARGETS}.svc.cluster.local" 2>&1)" || { echo "$out"; return 1; }
  [[ -n "$ip" && "$out" == *"$ip"* ]] || { echo "$out"; return 1; }
}

logs_show_the_agent() {
  local out
  out="$(k -n "$NS" logs analyst 2>&1)" || { echo "$out"; return 1; }
  [[ "$out" == *serving* ]] || { echo "kubectl logs gave: ${out}"; return 1; }
}

# port_forward_answers NAMESPACE POD NONCE: kubectl port-forward from a loopback port to POD's 8080
# reads NONCE back through the kubelet's streaming API.
port_forward_answers() {
  local ns="$1" pod="$2" nonce="$3" port pid out status=0
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  k -n "$ns" port-forward --address 127.0.0.1 "pod/${pod}" "${port}:8080" >/dev/null 2>&1 &
  pid=$!
  local read_nonce="import socket; c = socket.create_connection(('127.0.0.1', ${port}), 2); c.settimeout(5); print(c.recv(256).decode().strip())"
  if wait_for 20 python3 -c "$read_nonce"; then
    out="$(python3 -c "$read_nonce" 2>&1)" || status=1
    [[ "$out" == "$nonce" ]] || { echo "read '${out}', expected the nonce ${nonce}"; status=1; }
  else
    echo "nothing answered on 127.0.0.1:${port}"
    status=1
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return "$status"
}

main() {
  start_destinations
  apply_example
  check "examples/agentsandbox.yaml reaches phase Running" reaches_running
  wait_for 60 pod_ready "$NS" analyst || true
  check "the agent's kernel is gVisor's (dmesg, /proc/version)" runs_in_gvisor
  check "crictl inspect shows runtime handler runsc" cri_handler_is_runsc
  check "kubectl logs reads the agent's output" logs_show_the_agent
  check "kubectl port-forward reaches a pod through the kubelet" port_forward_answers "$TARGETS" allowed "$NONCE_ALLOWED"
  # Into a gVisor Pod, port-forward gets "connection refused": containerd forwards inside the Pod's
  # network namespace, and runsc's own network stack, not the namespace's, holds the agent's socket.
  if port_forward_answers "$NS" analyst "$NONCE_AGENT" >/dev/null 2>&1; then
    note "kubectl port-forward into the gVisor Pod answered"
  else
    note "kubectl port-forward into the gVisor Pod does not reach the agent (runsc's netstack; a known limit)"
  fi
  start_control_pod
  local other_ip svc_ip dns_ip allowed_ip sandbox_ip control_ip
  other_ip="$(pod_ip "$TARGETS" other)"
  svc_ip="$(field svc -n "$TARGETS" other-svc -o jsonpath='{.spec.clusterIP}')"
  dns_ip="$(pod_ip "$TARGETS" fake-dns)"
  allowed_ip="$(pod_ip "$TARGETS" allowed)"
  sandbox_ip="$(pod_ip "$NS" analyst)"
  control_ip="$(pod_ip "$NS" analyst-control)"
  note "allowed ${allowed_ip}, other ${other_ip} (Service ${svc_ip}), fake-dns ${dns_ip}, sandbox ${sandbox_ip}, control ${control_ip}"

  check "sandbox: DNS resolves a cluster Service" resolves_service analyst
  check "sandbox: the allowed pod answers with its nonce" answers "$NONCE_ALLOWED" "$NS" analyst tcp "$allowed_ip" 8080
  check "sandbox: a pod not on the allow-list is unreachable" blocked "$NS" analyst tcp "$other_ip" 8080
  check "sandbox: a Service not on the allow-list is unreachable" blocked "$NS" analyst tcp "$svc_ip" 8080
  check "sandbox: TCP 53 of a pod that is not kube-dns is refused" blocked "$NS" analyst tcp "$dns_ip" 53
  check "sandbox: UDP 53 of a pod that is not kube-dns is refused" blocked "$NS" analyst udp "$dns_ip" 53
  check "sandbox: ingress from another pod is refused" blocked "$TARGETS" client tcp "$sandbox_ip" 8080

  check "control: DNS resolves a cluster Service" resolves_service analyst-control
  check "control: the allowed pod answers" answers "$NONCE_ALLOWED" "$NS" analyst-control tcp "$allowed_ip" 8080
  check "control: the other pod answers" answers "$NONCE_OTHER" "$NS" analyst-control tcp "$other_ip" 8080
  check "control: the other Service answers" answers "$NONCE_OTHER" "$NS" analyst-control tcp "$svc_ip" 8080
  check "control: TCP 53 of the fake DNS pod answers" answers "$NONCE_DNS" "$NS" analyst-control tcp "$dns_ip" 53
  check "control: UDP 53 of the fake DNS pod answers" answers "$NONCE_DNS" "$NS" analyst-control udp "$dns_ip" 53
  check "control: ingress from another pod reaches it" answers "$NONCE_AGENT" "$TARGETS" client tcp "$control_ip" 8080

  start_runc_agent
  local runc_ip
  runc_ip="$(pod_ip "$TARGETS" runc-agent)"
  check "runc pod with a policy: the allowed pod answers" answers "$NONCE_ALLOWED" "$TARGETS" runc-agent tcp "$allowed_ip" 8080
  check "runc pod with a policy: another pod is unreachable" blocked "$TARGETS" runc-agent tcp "$other_ip" 8080
  check "runc pod with a policy: ingress from another pod is refused" blocked "$TARGETS" client tcp "$runc_ip" 8080

  k delete namespace "$TARGETS" --wait=false >/dev/null
  k -n "$NS" delete pod analyst-control --wait=false >/dev/null
  k -n "$NS" delete agentsandbox analyst --wait=true --timeout=120s >/dev/null || true
  summary
}

main "$@"

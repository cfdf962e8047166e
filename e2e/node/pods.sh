# shellcheck shell=bash
# What the node tests and the demo both do on a node cluster: kubectl of its release, polls, and
# the in-cluster destinations (pods answering with a nonce). Sourced, never run; the caller has
# sourced the cluster's env file before calling these.

k() { "$AGENTGUARD_KUBECTL" "$@"; }

# wait_for SECONDS COMMAND...: polls until COMMAND succeeds.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

pod_ready() {
  [[ "$(k -n "$1" get pod "$2" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

# server_pod NAME NONCE [TCP_PORTS [UDP_PORTS]]: a runc pod in TARGETS answering every connection
# and datagram with NONCE (probes/server.py from ConfigMap node-test-scripts); TCP_PORTS default 8080.
server_pod() {
  local tcp_ports="${3:-8080}"
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: ${TARGETS}, labels: {app: $1}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: server
      image: agentguard.local/toolbox:1
      imagePullPolicy: Never
      command: [python3, /scripts/server.py]
      env: [{name: NONCE, value: "$2"}, {name: TCP_PORTS, value: "${tcp_ports}"}, {name: UDP_PORTS, value: "${4:-}"}]
      readinessProbe: {tcpSocket: {port: ${tcp_ports%% *}}, periodSeconds: 1}
      volumeMounts: [{name: scripts, mountPath: /scripts}]
  volumes: [{name: scripts, configMap: {name: node-test-scripts}}]
YAML
}

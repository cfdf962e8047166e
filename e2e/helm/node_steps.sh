# shellcheck shell=bash
# The steps of e2e/helm/run.sh --on-node that differ from the local-process mode: the chart's own
# Pods on a one-node cluster, the image built from the Dockerfile, availability under disruption.
# Sourced by run.sh, never run; uses its pass/fail/expect/fatal/section and its globals.

NODE_IMAGE_REF=""
STREAM_PID=""
STREAM_OUT=""
NODE_CLUSTER_IP_CIDR=10.217.0.1/32   # where the API server's connections to a pod come from (e2e/node/node.sh GATEWAY_IP)

# live_webhook_pods FIELD: FIELD (name, uid, ip or image) of each webhook Pod that is not terminating.
live_webhook_pods() {
  kubectl -n "$RELEASE_NAMESPACE" get pods -l "$(node_webhook_selector)" -o json | "$PYTHON" -c '
import json, sys
field = sys.argv[1]
for pod in json.load(sys.stdin)["items"]:
    if pod["metadata"].get("deletionTimestamp"):
        continue
    print({"name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"],
           "ip": pod["status"].get("podIP", ""), "image": pod["spec"]["containers"][0]["image"]}[field])
' "$1"
}

node_webhook_selector() { printf 'app.kubernetes.io/instance=%s,app.kubernetes.io/component=webhook\n' "$RELEASE"; }
node_operator_selector() { printf 'app.kubernetes.io/instance=%s,app.kubernetes.io/component=operator\n' "$RELEASE"; }

# Logs of the chart's Pods (for a failed run).
node_pod_logs() {
  local pod
  for pod in $(kubectl -n "$RELEASE_NAMESPACE" get pods -o name 2>/dev/null); do
    printf -- '--- %s\n' "$pod"
    kubectl -n "$RELEASE_NAMESPACE" logs "$pod" --tail 15 2>&1 || true
  done
  kubectl -n "$RELEASE_NAMESPACE" get pods -o wide 2>&1 || true
}

stop_background_probes() {
  [[ -z "$STREAM_PID" ]] || { kill "$STREAM_PID" 2>/dev/null || true; wait "$STREAM_PID" 2>/dev/null || true; }
  STREAM_PID=""
}

node_cluster_up() {
  section "Node cluster and the agentguard image"
  if ! "${REPO}/e2e/cluster/cluster.sh" up --node --state-dir "$CLUSTER_DIR" >"${STATE_DIR}/cluster-up.log" 2>&1; then
    tail -n 40 "${STATE_DIR}/cluster-up.log"
    fatal "cluster.sh up --node"
  fi
  # shellcheck disable=SC1091
  source "${CLUSTER_DIR}/env"
  export KUBECONFIG
  PATH="$(dirname "$AGENTGUARD_KUBECTL"):${PATH}"
  pass "node cluster up: Kubernetes ${AGENTGUARD_KUBE_VERSION}, gVisor (${AGENTGUARD_GVISOR_PLATFORM}), kube-network-policies"
  local started=$SECONDS out
  if ! out="$("${REPO}/scripts/build-image.sh" --load-into "$CLUSTER_DIR" 2>"${STATE_DIR}/build-image.log")"; then
    tail -n 40 "${STATE_DIR}/build-image.log"
    fatal "scripts/build-image.sh --load-into ${CLUSTER_DIR}"
  fi
  NODE_IMAGE_REF="${out##*$'\n'}"
  pass "image ${NODE_IMAGE_REF} built from the Dockerfile in $((SECONDS - started)) s and imported into the node: $(grep -o 'agentguard.local/agentguard:[^:]*: .*' "${STATE_DIR}/build-image.log" | tail -n 1 | cut -d: -f3-)"
}

# --set flags of the release on the node. The node has its RuntimeClass gvisor already (e2e/node/node.sh).
# The node's API server listens on a port chosen at start (AGENTGUARD_APISERVER_URL): the egress
# NetworkPolicy of the chart's Pods must allow it, as the kubernetes Service's 443 is translated to it.
node_chart_values() {
  printf '%s\n' --set "image.repository=${NODE_IMAGE_REF%:*}" --set "image.tag=${NODE_IMAGE_REF##*:}" \
    --set image.pullPolicy=Never --set operator.replicas=2 --set runtimeClass.create=false \
    --set "webhook.networkPolicy.apiServerCIDRs={${NODE_CLUSTER_IP_CIDR}}" \
    --set "egressNetworkPolicy.apiServerPorts={443,${AGENTGUARD_APISERVER_URL##*:}}" \
    --set 'sandboxClass.egress.deniedCIDRs={172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fc00::/7,fe80::/10}' \
    --set 'sandboxClass.configMaps.names={node-test-scripts}'
  # A developer's knob for measuring a value's effect, e.g. AGENTGUARD_E2E_HELM_SET=webhook.shutdownDelaySeconds=0
  [[ -z "${AGENTGUARD_E2E_HELM_SET:-}" ]] || printf '%s\n' --set "$AGENTGUARD_E2E_HELM_SET"
}

# The flags of every helm install and upgrade of the release on the node: its values, and wait until
# its Pods are ready.
node_install_values() {
  node_chart_values
  printf '%s\n' --wait --timeout 300s
}

# The install a missing image breaks: the webhook's Pods never start, so nothing is registered and
# the cluster keeps taking Pods in guarded namespaces. Then the release is upgraded to the real image
# by step_install.
node_install_unready() {
  local values=() out
  mapfile -t values < <(node_chart_values)
  if ! out="$(helm_ install "$RELEASE" "$CHART_DIR" --namespace "$RELEASE_NAMESPACE" "${values[@]}" \
    --set image.tag=absent-e2e 2>&1)"; then
    printf '%s\n' "$out"
    fatal "helm install with an image that does not exist"
  fi
  not_pulled() {
    kubectl -n "$RELEASE_NAMESPACE" get pods -l "$(node_webhook_selector)" \
      -o jsonpath='{range .items[*]}{.status.containerStatuses[0].state.waiting.reason}{"\n"}{end}' | grep -q ErrImageNeverPull
  }
  if lib_wait_for 60 "the webhook Pods to fail pulling" not_pulled; then
    pass "helm install with image tag absent-e2e: the webhook Pods cannot start (ErrImageNeverPull)"
  else
    fail "the webhook Pods of the broken install are not in ErrImageNeverPull"
  fi
  sleep 5
  expect "the broken install registered no webhook" \
    bash -c "! kubectl get validatingwebhookconfiguration '$(lib_fullname)-webhook' >/dev/null 2>&1"
  kubectl get namespace agents >/dev/null 2>&1 || kubectl create namespace agents >/dev/null
  local pod='{"apiVersion":"v1","kind":"Pod","metadata":{"name":"still-works"},"spec":{"containers":[{"name":"c","image":"agentguard.local/toolbox:1"}]}}'
  expect "the cluster still creates Pods in a guarded namespace" \
    bash -c "kubectl -n agents create --dry-run=server -f - <<<'${pod}'"
}

node_components() {
  section "The chart's Pods on the node"
  local fullname deployment
  fullname="$(lib_fullname)"
  for deployment in "${fullname}-webhook" "${fullname}-operator"; do
    if kubectl -n "$RELEASE_NAMESPACE" rollout status "deployment/${deployment}" --timeout=180s >/dev/null 2>&1; then
      pass "Deployment ${deployment}: $(kubectl -n "$RELEASE_NAMESPACE" get deployment "$deployment" -o jsonpath='{.status.readyReplicas}/{.spec.replicas}') Pods ready, image $(kubectl -n "$RELEASE_NAMESPACE" get deployment "$deployment" -o jsonpath='{.spec.template.spec.containers[0].image}')"
    else
      fatal "Deployment ${deployment} did not become ready"
    fi
  done
  check_registration
  local services
  services="$(kubectl get validatingwebhookconfiguration "${fullname}-webhook" \
    -o jsonpath='{range .webhooks[*]}{.clientConfig.service.namespace}/{.clientConfig.service.name}:{.clientConfig.service.port}{.clientConfig.url} {end}')"
  if [[ "$(tr ' ' '\n' <<<"$services" | grep . | sort -u)" == "${RELEASE_NAMESPACE}/${fullname}-webhook:443" ]]; then
    pass "the API server calls the webhook through Service ${RELEASE_NAMESPACE}/${fullname}-webhook (no URL)"
  else
    fail "webhook clientConfig is not the Service: ${services}"
  fi
  local holder pods
  holder_is_a_pod() {
    holder="$(kubectl -n "$RELEASE_NAMESPACE" get lease agentguard-operator -o jsonpath='{.spec.holderIdentity}' 2>/dev/null)"
    pods="$(kubectl -n "$RELEASE_NAMESPACE" get pods -l "$(node_operator_selector)" -o jsonpath='{.items[*].metadata.name}')"
    [[ -n "$holder" && " ${pods} " == *" ${holder%_*} "* ]]
  }
  if lib_wait_for 60 "an operator Pod to hold the Lease" holder_is_a_pod; then
    pass "operator Pod ${holder%_*} leads (Lease ${RELEASE_NAMESPACE}/agentguard-operator); the other stands by"
  else
    fail "no operator Pod holds Lease agentguard-operator (holder '${holder}', pods ${pods})"
  fi
  local uids
  uids="$(kubectl -n "$RELEASE_NAMESPACE" get pods -l "app.kubernetes.io/instance=${RELEASE}" \
    -o jsonpath='{range .items[*]}{.spec.securityContext.runAsUser}{" "}{.spec.containers[0].securityContext.readOnlyRootFilesystem}{"\n"}{end}' | sort -u)"
  if [[ "$uids" == "65532 true" ]]; then
    pass "every chart Pod runs as uid 65532 with a read-only root file system"
  else
    fail "chart Pods' users/root file systems: ${uids}"
  fi
}

# scrape POD PORT: the Pod's /metrics through kubectl port-forward (the webhook's NetworkPolicy admits
# metrics.allowedFrom only, and the host is not in it).
node_scrape() {
  local pod="$1" port="$2" forward_log forward_pid local_port body=""
  forward_log="$(mktemp "${STATE_DIR}/port-forward.XXXXXX")"
  kubectl -n "$RELEASE_NAMESPACE" port-forward "pod/${pod}" ":${port}" >"$forward_log" 2>&1 &
  forward_pid=$!
  if lib_wait_for 15 "port-forward to ${pod}" grep -q 'Forwarding from 127.0.0.1' "$forward_log"; then
    local_port="$(sed -n 's/^Forwarding from 127.0.0.1:\([0-9]*\) .*/\1/p' "$forward_log" | head -n 1)"
    body="$(curl -sS --max-time 5 "http://127.0.0.1:${local_port}/metrics" 2>/dev/null || true)"
  fi
  kill "$forward_pid" 2>/dev/null || true
  wait "$forward_pid" 2>/dev/null || true
  rm -f "$forward_log"
  printf '%s\n' "$body"
}

node_metrics() {
  section "Metrics"
  local webhook operator body counted=""
  # A counter with labels shows once it has counted something: the Service spreads the examples over
  # the replicas, so at least one of them has.
  for webhook in $(live_webhook_pods name); do
    body="$(node_scrape "$webhook" 9090)"
    grep -q '^agentguard_' <<<"$body" || fail "webhook Pod ${webhook} /metrics serves no agentguard_* series"
    lib_standard_metrics "$body" || fail "webhook Pod ${webhook} /metrics lacks agentguard_build_info or process_*"
    ! grep -q '^agentguard_admission_requests_total' <<<"$body" || counted+=" ${webhook}"
  done
  if [[ -n "$counted" ]]; then
    pass "webhook /metrics counts admission requests (agentguard_admission_requests_total on${counted})"
  else
    fail "no webhook Pod's /metrics has agentguard_admission_requests_total"
  fi
  operator="$(kubectl -n "$RELEASE_NAMESPACE" get pods -l "$(node_operator_selector)" -o jsonpath='{.items[0].metadata.name}')"
  body="$(node_scrape "$operator" 9090)"
  if grep -q '^agentguard_' <<<"$body"; then pass "operator Pod ${operator} /metrics serves agentguard_* series"; else
    fail "operator Pod ${operator} /metrics serves no agentguard_* series"
  fi
  expect "operator Pod ${operator} /metrics has agentguard_build_info and process_* metrics" lib_standard_metrics "$body"
}

# The sandbox example, adapted to what the node has (e2e/node/probes/adapt_example.py: the toolbox
# image, an allow-list of a pod address), in NAMESPACE under NAME. With "small", the container requests
# 10m CPU and 32Mi (the example asks 250m and 512Mi: a 2-core node schedules six of those).
node_sandbox_json() {
  local namespace="$1" name="$2" size="${3:-}"
  kubectl create --dry-run=client -o json -f "${REPO}/examples/agentsandbox.yaml" |
    "$PYTHON" "${REPO}/e2e/node/probes/adapt_example.py" 10.217.0.250/32 helm-e2e |
    "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
d["metadata"]["namespace"], d["metadata"]["name"] = sys.argv[1], sys.argv[2]
if sys.argv[3] == "small":
    for c in d["spec"]["template"]["spec"]["containers"]:
        c["resources"] = {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"cpu": "1", "memory": "256Mi"}}
print(json.dumps(d))' "$namespace" "$name" "$size"
}

# What the sandboxes of NAMESPACE mount: the Secret and the nonce server script, usable by label.
node_sandbox_namespace() {
  local namespace="$1"
  kubectl get namespace "$namespace" >/dev/null 2>&1 || kubectl create namespace "$namespace" >/dev/null
  kubectl -n "$namespace" create secret generic analysis-api --from-literal=api-key=e2e >/dev/null 2>&1 || true
  kubectl -n "$namespace" create configmap node-test-scripts --from-file="${REPO}/e2e/node/probes/server.py" >/dev/null 2>&1 || true
  kubectl -n "$namespace" label secret analysis-api agentguard.io/sandbox-usable=true --overwrite >/dev/null &&
    kubectl -n "$namespace" label configmap node-test-scripts agentguard.io/sandbox-usable=true --overwrite >/dev/null
}

node_fail_closed() {
  section "Fail closed, and the cluster can recover"
  local deployment replicas out
  deployment="$(lib_fullname)-webhook"
  replicas="$(kubectl -n "$RELEASE_NAMESPACE" get deployment "$deployment" -o jsonpath='{.spec.replicas}')"
  kubectl -n "$RELEASE_NAMESPACE" scale deployment "$deployment" --replicas=0 >/dev/null
  no_webhook_pods() { [[ -z "$(kubectl -n "$RELEASE_NAMESPACE" get pods -l "$(node_webhook_selector)" -o name)" ]]; }
  lib_wait_for 90 "every webhook Pod gone" no_webhook_pods || fatal "webhook Pods still running after scaling to 0"
  if out="$(kubectl apply -f "${REPO}/examples/unsafe/loadbalancer-service.yaml" 2>&1)"; then
    fail "with both webhook Pods gone an unsafe Service was admitted (failurePolicy Fail)"
  elif [[ "$out" == *'failed calling webhook'* ]]; then
    pass "both webhook Pods gone: the API server refuses a covered request ($(grep -o 'failed calling webhook[^:]*' <<<"$out" | head -n 1))"
  else
    fail "webhook gone: unexpected answer ${out}"
  fi
  local privileged='{"apiVersion":"v1","kind":"Pod","metadata":{"name":"recovery"},"spec":{"containers":[{"name":"c","image":"agentguard.local/toolbox:1","securityContext":{"privileged":true}}]}}'
  expect "kube-system still takes Pods with the webhook gone (not sent to it)" \
    bash -c "kubectl -n kube-system create --dry-run=server -f - <<<'${privileged}'"
  kubectl -n "$RELEASE_NAMESPACE" scale deployment "$deployment" --replicas="$replicas" >/dev/null
  if kubectl -n "$RELEASE_NAMESPACE" rollout status "deployment/${deployment}" --timeout=180s >/dev/null 2>&1; then
    pass "recovered: ${replicas} webhook Pods created in the release namespace while no webhook ran"
  else
    fatal "the webhook Deployment did not come back"
  fi
  denied_again() {
    local answer
    answer="$(kubectl apply -f "${REPO}/examples/unsafe/loadbalancer-service.yaml" 2>&1)" && return 1
    [[ "$answer" == *'denied the request'* ]]
  }
  expect "enforcement is back: the unsafe Service is refused by agentguard" lib_wait_for 30 "a decision" denied_again
}

# ---------------------------------------------------------------------------
# Availability under disruption

node_stream_start() {
  kubectl get namespace stream >/dev/null 2>&1 || kubectl create namespace stream >/dev/null
  STREAM_OUT="${STATE_DIR}/stream.json"
  printf '%s' "$AGENTGUARD_ADMIN_TOKEN" >"${STATE_DIR}/admin.token"
  "$PYTHON" "${E2E_HELM_DIR}/admission_stream.py" --server "$AGENTGUARD_APISERVER_URL" \
    --ca "$AGENTGUARD_APISERVER_CA" --token-file "${STATE_DIR}/admin.token" --namespace stream --rate 4 \
    >"$STREAM_OUT" 2>"${STATE_DIR}/stream.err" &
  STREAM_PID=$!
}

# "pod container cpu_ns memory_bytes" per chart container (CRI stats of the node's containerd).
# Retried: under load a stats call can time out.
node_container_stats() {
  local attempt out
  for attempt in 1 2 3; do
    out="$(node_container_stats_once)"
    [[ -z "$out" ]] || break
    sleep 1
  done
  printf '%s\n' "$out"
}

node_container_stats_once() {
  "$AGENTGUARD_CRICTL" --timeout 20s stats --label "io.kubernetes.pod.namespace=${RELEASE_NAMESPACE}" -o json 2>/dev/null |
    "$PYTHON" -c '
import json, sys
for s in json.load(sys.stdin).get("stats", []):
    labels = s["attributes"]["labels"]
    print(labels["io.kubernetes.pod.name"], s["attributes"]["metadata"]["name"],
          s.get("cpu", {}).get("usageCoreNanoSeconds", {}).get("value", 0),
          s.get("memory", {}).get("workingSetBytes", {}).get("value", 0))'
}

# CPU and memory of each chart container over SECONDS of the steady stream, against the chart's
# requests and limits.
node_resource_use() {
  local seconds="$1" before after
  section "Resource use under the admission stream (${seconds} s)"
  before="$(node_container_stats)"
  sleep "$seconds"
  after="$(node_container_stats)"
  local table
  if table="$("$PYTHON" -c '
import sys
before = {tuple(l.split()[:2]): int(l.split()[2]) for l in sys.argv[1].splitlines() if l.strip()}
seconds = int(sys.argv[3])
rows = 0
for line in sys.argv[2].splitlines():
    pod, container, cpu, memory = line.split()
    if (pod, container) in before:
        rows += 1
        print("    %-45s %-9s %4.0fm CPU %6.1f MiB working set" % (pod, container, (int(cpu) - before[(pod, container)]) / 1e6 / seconds, int(memory) / 2**20))
print("    chart: webhook requests 100m/64Mi, limits 500m/256Mi; operator requests 50m/64Mi, limits 500m/256Mi")
sys.exit(0 if rows else 1)
' "$before" "$after" "$seconds")"; then
    printf '%s\n' "$table"
    pass "CPU and memory of the chart's containers read from the node (CRI stats)"
  else
    fail "no chart container in both CRI stats samples ($(grep -c . <<<"$before") and $(grep -c . <<<"$after") lines)"
  fi
}

node_stream_stop() {
  stop_background_probes
  local summary
  summary="$(cat "$STREAM_OUT")"
  "$PYTHON" -c '
import json, sys
s = json.loads(sys.argv[1])
print("    %(admissions)d admissions in %(seconds)s s: %(admitted_as_expected)d admitted and %(refused_as_expected)d refused as expected, %(wrong_decisions)d wrongly decided, %(failed)d failed" % s)
for p in s["first_problems"]:
    print("    problem at %(at_seconds)ss: %(what)s expected %(expected)s, got HTTP %(status)s: %(answer)s" % p)
' "$summary" || fail "the admission stream printed no summary: $(tail -n 5 "${STATE_DIR}/stream.err")"
  local failed wrong total
  read -r total failed wrong < <("$PYTHON" -c 'import json, sys; s = json.loads(sys.argv[1]); print(s["admissions"], s["failed"], s["wrong_decisions"])' "$summary")
  if ((total > 0 && failed == 0 && wrong == 0)); then
    pass "availability: ${total} admissions through pod deletion, drain, rolling upgrade and certificate rotation; 0 failed, 0 wrongly decided"
  else
    fail "availability: ${failed} of ${total} admissions failed and ${wrong} were wrongly decided"
  fi
}

node_delete_webhook_pod() {
  section "Availability: a webhook Pod deleted"
  local pod
  pod="$(kubectl -n "$RELEASE_NAMESPACE" get pods -l "$(node_webhook_selector)" -o jsonpath='{.items[0].metadata.name}')"
  kubectl -n "$RELEASE_NAMESPACE" delete pod "$pod" --wait=true >/dev/null
  if kubectl -n "$RELEASE_NAMESPACE" rollout status "deployment/$(lib_fullname)-webhook" --timeout=120s >/dev/null 2>&1; then
    pass "deleted webhook Pod ${pod}; its replacement is ready"
  else
    fail "no ready replacement for webhook Pod ${pod}"
  fi
}

# One node: a drain evicts one webhook Pod, then the PodDisruptionBudget (minAvailable 1) refuses the
# second eviction, because the replacement cannot schedule on the cordoned node. That refusal is the
# point: the drain waits instead of taking the last webhook away.
node_drain() {
  section "Availability: the node drained with the PodDisruptionBudget in place"
  local out before after
  before="$(kubectl -n "$RELEASE_NAMESPACE" get pods -l "$(node_webhook_selector)" -o jsonpath='{.items[*].metadata.name}')"
  out="$(kubectl drain "$AGENTGUARD_NODE_NAME" --pod-selector "$(node_webhook_selector)" \
    --delete-emptydir-data --ignore-daemonsets --timeout=30s 2>&1)" || true
  after="$(kubectl -n "$RELEASE_NAMESPACE" get pods -l "$(node_webhook_selector)" --field-selector=status.phase=Running -o jsonpath='{.items[*].metadata.name}')"
  if [[ "$out" == *'disruption budget'* ]] && [[ -n "$after" ]]; then
    pass "drain evicted a webhook Pod, the PodDisruptionBudget kept $(wc -w <<<"$after") running (of ${before})"
  else
    fail "drain: the PodDisruptionBudget did not hold: ${out##*$'\n'} (running after: ${after:-none})"
  fi
  kubectl uncordon "$AGENTGUARD_NODE_NAME" >/dev/null
  kubectl -n "$RELEASE_NAMESPACE" rollout status "deployment/$(lib_fullname)-webhook" --timeout=120s >/dev/null 2>&1 ||
    fail "the webhook Deployment did not recover after uncordon"
}

# helm upgrade to a new image tag (the same build, tagged anew) and 3 replicas: a rolling update, after
# the CRD upgrade hook's Job.
node_upgrade() {
  section "helm upgrade: a new image tag, rolled"
  local tag out
  tag="${NODE_IMAGE_REF##*:}-upgrade"
  if ! out="$("${REPO}/scripts/build-image.sh" --tag "$tag" --load-into "$CLUSTER_DIR" 2>"${STATE_DIR}/build-image-upgrade.log")"; then
    tail -n 20 "${STATE_DIR}/build-image-upgrade.log"
    fatal "scripts/build-image.sh --tag ${tag}"
  fi
  INSTALL_VALUES+=(--set "image.tag=${tag}" --set webhook.replicas=3)
  # The CRDs as an older chart left them: the pre-upgrade hook's Job must make them the chart's.
  lib_make_crd_stale || fatal "patching the AgentSandbox CRD"
  if ! out="$(helm_ upgrade "$RELEASE" "$CHART_DIR" --namespace "$RELEASE_NAMESPACE" "${INSTALL_VALUES[@]}" 2>&1)"; then
    printf '%s\n' "$out"
    kubectl -n "$RELEASE_NAMESPACE" logs "job/$(lib_fullname)-crds-upgrade" 2>&1 | tail -n 20 || true
    fatal "helm upgrade"
  fi
  expect "the pre-upgrade hook's Job made both CRDs the chart's (the stale property is gone)" lib_crd_is_the_charts
  hook_objects_gone() {
    local name left
    name="$(lib_fullname)-crds-upgrade"
    left="$(kubectl -n "$RELEASE_NAMESPACE" get job,configmap,serviceaccount,clusterrole,clusterrolebinding \
      "$name" --ignore-not-found -o name 2>&1)" || return 1
    [[ -z "$left" ]]
  }
  expect "the hook's Job, ConfigMap, ServiceAccount and RBAC are deleted once it succeeded" \
    lib_wait_for 30 "the hook's objects to go" hook_objects_gone
  # helm --wait returns once the new Pods are ready; the old ones may still be in their preStop sleep.
  local images
  only_new_pods() {
    images="$(live_webhook_pods image | sort | uniq -c | sed 's/^ *//')"
    [[ "$images" == "3 agentguard.local/agentguard:${tag}" ]]
  }
  if lib_wait_for 60 "only new webhook Pods" only_new_pods; then
    pass "helm upgrade rolled the webhook to 3 Pods of agentguard:${tag}"
  else
    fail "after helm upgrade the webhook Pods run: ${images}"
  fi
}

# Rotation in the self-signed mode: delete the Secret. The first webhook Pod to read it again (every
# 10 s) generates a new CA and certificate there; each Pod writes them to its files, registers the new
# CA beside the previous one, and serves the new certificate a few seconds later, without a restart.
node_rotation() {
  section "Certificate rotation in the cluster"
  local secret fullname old_serial new_serial uids_before
  fullname="$(lib_fullname)"
  secret="${fullname}-webhook-tls"
  old_serial="$(kubectl -n "$RELEASE_NAMESPACE" get secret "$secret" -o jsonpath='{.data.tls\.crt}' | base64 -d | openssl x509 -noout -serial)"
  uids_before="$(live_webhook_pods uid | sort)"
  kubectl -n "$RELEASE_NAMESPACE" delete secret "$secret" >/dev/null
  regenerated() {
    new_serial="$(kubectl -n "$RELEASE_NAMESPACE" get secret "$secret" -o jsonpath='{.data.tls\.crt}' 2>/dev/null | base64 -d | openssl x509 -noout -serial 2>/dev/null)"
    [[ -n "$new_serial" && "$new_serial" != "$old_serial" ]]
  }
  lib_wait_for 60 "a webhook Pod to generate a new certificate" regenerated ||
    fatal "no webhook Pod generated a new certificate after the Secret was deleted"
  regenerated || fatal "reading the regenerated Secret"
  every_pod_serves_new() {
    local ip
    for ip in $(live_webhook_pods ip); do
      [[ "$(openssl s_client -connect "${ip}:8443" </dev/null 2>/dev/null | openssl x509 -noout -serial 2>/dev/null)" == "$new_serial" ]] || return 1
    done
  }
  local started=$SECONDS
  if lib_wait_for 180 "every webhook Pod to serve the new certificate" every_pod_serves_new; then
    pass "every webhook Pod serves the new certificate after $((SECONDS - started)) s"
  else
    fail "webhook Pods still serve the old certificate 180 s after rotation"
  fi
  local cas
  cas="$(kubectl get validatingwebhookconfiguration "${fullname}-webhook" -o jsonpath='{.webhooks[0].clientConfig.caBundle}' | base64 -d | grep -c 'BEGIN CERTIFICATE')"
  if ((cas == 2)); then pass "the webhook registered the new CA beside the previous one"; else fail "caBundle holds ${cas} CAs, want 2"; fi
  local uids_after
  uids_after="$(live_webhook_pods uid | sort)"
  expect "no webhook Pod was restarted or replaced for the rotation" test "$uids_before" = "$uids_after"
}

# ---------------------------------------------------------------------------
# The operator's leader killed during a burst of AgentSandboxes

node_operator_failover() {
  section "Operator failover during a burst of 50 AgentSandboxes"
  local ns=burst count=50 watcher_out="${STATE_DIR}/invariant.json" watcher_pid
  node_sandbox_namespace "$ns" || fatal "preparing namespace ${ns}"
  "$PYTHON" "${E2E_HELM_DIR}/sandbox_invariant.py" --server "$AGENTGUARD_APISERVER_URL" \
    --ca "$AGENTGUARD_APISERVER_CA" --token-file "${STATE_DIR}/admin.token" --namespace "$ns" \
    >"$watcher_out" 2>"${STATE_DIR}/invariant.err" &
  watcher_pid=$!
  sleep 1
  local i manifests="${STATE_DIR}/burst.json"
  for ((i = 1; i <= count; i++)); do node_sandbox_json "$ns" "sandbox-${i}" small; done >"$manifests"
  local leader
  leader="$(kubectl -n "$RELEASE_NAMESPACE" get lease agentguard-operator -o jsonpath='{.spec.holderIdentity}')"
  leader="${leader%_*}"
  local started=$SECONDS
  kubectl apply -f "$manifests" >/dev/null || fail "applying ${count} AgentSandboxes"
  sleep 2
  kubectl -n "$RELEASE_NAMESPACE" delete pod "$leader" --grace-period=0 --force >/dev/null 2>&1
  pass "killed the leading operator Pod ${leader} 2 s into the burst"
  running_count() {
    kubectl -n "$ns" get agentsandboxes -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Running$'
  }
  all_running() { [[ "$(running_count)" == "$count" ]]; }
  if lib_wait_for 300 "every AgentSandbox Running" all_running; then
    pass "all ${count} AgentSandboxes Running $((SECONDS - started)) s after the burst began"
  else
    fail "only $(running_count) of ${count} AgentSandboxes Running after 300 s"
    kubectl -n "$ns" get pods --no-headers 2>&1 | awk '{print "    pods " $3}' | sort | uniq -c
    kubectl -n "$ns" get events --sort-by=.lastTimestamp 2>&1 | tail -n 8 | sed 's/^/    /'
  fi
  local new_leader
  new_leader="$(kubectl -n "$RELEASE_NAMESPACE" get lease agentguard-operator -o jsonpath='{.spec.holderIdentity}')"
  expect "another operator Pod (${new_leader%_*}) took the Lease" test "${new_leader%_*}" != "$leader"
  kill "$watcher_pid" 2>/dev/null || true
  wait "$watcher_pid" 2>/dev/null || true
  local verdict
  verdict="$("$PYTHON" -c '
import json, sys
s = json.loads(open(sys.argv[1]).read())
count = int(sys.argv[2])
created = s["pods_created"]
problems = []
if s["watch_errors"]: problems.append("watch errors: %s" % s["watch_errors"])
if s["violation_count"]: problems.append("%d Pods existed without their NetworkPolicy, first: %s" % (s["violation_count"], s["violations"][:3]))
if len(created) != count: problems.append("%d sandboxes got a Pod, want %d" % (len(created), count))
twice = {k: v for k, v in created.items() if v != 1}
if twice: problems.append("sandboxes with more than one Pod: %s" % twice)
print("; ".join(problems) if problems else "ok %d events" % s["events"])
' "$watcher_out" "$count" 2>&1)"
  if [[ "$verdict" == ok* ]]; then
    pass "watched ${verdict#ok }: every sandbox got exactly one Pod, and no Pod ever existed without its NetworkPolicy"
  else
    fail "operator failover: ${verdict}"
  fi
  kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
}

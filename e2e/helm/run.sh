#!/usr/bin/env bash
# End-to-end suite of the Helm chart against a local control plane of its own (e2e/cluster/cluster.sh:
# etcd, kube-apiserver and kube-controller-manager of e2e/node/versions.sh; no kubelet, so pods stay Pending).
#
# There is no kubelet to run the chart's Deployments, so agentguard-webhook and agentguard-operator run
# as local processes with the args the chart gives their Deployments, authenticated with the token of
# the chart's own ServiceAccounts: what they can do is exactly what the chart's RBAC grants. The chart
# is installed with webhook.url pointing at the local webhook and its self-signed certificate.
#
# Covered: helm lint (default and cert-manager values); values.schema.json refusing bad values; the
# rendered chart accepted by the API server (server-side dry run; for tls.mode=cert-manager, whose CRDs
# are absent here, the cert-manager objects are checked client-side only); helm install; the examples
# refused or admitted through the API server; an AgentSandbox turned into a NetworkPolicy and a Pod;
# the exemption label guarded; fail-closed when the webhook is down; helm upgrade keeping the
# certificates; certificate rotation picked up without a restart; helm uninstall leaving nothing with
# the release label (CRDs stay, as Helm documents).
#
# With --on-node the same suite runs the chart as users do, on a one-node cluster (e2e/node: kubelet,
# containerd, gVisor, kube-network-policies, CoreDNS): the image is built from the Dockerfile
# (scripts/build-image.sh) and loaded into the node, helm install runs the chart's own Deployments, and
# the API server calls the webhook through its Service. On top of the steps above it measures
# availability: a stream of admissions runs while a webhook Pod is deleted, the node is drained with
# the PodDisruptionBudget in place, the webhook is rolled to a new image and its certificate is
# rotated, and every failed or wrongly decided admission is counted (the target is zero); the
# operator's leader is killed during a burst of 50 AgentSandboxes while a watch checks that no
# sandbox Pod ever exists without its NetworkPolicy. scripts/test.sh runs this mode; the local-process
# mode stays as the developer's inner loop (about a minute, no root, no image build).
#
# Usage: e2e/helm/run.sh [--on-node] [--bin-dir DIR] [--chart-only] [--keep]
#   --on-node       run the chart's Pods on a node cluster (root; builds the image, cached layers)
#   --bin-dir DIR   where agentguard-webhook and agentguard-operator are (default: build/bin)
#   --chart-only    only what needs no agentguard binary (lint, dry runs, install, upgrade, uninstall),
#                   with webhook.failurePolicy=Ignore; for work on the chart alone, never in CI
#   --keep          leave the cluster and processes running at the end (prints how to stop them)
# Environment: AGENTGUARD_SANDBOX_EXAMPLE  the AgentSandbox to apply (default examples/agentsandbox.yaml)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly REPO
# shellcheck source=SCRIPTDIR/lib.sh
source "${REPO}/e2e/helm/lib.sh"
# shellcheck source=SCRIPTDIR/node_steps.sh
source "${REPO}/e2e/helm/node_steps.sh"
# The Kubernetes release the control plane runs, for every render of the chart (Helm's own default is
# older than the chart's kubeVersion allows).
# shellcheck source=SCRIPTDIR/../node/versions.sh
source "${REPO}/e2e/node/versions.sh"
readonly KUBE_VERSION="${NODE_KUBE_VERSION#v}"

BIN_DIR="${REPO}/build/bin"
KEEP=0
CHART_ONLY=0
ON_NODE=0
while (($# > 0)); do
  case "$1" in
    --on-node)
      ON_NODE=1
      shift
      ;;
    --bin-dir)
      BIN_DIR="$2"
      shift 2
      ;;
    --keep)
      KEEP=1
      shift
      ;;
    --chart-only)
      CHART_ONLY=1
      shift
      ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "unknown argument: $1 (see --help)" >&2
      exit 2
      ;;
  esac
done

readonly RELEASE=e2e
readonly RELEASE_NAMESPACE=agentguard-system
readonly INSTANCE_LABEL="app.kubernetes.io/instance=${RELEASE}"
STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/agentguard-e2e-helm.XXXXXX")"
readonly STATE_DIR
readonly CLUSTER_DIR="${STATE_DIR}/cluster"
HELM=""

PASSED=0
FAILED=0
STARTED_AT=$SECONDS

pass() {
  PASSED=$((PASSED + 1))
  printf '  ok    %s\n' "$*"
}

fail() {
  FAILED=$((FAILED + 1))
  printf '  FAIL  %s\n' "$*"
}

# expect DESCRIPTION COMMAND...: passes if COMMAND succeeds (its output is discarded).
expect() {
  local what="$1"
  shift
  if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}

# A failure after which nothing later can be meaningful.
fatal() {
  fail "$*"
  exit 1
}

section() {
  printf '\n== %s (%ss)\n' "$*" "$((SECONDS - STARTED_AT))"
}

cleanup() {
  local status=$?
  set +e
  if ((KEEP)); then
    printf '\nKept: export KUBECONFIG=%s\n' "${CLUSTER_DIR}/kubeconfig"
    printf 'Stop: kill %s; %s down --state-dir %s; rm -rf %s\n' \
      "$(lib_recorded_pid webhook 2>/dev/null) $(lib_recorded_pid operator 2>/dev/null)" \
      "${REPO}/e2e/cluster/cluster.sh" "$CLUSTER_DIR" "$STATE_DIR"
  else
    stop_background_probes
    lib_stop_process operator
    lib_stop_process webhook
    if ((ON_NODE)); then
      mkdir -p "${STATE_DIR}/logs"
      node_pod_logs >"${STATE_DIR}/logs/pods.log" 2>&1
    fi
    "${REPO}/e2e/cluster/cluster.sh" down --state-dir "$CLUSTER_DIR" >/dev/null 2>&1
  fi
  if ((status != 0 || FAILED > 0)); then
    local log
    for log in "${STATE_DIR}"/logs/*.log; do
      [[ -s "$log" ]] || continue
      printf '\n---- last lines of %s ----\n' "$(basename "$log")"
      tail -n 25 "$log"
    done
  fi
  ((KEEP)) || rm -rf "$STATE_DIR"
  printf '\nHelm e2e: %ss\n' "$((SECONDS - STARTED_AT))"
  printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
  if ((status == 0 && FAILED > 0)); then
    status=1
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------

helm_() {
  "$HELM" "$@"
}

# The names of the CRDs the chart carries in crds/.
chart_crd_names() {
  "$PYTHON" -c '
import glob, sys, yaml
for path in sorted(glob.glob(sys.argv[1] + "/crds/*.yaml")):
    for d in yaml.safe_load_all(open(path)):
        if d and d.get("kind") == "CustomResourceDefinition":
            print(d["metadata"]["name"])
' "$CHART_DIR"
}

# Rendered chart as JSON documents (a list), for client-side checks. The ValidatingWebhookConfiguration
# the webhook registers (in the registration ConfigMap) is added as a document of its own.
render_json() {
  helm_ template "$RELEASE" "$CHART_DIR" --namespace "$RELEASE_NAMESPACE" --kube-version "$KUBE_VERSION" "$@" |
    "$PYTHON" -c '
import json, sys, yaml
docs = [d for d in yaml.safe_load_all(sys.stdin) if d]
for d in list(docs):
    if d["kind"] == "ConfigMap" and "validatingwebhookconfiguration.json" in (d.get("data") or {}):
        docs.append(json.loads(d["data"]["validatingwebhookconfiguration.json"]))
print(json.dumps(docs))'
}

step_static() {
  section "Static checks"
  local out
  if out="$(helm_ lint "$CHART_DIR" --strict --kube-version "$KUBE_VERSION" 2>&1)"; then
    pass "helm lint --strict (default values, Kubernetes ${KUBE_VERSION})"
  else
    fail "helm lint (default values):"
    printf '%s\n' "$out"
  fi
  if out="$(helm_ lint "$CHART_DIR" --strict --kube-version "$KUBE_VERSION" --set webhook.tls.mode=cert-manager \
    --set metrics.serviceMonitor.enabled=true 2>&1)"; then
    pass "helm lint --strict (tls.mode=cert-manager, serviceMonitor)"
  else
    fail "helm lint (cert-manager values):"
    printf '%s\n' "$out"
  fi

  # Every key of values.yaml has a comment right above it (free-form resource maps aside), and every
  # key is described by values.schema.json.
  local undocumented
  undocumented="$("$PYTHON" - "${CHART_DIR}" <<'PY'
import json, re, sys
chart = sys.argv[1]
lines = open(chart + "/values.yaml").read().splitlines()
schema = json.load(open(chart + "/values.schema.json"))
stack, problems = [], []
for i, line in enumerate(lines):
    m = re.match(r"^( *)([A-Za-z][A-Za-z0-9]*):", line)
    if not m:
        continue
    indent, key = len(m.group(1)), m.group(2)
    while stack and stack[-1][0] >= indent:
        stack.pop()
    parents = [k for _, k in stack]
    stack.append((indent, key))
    if "resources" in parents:
        continue
    path = ".".join(parents + [key])
    if i == 0 or not lines[i - 1].strip().startswith("#"):
        problems.append(path + ": no comment")
    node = schema
    for part in parents + [key]:
        node = (node.get("properties") or {}).get(part)
        if node is None:
            problems.append(path + ": not in values.schema.json")
            break
print("\n".join(problems))
PY
)"
  if [[ -z "$undocumented" ]]; then pass "every value in values.yaml is commented and in values.schema.json"; else
    fail "values.yaml:"
    printf '    %s\n' "$undocumented"
  fi

  # values.schema.json: each of these must make lint and template fail, naming the value.
  # kubeVersion claims only what is tested: the release the control plane runs, not the minor before it.
  local minor="${KUBE_VERSION#*.}" older
  older="${KUBE_VERSION%%.*}.$((${minor%%.*} - 1)).0"
  if out="$(helm_ template "$RELEASE" "$CHART_DIR" --kube-version "$older" 2>&1)"; then
    fail "the chart renders for Kubernetes ${older}, older than the tested ${KUBE_VERSION}"
  elif [[ "$out" != *"requires kubeVersion"* ]]; then
    fail "the chart refused Kubernetes ${older} for another reason: ${out}"
  else
    pass "the chart refuses Kubernetes ${older} (kubeVersion claims only the tested ${KUBE_VERSION})"
  fi

  local bad
  for bad in webhook.failurePolicy=Sometimes webhook.timeoutSeconds=60 webhook.tls.mode=vault \
    webhook.replicas=0 webhook.url=http://127.0.0.1:8443/validate logLevel=chatty webhook.unknownKey=1 \
    webhook.networkPolicy.apiServerCIDRs[0]=10.0.0.1 image.pullPolicy=Sometimes \
    operator.replicas=2,operator.leaderElection.enabled=false runtimeClass.handler=Run_SC; do
    local key="${bad##*,}"
    key="${key%%=*}"
    key="${key%%[*}"
    key="${key##*.}"
    if out="$(helm_ lint "$CHART_DIR" --kube-version "$KUBE_VERSION" --set "$bad" 2>&1)"; then
      fail "helm lint accepted the bad value ${bad}"
    elif [[ "$out" != *"$key"* ]]; then
      fail "helm lint refused ${bad} without naming ${key}: ${out}"
    elif helm_ template "$RELEASE" "$CHART_DIR" --kube-version "$KUBE_VERSION" --set "$bad" >/dev/null 2>&1; then
      fail "helm template accepted the bad value ${bad}"
    else
      pass "bad value refused at install time: ${bad}"
    fi
  done

  # Every object carries the release label (uninstall is checked by it), runs as non-root with a
  # read-only root filesystem, no privilege escalation, all capabilities dropped, seccomp
  # RuntimeDefault, resources and probes.
  local problems
  problems="$(render_json | "$PYTHON" -c '
import json, sys
docs = json.load(sys.stdin)
problems = []
for d in docs:
    name = d["kind"] + "/" + d["metadata"]["name"]
    if d["metadata"].get("labels", {}).get("app.kubernetes.io/instance") != "'"$RELEASE"'":
        problems.append(name + ": no app.kubernetes.io/instance label")
    if d["kind"] != "Deployment":
        continue
    pod = d["spec"]["template"]["spec"]
    psc = pod.get("securityContext", {})
    if not psc.get("runAsNonRoot") or psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append(name + ": pod securityContext")
    for c in pod["containers"]:
        sc = c.get("securityContext", {})
        checks = {
            "runAsNonRoot": sc.get("runAsNonRoot") is True,
            "runAsUser 65532": sc.get("runAsUser") == 65532,
            "readOnlyRootFilesystem": sc.get("readOnlyRootFilesystem") is True,
            "allowPrivilegeEscalation false": sc.get("allowPrivilegeEscalation") is False,
            "drop ALL": sc.get("capabilities", {}).get("drop") == ["ALL"],
            "seccomp RuntimeDefault": sc.get("seccompProfile", {}).get("type") == "RuntimeDefault",
            "resources": bool(c.get("resources", {}).get("requests")) and bool(c.get("resources", {}).get("limits")),
            "liveness /healthz": c.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/healthz",
            "readiness /readyz": c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/readyz",
        }
        problems += [name + " container " + c["name"] + ": " + k for k, ok in checks.items() if not ok]
print("\n".join(problems))
')"
  if [[ -z "$problems" ]]; then pass "rendered objects: release label everywhere; hardened, probed, resourced containers"; else
    fail "rendered objects:"
    printf '    %s\n' "$problems"
  fi

  # The ValidatingWebhookConfiguration's registration settings.
  problems="$(render_json | "$PYTHON" -c '
import json, sys
docs = json.load(sys.stdin)
vwc = next(d for d in docs if d["kind"] == "ValidatingWebhookConfiguration")
problems = []
hooks = {w["name"]: w for w in vwc["webhooks"]}
for w in hooks.values():
    for key, want in [("failurePolicy", "Fail"), ("timeoutSeconds", 5), ("sideEffects", "None"),
                      ("matchPolicy", "Equivalent"), ("admissionReviewVersions", ["v1"])]:
        if w.get(key) != want:
            problems.append("%s: %s is %r, want %r" % (w["name"], key, w.get(key), want))
work = hooks["workloads.agentguard.io"]
covered = set()
for r in work["rules"]:
    if set(r["operations"]) != {"CREATE", "UPDATE"}:
        problems.append("workloads rule operations %r" % r["operations"])
    covered |= {(g, res) for g in r["apiGroups"] for res in r["resources"]}
want = {("", "pods"), ("", "pods/ephemeralcontainers"), ("", "services"), ("", "services/status"),
        ("", "replicationcontrollers"), ("", "podtemplates"), ("", "configmaps"),
        ("apps", "deployments"), ("apps", "replicasets"), ("apps", "statefulsets"), ("apps", "daemonsets"),
        ("batch", "jobs"), ("batch", "cronjobs"), ("networking.k8s.io", "ingresses"), ("", "persistentvolumes"),
        ("agents.x-k8s.io", "sandboxes"), ("extensions.agents.x-k8s.io", "sandboxtemplates"),
        ("agentguard.io", "agentsandboxes")}
if want - covered:
    problems.append("workloads webhook misses %r" % sorted(want - covered))
netpol = hooks.get("networkpolicies.agentguard.io", {})
if [(r["resources"], sorted(r["operations"])) for r in netpol.get("rules", [])] != [(["networkpolicies"], ["CREATE", "DELETE", "UPDATE"])]:
    problems.append("networkpolicies webhook must cover networkpolicies CREATE, UPDATE and DELETE")
if netpol.get("namespaceSelector") != work["namespaceSelector"]:
    problems.append("networkpolicies webhook must check the namespaces the workloads webhook checks")
exprs = {e["key"]: e for e in work["namespaceSelector"]["matchExpressions"]}
names = exprs.get("kubernetes.io/metadata.name", {})
if names.get("operator") != "NotIn" or not {"kube-system", "kube-node-lease", "'"$RELEASE_NAMESPACE"'"} <= set(names.get("values", [])):
    problems.append("workloads namespaceSelector does not exclude the system and release namespaces")
if exprs.get("agentguard.io/exempt", {}).get("operator") != "NotIn":
    problems.append("workloads namespaceSelector does not exclude agentguard.io/exempt=true")
ns = hooks["namespaces.agentguard.io"]
if ns.get("namespaceSelector") or [r["resources"] for r in ns["rules"]] != [["namespaces", "namespaces/status", "namespaces/finalize"]]:
    problems.append("namespaces webhook must cover namespaces with no namespaceSelector")
print("\n".join(problems))
')"
  if [[ -z "$problems" ]]; then pass "ValidatingWebhookConfiguration: Fail, 5s, None, Equivalent, v1, rules and selectors"; else
    fail "ValidatingWebhookConfiguration:"
    printf '    %s\n' "$problems"
  fi
}

step_cluster_up() {
  if ((ON_NODE)); then
    node_cluster_up
    return
  fi
  section "Local control plane"
  if ! "${REPO}/e2e/cluster/cluster.sh" up --install --state-dir "$CLUSTER_DIR" --owner-pid $$ \
    >"${STATE_DIR}/cluster-up.log" 2>&1; then
    cat "${STATE_DIR}/cluster-up.log"
    fatal "cluster.sh up"
  fi
  # The env file also puts the cluster's kubectl first on PATH.
  # shellcheck disable=SC1091
  source "${CLUSTER_DIR}/env"
  export KUBECONFIG
  pass "cluster up: ${AGENTGUARD_APISERVER_URL} (Kubernetes ${AGENTGUARD_KUBE_VERSION})"
}

step_dry_run() {
  section "The rendered chart against the API server"
  lib_create_release_namespace
  # The chart's default AgentSandboxClass can only be dry-run once its CRD exists (helm install then
  # leaves the existing CRDs as they are).
  kubectl apply -f "${CHART_DIR}/crds" >/dev/null || fatal "kubectl apply -f ${CHART_DIR}/crds"
  lib_wait_crd_established agentsandboxclasses.agentguard.io ||
    fatal "CRD agentsandboxclasses.agentguard.io not established"
  # The Prometheus Operator's CRDs, so the chart's ServiceMonitors, PodMonitor and PrometheusRule are
  # checked by the server against their real schemas (e2e/tools/install-monitoring-crds.sh).
  local monitoring_crds crd
  monitoring_crds="$("${REPO}/e2e/tools/install-monitoring-crds.sh")" || fatal "could not fetch the Prometheus Operator CRDs"
  kubectl apply --server-side -f "$monitoring_crds" >/dev/null || fatal "kubectl apply -f ${monitoring_crds}"
  for crd in servicemonitors podmonitors prometheusrules; do
    lib_wait_crd_established "${crd}.monitoring.coreos.com" || fatal "CRD ${crd}.monitoring.coreos.com not established"
  done
  local out
  if out="$(helm_ template "$RELEASE" "$CHART_DIR" --namespace "$RELEASE_NAMESPACE" --include-crds \
    --kube-version "$KUBE_VERSION" | kubectl apply --dry-run=server -f - 2>&1)"; then
    pass "helm template | kubectl apply --dry-run=server: $(grep -c 'server dry run' <<<"$out") objects accepted"
  else
    fail "server-side dry run refused the rendered chart:"
    printf '%s\n' "$out"
  fi

  # cert-manager's CRDs are not installed here: its objects are checked client-side (they reference each
  # other correctly); everything else still goes through the server-side dry run.
  local docs
  docs="$(render_json --set webhook.tls.mode=cert-manager)"
  local problems
  # The rendered chart goes on stdin: it is larger than one command-line argument may be.
  problems="$("$PYTHON" -c '
import json, sys
docs = json.load(sys.stdin)
fullname = "'"$(lib_fullname)"'"
ns = "'"$RELEASE_NAMESPACE"'"
by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
problems = []
vwc = by[("ValidatingWebhookConfiguration", fullname + "-webhook")]
if any(w["clientConfig"].get("caBundle") for w in vwc["webhooks"]):
    problems.append("the registration template carries a caBundle (the webhook adds the ca.crt cert-manager writes)")
if ("Secret", fullname + "-webhook-tls") in by:
    problems.append("self-signed Secret rendered in cert-manager mode")
cert = by.get(("Certificate", fullname + "-webhook"))
if not cert:
    problems.append("no Certificate " + fullname + "-webhook")
else:
    dep = by[("Deployment", fullname + "-webhook")]
    vols = {v["name"]: v for v in dep["spec"]["template"]["spec"]["volumes"]}
    if vols["tls"]["secret"]["secretName"] != cert["spec"]["secretName"]:
        problems.append("webhook mounts %s, Certificate writes %s" % (vols["tls"]["secret"]["secretName"], cert["spec"]["secretName"]))
    if fullname + "-webhook." + ns + ".svc" not in cert["spec"]["dnsNames"]:
        problems.append("Certificate lacks the Service DNS name")
    ref = cert["spec"]["issuerRef"]
    issuer = by.get((ref["kind"], ref["name"]))
    if not issuer or "ca" not in issuer["spec"]:
        problems.append("Certificate issuerRef %r is not the chart CA Issuer" % ref)
    else:
        ca = by.get(("Certificate", ref["name"]))
        if not ca or not ca["spec"].get("isCA") or ca["spec"]["secretName"] != issuer["spec"]["ca"]["secretName"]:
            problems.append("CA Issuer secret is not written by an isCA Certificate")
        elif ("Issuer", ca["spec"]["issuerRef"]["name"]) not in by:
            problems.append("CA Certificate issuer missing")
for d in docs:
    if d["apiVersion"].startswith("cert-manager.io/") and d["metadata"].get("namespace") != ns:
        problems.append(d["kind"] + " " + d["metadata"]["name"] + " not in the release namespace")
print("\n".join(problems))
' <<<"$docs")"
  if [[ -z "$problems" ]]; then pass "tls.mode=cert-manager: Issuers, Certificates and Secret wired (client-side)"; else
    fail "tls.mode=cert-manager:"
    printf '    %s\n' "$problems"
  fi
  if out="$("$PYTHON" -c '
import json, sys, yaml
docs = [d for d in json.load(sys.stdin) if not d["apiVersion"].startswith("cert-manager.io/")]
print(yaml.safe_dump_all(docs))' <<<"$docs" | kubectl apply --dry-run=server -f - 2>&1)"; then
    pass "tls.mode=cert-manager: the other objects pass the server-side dry run"
  else
    fail "tls.mode=cert-manager server-side dry run:"
    printf '%s\n' "$out"
  fi

  # Other value combinations, each rendered and dry-run on the server (the monitoring objects too).
  local combination
  kubectl get namespace agents >/dev/null 2>&1 || kubectl create namespace agents >/dev/null
  for combination in \
    "operator.watchNamespace=agents,operator.leaderElection.enabled=false,runtimeClass.create=false" \
    "operator.enabled=false,webhook.replicas=1,webhook.podAntiAffinity=none,webhook.networkPolicy.enabled=false" \
    "webhook.podAntiAffinity=hard,webhook.networkPolicy.apiServerCIDRs={10.0.0.0/28,fd00::/64},metrics.podAnnotations=true,metrics.serviceMonitor.enabled=true,metrics.prometheusRule.enabled=true,metrics.grafanaDashboard.enabled=true,image.digest=sha256:$(printf '%064d' 0)" \
    "egressNetworkPolicy.apiServerCIDRs={10.0.0.1/32},egressNetworkPolicy.apiServerPorts={6443},decisionLog.enabled=true,decisionLog.checkpoints.url=https://keeper.example:8443/c" \
    "webhook.tls.mode=cert-manager,webhook.tls.certManager.issuerRef.name=corp-ca,webhook.tls.certManager.issuerRef.kind=ClusterIssuer,webhook.url=https://webhook.example.test:9443/validate"; do
    if out="$(helm_ template "$RELEASE" "$CHART_DIR" --namespace "$RELEASE_NAMESPACE" --kube-version "$KUBE_VERSION" \
      --set "$combination" 2>&1 | "$PYTHON" -c '
import sys, yaml
docs = [d for d in yaml.safe_load_all(sys.stdin) if d]
print(yaml.safe_dump_all([d for d in docs if not d["apiVersion"].startswith("cert-manager.io/")]))
' | kubectl apply --dry-run=server -f - 2>&1)"; then
      pass "server-side dry run with ${combination}"
    else
      fail "server-side dry run with ${combination}:"
      printf '%s\n' "$out"
    fi
  done
}

# Values of the installed release: the webhook by URL (a local process), self-signed certificates.
INSTALL_VALUES=()

step_install() {
  section "helm install"
  lib_pick_component_ports
  if ((ON_NODE)); then
    mapfile -t INSTALL_VALUES < <(node_install_values)
  elif ((CHART_ONLY)); then
    mapfile -t INSTALL_VALUES < <(lib_local_values "$WEBHOOK_PORT" Ignore)
  else
    mapfile -t INSTALL_VALUES < <(lib_local_values "$WEBHOOK_PORT" Fail)
  fi
  local out verb=install
  if ((ON_NODE)); then
    node_install_unready
    verb=upgrade
  fi
  if ! out="$(helm_ "$verb" "$RELEASE" "$CHART_DIR" --namespace "$RELEASE_NAMESPACE" "${INSTALL_VALUES[@]}" 2>&1)"; then
    printf '%s\n' "$out"
    fatal "helm ${verb}"
  fi
  if ((ON_NODE)); then
    pass "helm upgrade ${RELEASE} --wait to the real image ${NODE_IMAGE_REF} (the webhook behind its Service)"
  else
    pass "helm install ${RELEASE} (webhook.url=https://127.0.0.1:${WEBHOOK_PORT}/validate)"
  fi
  local crd
  for crd in $(chart_crd_names); do
    expect "CRD ${crd} installed" kubectl get crd "$crd"
  done
  expect "RuntimeClass gvisor with handler runsc" \
    test "$(kubectl get runtimeclass gvisor -o jsonpath='{.handler}' 2>/dev/null)" = runsc
  local count
  count="$(lib_extract_policies "${STATE_DIR}/policies-check")"
  local expected
  expected="$(find "${REPO}/policies" -mindepth 2 -maxdepth 2 -name policy.yaml | wc -l)"
  if ((count == expected)) && ((count > 0)); then pass "policies ConfigMap holds the ${count} bundled policies"; else
    fail "policies ConfigMap holds ${count} files, policies/ has ${expected}"
  fi
  if ((ON_NODE)); then
    check_serving_certificate
  else
    # The chart renders no certificate: the webhook generates it at runtime (step_components).
    expect "no TLS Secret before a webhook ran (nothing generated by the chart)" \
      bash -c "! kubectl -n '${RELEASE_NAMESPACE}' get secret '$(lib_fullname)-webhook-tls' >/dev/null 2>&1"
  fi
  if ((ON_NODE == 0)); then
    expect "no webhook registered before a webhook is ready" \
      bash -c "! kubectl get validatingwebhookconfiguration '$(lib_fullname)-webhook' >/dev/null 2>&1"
  fi
}

# The serving certificate in the webhook's Secret verifies against the Secret's CA and names the
# address the webhook is reached at.
check_serving_certificate() {
  lib_extract_tls "${STATE_DIR}/tls-installed" || { fail "reading the webhook TLS Secret"; return; }
  local san="IP Address:127.0.0.1"
  ((ON_NODE == 0)) || san="DNS:$(lib_fullname)-webhook.${RELEASE_NAMESPACE}.svc"
  if openssl verify -CAfile "${STATE_DIR}/tls-installed/ca.crt" "${STATE_DIR}/tls-installed/tls.crt" >/dev/null 2>&1 &&
    openssl x509 -in "${STATE_DIR}/tls-installed/tls.crt" -noout -ext subjectAltName | grep -qF "$san"; then
    pass "the serving certificate verifies against the Secret's CA and names ${san}"
  else
    fail "webhook TLS: certificate chain or SAN ${san} wrong"
  fi
}

# The webhook registered itself once ready: the chart's template, its Secret's CA as caBundle, owned by
# its ClusterRole (so helm uninstall removes it).
check_registration() {
  local fullname registered
  fullname="$(lib_fullname)"
  registered_now() { kubectl get validatingwebhookconfiguration "${fullname}-webhook" >/dev/null 2>&1; }
  lib_wait_for 30 "the webhook's registration" registered_now || { fail "the ready webhook registered nothing"; return; }
  lib_extract_tls "${STATE_DIR}/tls-registered" || { fail "reading the webhook TLS Secret"; return; }
  registered="$(kubectl get validatingwebhookconfiguration "${fullname}-webhook" -o json)"
  local problems
  problems="$("$PYTHON" -c '
import base64, json, sys
vwc = json.loads(sys.argv[1]); ca = open(sys.argv[2]).read().strip(); fullname = sys.argv[3]
problems = []
for w in vwc["webhooks"]:
    if base64.b64decode(w["clientConfig"].get("caBundle", "")).decode().strip() != ca:
        problems.append("%s: caBundle is not the Secret CA" % w["name"])
owners = vwc["metadata"].get("ownerReferences", [])
if [(o["kind"], o["name"]) for o in owners] != [("ClusterRole", fullname + "-webhook")]:
    problems.append("owner references %r" % owners)
if len(vwc["webhooks"]) != 3:
    problems.append("%d webhooks registered, want 3" % len(vwc["webhooks"]))
print("\n".join(problems))
' "$registered" "${STATE_DIR}/tls-registered/ca.crt" "$fullname")"
  if [[ -z "$problems" ]]; then
    pass "the ready webhook registered itself: 3 webhooks, caBundle = the Secret's CA, owned by ClusterRole ${fullname}-webhook"
  else
    fail "registration:"
    printf '    %s\n' "$problems"
  fi
}

# ---------------------------------------------------------------------------
# With the binaries

step_components() {
  if ((ON_NODE)); then
    node_components
    return
  fi
  section "agentguard-webhook and agentguard-operator as the chart's ServiceAccounts"
  lib_require_binaries || fatal "agentguard binaries missing in ${BIN_DIR}"
  lib_start_webhook || fatal "agentguard-webhook did not become ready"
  pass "agentguard-webhook ready on 127.0.0.1:${WEBHOOK_PORT}, as ServiceAccount $(lib_fullname)-webhook"
  lib_start_operator || fatal "agentguard-operator did not become ready"
  pass "agentguard-operator ready, as ServiceAccount $(lib_fullname)-operator"
  check_serving_certificate
  check_registration
  if kubectl -n "$RELEASE_NAMESPACE" get lease agentguard-operator >/dev/null 2>&1 ||
    lib_wait_for 30 "the operator's Lease" kubectl -n "$RELEASE_NAMESPACE" get lease agentguard-operator; then
    pass "operator holds Lease ${RELEASE_NAMESPACE}/agentguard-operator"
  else
    fail "operator took no Lease in ${RELEASE_NAMESPACE}"
  fi
}

# The chart's ServiceAccounts, with their own tokens, can do what the components need and no more.
step_credentials() {
  section "The chart's ServiceAccounts and their permissions"
  local fullname
  fullname="$(lib_fullname)"
  lib_write_sa_kubeconfig "${fullname}-webhook" "${STATE_DIR}/webhook.kubeconfig" ||
    fatal "no token for ServiceAccount ${fullname}-webhook"
  lib_write_sa_kubeconfig "${fullname}-operator" "${STATE_DIR}/operator.kubeconfig" ||
    fatal "no token for ServiceAccount ${fullname}-operator"
  pass "kubeconfigs written from tokens issued for both ServiceAccounts"
  local webhook="${STATE_DIR}/webhook.kubeconfig" operator="${STATE_DIR}/operator.kubeconfig"
  expect_can yes "$webhook" list networkpolicies.networking.k8s.io --all-namespaces
  expect_can yes "$webhook" watch networkpolicies.networking.k8s.io --all-namespaces
  expect_can no "$webhook" create networkpolicies.networking.k8s.io -n agents
  # Workloads are listed when a NetworkPolicy changes, a Pod read for its ephemeral containers.
  expect_can yes "$webhook" list pods --all-namespaces
  expect_can yes "$webhook" list deployments.apps --all-namespaces
  expect_can yes "$webhook" list cronjobs.batch --all-namespaces
  expect_can no "$webhook" delete pods -n agents
  # Its serving certificate's Secret by name (self-signed mode), no other Secret.
  expect_can yes "$webhook" get "secrets/${fullname}-webhook-tls" -n "$RELEASE_NAMESPACE"
  expect_can yes "$webhook" create "secrets/${fullname}-webhook-tls" -n "$RELEASE_NAMESPACE"
  expect_can no "$webhook" get "secrets/${fullname}-decision-key" -n "$RELEASE_NAMESPACE"
  expect_can no "$webhook" list secrets -n "$RELEASE_NAMESPACE"
  expect_can no "$webhook" create secrets -n "$RELEASE_NAMESPACE"
  expect_can no "$webhook" get secrets -n agents
  # Its own registration by name, nothing else of the kind.
  expect_can yes "$webhook" create "validatingwebhookconfigurations.admissionregistration.k8s.io/${fullname}-webhook"
  expect_can yes "$webhook" patch "validatingwebhookconfigurations.admissionregistration.k8s.io/${fullname}-webhook"
  expect_can no "$webhook" create validatingwebhookconfigurations.admissionregistration.k8s.io/someone-else
  expect_can no "$webhook" patch mutatingwebhookconfigurations.admissionregistration.k8s.io/someone-else
  expect_can yes "$webhook" get "clusterroles.rbac.authorization.k8s.io/${fullname}-webhook"
  expect_can no "$webhook" get clusterroles.rbac.authorization.k8s.io/cluster-admin
  local verb
  for verb in get list watch update patch delete; do
    expect_can yes "$operator" "$verb" agentsandboxes.agentguard.io -n agents
  done
  expect_can no "$operator" create agentsandboxes.agentguard.io -n agents
  expect_can yes "$operator" update agentsandboxes.agentguard.io --subresource=status -n agents
  expect_can yes "$operator" update agentsandboxes.agentguard.io --subresource=finalizers -n agents
  for verb in get list watch create update patch delete; do
    expect_can yes "$operator" "$verb" pods -n agents
    expect_can yes "$operator" "$verb" networkpolicies.networking.k8s.io -n agents
  done
  expect_can yes "$operator" create events -n agents
  expect_can yes "$operator" watch runtimeclasses.node.k8s.io
  expect_can no "$operator" create runtimeclasses.node.k8s.io
  # What a template names is read by name only; Services are watched (none may select a sandbox's Pod).
  expect_can yes "$operator" get secrets -n agents
  expect_can no "$operator" list secrets -n agents
  expect_can yes "$operator" get persistentvolumeclaims -n agents
  expect_can yes "$operator" get persistentvolumes
  expect_can yes "$operator" watch services -n agents
  # Each namespace's agentguard-gate (docs/tool-gate.md): its Deployment, Service, PDB and RoleBinding, bound
  # to the chart's gate roles only, and the TokenReview binding's subjects, that binding only.
  expect_can yes "$operator" create services -n agents
  expect_can yes "$operator" create deployments.apps -n agents
  expect_can no "$operator" update deployments.apps -n agents
  expect_can yes "$operator" create rolebindings.rbac.authorization.k8s.io -n agents
  expect_can yes "$operator" bind "clusterroles.rbac.authorization.k8s.io/${fullname}-gate"
  expect_can no "$operator" bind clusterroles.rbac.authorization.k8s.io/cluster-admin
  expect_can yes "$operator" update "clusterrolebindings.rbac.authorization.k8s.io/${fullname}-gate-tokenreview"
  expect_can no "$operator" update clusterrolebindings.rbac.authorization.k8s.io/cluster-admin
  expect_can no "$operator" create clusterrolebindings.rbac.authorization.k8s.io
  expect_can yes "$operator" watch agentsandboxclasses.agentguard.io
  expect_can no "$operator" update agentsandboxclasses.agentguard.io
  expect_can yes "$operator" create serviceaccounts -n agents
  expect_can no "$operator" update serviceaccounts -n agents
  expect_can yes "$operator" create leases.coordination.k8s.io -n "$RELEASE_NAMESPACE"
  expect_can yes "$operator" update leases.coordination.k8s.io/agentguard-operator -n "$RELEASE_NAMESPACE"
  expect_can no "$operator" update leases.coordination.k8s.io/someone-else -n "$RELEASE_NAMESPACE"
  expect_can no "$operator" create leases.coordination.k8s.io -n agents
  # Secrets: one by one, for the labels a class's selector reads; never listed or watched. ConfigMaps are
  # also listed by the background audit (docs/background-audit.md), never watched.
  expect_can yes "$operator" get secrets -n agents
  expect_can no "$operator" list secrets -n agents
  expect_can no "$operator" watch configmaps -n agents
  # The background audit: list what the webhook judges, write its own reports, nothing else.
  expect_can yes "$operator" list configmaps -n agents
  expect_can yes "$operator" list deployments.apps -n agents
  expect_can yes "$operator" list cronjobs.batch -n agents
  expect_can yes "$operator" create reports.openreports.io -n agents
  expect_can yes "$operator" delete clusterreports.openreports.io
  expect_can no "$operator" create policyreports.wgpolicyk8s.io -n agents
  expect_can no "$operator" create pods --subresource=exec -n agents
  # What the operator binds each gate to: Pods get, list and watch (the gate authenticates callers against
  # its list + watch cache of the namespace's sandbox Pods), and no verb that writes them.
  local gate_pod_verbs
  gate_pod_verbs="$(kubectl get clusterrole "${fullname}-gate" -o json 2>&1 | "$PYTHON" -c '
import json, sys
role = json.load(sys.stdin)
print(",".join(sorted({verb for rule in role["rules"] if "" in rule.get("apiGroups", [])
                       and "pods" in rule.get("resources", []) for verb in rule["verbs"]})))
' 2>&1 || true)"
  if [[ "$gate_pod_verbs" == "get,list,watch" ]]; then
    pass "RBAC ClusterRole ${fullname}-gate: pods get, list and watch, nothing more"
  else
    fail "RBAC ClusterRole ${fullname}-gate: pods verbs ${gate_pod_verbs:-none}, want get,list,watch"
  fi
}

# expect_can yes|no KUBECONFIG VERB RESOURCE [FLAGS]: kubectl auth can-i as that kubeconfig's user.
expect_can() {
  local want="$1" kubeconfig="$2"
  shift 2
  local got who
  who="$(basename "$kubeconfig" .kubeconfig)"
  got="$(kubectl --kubeconfig "$kubeconfig" auth can-i "$@" 2>/dev/null || true)"
  if [[ "$got" == "$want" ]]; then pass "RBAC ${who}: can-i $* = ${want}"; else fail "RBAC ${who}: can-i $* = ${got:-error}, want ${want}"; fi
}

# apply_denied FILE: the API server refuses FILE through the agentguard webhook and creates none of it.
apply_denied() {
  local file="$1" out
  if out="$(kubectl apply -f "$file" 2>&1)"; then
    fail "admitted ${file#"${REPO}/"}, expected a denial"
    return
  fi
  if [[ "$out" != *'admission webhook "workloads.agentguard.io" denied the request'* ]]; then
    fail "${file#"${REPO}/"} failed, but not by an agentguard denial: ${out}"
    return
  fi
  local created
  created="$(kubectl get -f "$file" -o name 2>/dev/null || true)"
  if [[ -n "$created" ]]; then
    fail "${file#"${REPO}/"} was refused, but these exist: ${created}"
    return
  fi
  # The webhook and `agentguard check` are one engine: every denial the CLI gives for the file is in
  # the API server's answer, word for word. (check exits 1 on a denial; a broken report shows up as
  # Python's error in `missing`.)
  local missing
  missing="$("${BIN_DIR}/agentguard" check --output json "$file" 2>/dev/null | "$PYTHON" -c '
import json, sys
answer = sys.argv[1]
report = json.load(sys.stdin)
print("\n".join(f["message"] for f in report["findings"] if f["action"] == "deny" and f["message"] not in answer))
' "$out" 2>&1 || true)"
  if [[ -n "$missing" ]]; then
    fail "${file#"${REPO}/"} refused, but without the CLI's message(s): ${missing}"
  else
    pass "refused ${file#"${REPO}/"} with the CLI's messages: $(reason <<<"$out")"
  fi
}

# The first denial reason in kubectl's error output, shortened to a line.
reason() {
  grep -m 1 'denied the request' | sed 's/.*denied the request: //' | cut -c 1-150
}

step_examples() {
  section "The examples through the API server"
  lib_create_example_namespaces
  local file
  for file in "${REPO}"/examples/unsafe/*.yaml; do
    apply_denied "$file"
  done
  # The webhook's NetworkPolicy cache sees a new NetworkPolicy through its watch a moment after it is
  # created, so a workload applied with it may be refused once: retry briefly.
  local out deadline=$((SECONDS + 20))
  for file in "${REPO}"/examples/hardened/*.yaml; do
    until out="$(kubectl apply -f "$file" 2>&1)"; do
      if ((SECONDS >= deadline)); then break; fi
      sleep 0.5
    done
    if [[ "$out" == *denied* || "$out" == *rror* ]]; then
      fail "hardened ${file#"${REPO}/"} refused: ${out}"
    else
      pass "admitted ${file#"${REPO}/"} ($(grep -c . <<<"$out") objects)"
    fi
  done
}

# The metrics ports the chart gives both components serve Prometheus text with agentguard's series.
step_metrics() {
  if ((ON_NODE)); then
    node_metrics
    return
  fi
  section "Metrics"
  local body
  body="$(curl -sS --max-time 5 "http://127.0.0.1:${WEBHOOK_METRICS_PORT}/metrics" 2>/dev/null || true)"
  if grep -q '^agentguard_admission_requests_total' <<<"$body" && grep -q 'agentguard_admission_denials_total' <<<"$body"; then
    pass "webhook /metrics counts admission requests and denials"
  else
    fail "webhook /metrics on 127.0.0.1:${WEBHOOK_METRICS_PORT} lacks agentguard_admission_requests_total/denials_total"
  fi
  expect "webhook /metrics has agentguard_build_info and process_* metrics" lib_standard_metrics "$body"
  body="$(curl -sS --max-time 5 "http://127.0.0.1:${OPERATOR_METRICS_PORT}/metrics" 2>/dev/null || true)"
  if grep -q '^agentguard_' <<<"$body"; then
    pass "operator /metrics serves agentguard_* series"
  else
    fail "operator /metrics on 127.0.0.1:${OPERATOR_METRICS_PORT} serves no agentguard_* series"
  fi
  expect "operator /metrics has agentguard_build_info and process_* metrics" lib_standard_metrics "$body"
}

step_sandbox() {
  section "AgentSandbox"
  local file="${AGENTGUARD_SANDBOX_EXAMPLE:-${REPO}/examples/agentsandbox.yaml}"
  [[ -f "$file" ]] || fatal "${file#"${REPO}/"} is missing"
  local ns name
  ns="$("$PYTHON" -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print(d["metadata"].get("namespace", "agents"))' "$file")"
  name="$("$PYTHON" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["metadata"]["name"])' "$file")"
  if ((ON_NODE)); then
    # On the node the Pod must run: the example adapted to the toolbox image (node_sandbox_json).
    node_sandbox_namespace "$ns" || fatal "preparing namespace ${ns}"
    node_sandbox_json "$ns" "$name" | kubectl apply -f - >/dev/null || fatal "kubectl apply of the adapted example"
    pass "applied AgentSandbox ${ns}/${name} (examples/agentsandbox.yaml with the node's toolbox image)"
  else
    kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns" >/dev/null
    # The example's API key, labelled so the chart's default AgentSandboxClass lets sandboxes use it.
    kubectl -n "$ns" create secret generic analysis-api --from-literal=api-key=e2e >/dev/null 2>&1 || true
    kubectl -n "$ns" label secret analysis-api agentguard.io/sandbox-usable=true --overwrite >/dev/null ||
      fatal "labelling Secret analysis-api"
    kubectl apply -f "$file" >/dev/null || fatal "kubectl apply -f examples/agentsandbox.yaml"
    pass "applied AgentSandbox ${ns}/${name}"
  fi

  sandbox_pod() {
    kubectl -n "$ns" get pods -o json | "$PYTHON" -c '
import json, sys
for p in json.load(sys.stdin)["items"]:
    for o in p["metadata"].get("ownerReferences", []):
        if o.get("kind") == "AgentSandbox" and o.get("name") == sys.argv[1] and o.get("controller"):
            print(p["metadata"]["name"])
' "$name" | grep .
  }
  sandbox_netpol() {
    kubectl -n "$ns" get networkpolicies -o json | "$PYTHON" -c '
import json, sys
for p in json.load(sys.stdin)["items"]:
    for o in p["metadata"].get("ownerReferences", []):
        if o.get("kind") == "AgentSandbox" and o.get("name") == sys.argv[1]:
            print(p["metadata"]["name"])
' "$name" | grep .
  }
  lib_wait_for 60 "the sandbox's NetworkPolicy" sandbox_netpol || fatal "no NetworkPolicy owned by AgentSandbox ${name}"
  lib_wait_for 60 "the sandbox's Pod" sandbox_pod || fatal "no Pod owned by AgentSandbox ${name}"
  local pod netpol
  pod="$(sandbox_pod)"
  netpol="$(sandbox_netpol)"
  if ((ON_NODE)); then
    pod_running() {
      [[ "$(kubectl -n "$ns" get pod "$pod" -o jsonpath='{.status.phase}')" == Running &&
        "$(kubectl -n "$ns" get agentsandbox "$name" -o jsonpath='{.status.phase}')" == Running ]]
    }
    if lib_wait_for 180 "the sandbox Running" pod_running; then
      local handler
      handler="$("$AGENTGUARD_CRICTL" pods --namespace "$ns" --name "^${pod}\$" -o json | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["items"][0].get("runtimeHandler", ""))')"
      if [[ "$handler" == runsc ]]; then
        pass "the in-cluster operator made NetworkPolicy ${netpol} and Pod ${pod}, Running under gVisor (runtime handler runsc)"
      else
        fail "Pod ${pod} runs with runtime handler '${handler}', not runsc"
      fi
    else
      fail "AgentSandbox ${name} or Pod ${pod} not Running after 180 s: $(kubectl -n "$ns" get pod "$pod" -o jsonpath='{.status.phase} {.status.containerStatuses[0].state}')"
    fi
  else
    pass "operator created NetworkPolicy ${netpol} and Pod ${pod} (Pending: no kubelet here)"
  fi

  local problems
  problems="$("$PYTHON" -c '
import json, sys
pod = json.loads(sys.argv[1]); np = json.loads(sys.argv[2])
spec = pod["spec"]; problems = []
if spec.get("runtimeClassName") != "gvisor": problems.append("runtimeClassName %r" % spec.get("runtimeClassName"))
for key in ("hostNetwork", "hostPID", "hostIPC"):
    if spec.get(key): problems.append(key)
if spec.get("automountServiceAccountToken") is not False: problems.append("automountServiceAccountToken not false")
psc = spec.get("securityContext", {})
if psc.get("runAsNonRoot") is not True: problems.append("pod runAsNonRoot")
if psc.get("seccompProfile", {}).get("type") != "RuntimeDefault": problems.append("pod seccomp")
for c in spec.get("initContainers", []) + spec["containers"]:
    sc = c.get("securityContext", {})
    if sc.get("privileged"): problems.append(c["name"] + ": privileged")
    if sc.get("allowPrivilegeEscalation") is not False: problems.append(c["name"] + ": allowPrivilegeEscalation")
    if sc.get("readOnlyRootFilesystem") is not True: problems.append(c["name"] + ": readOnlyRootFilesystem")
    if "ALL" not in sc.get("capabilities", {}).get("drop", []): problems.append(c["name"] + ": drop ALL")
labels = pod["metadata"].get("labels", {})
sel = np["spec"]["podSelector"].get("matchLabels", {})
if not sel or any(labels.get(k) != v for k, v in sel.items()): problems.append("NetworkPolicy does not select the Pod")
if "Egress" not in np["spec"].get("policyTypes", []): problems.append("NetworkPolicy does not restrict Egress")
for rule in np["spec"].get("egress", []):
    if not rule.get("to"): problems.append("NetworkPolicy egress rule open to everywhere")
print("\n".join(problems))
' "$(kubectl -n "$ns" get pod "$pod" -o json)" "$(kubectl -n "$ns" get networkpolicy "$netpol" -o json)")"
  if [[ -z "$problems" ]]; then
    pass "Pod: runtimeClassName gvisor, no host namespaces, non-root, seccomp, no escalation, read-only root, drop ALL; NetworkPolicy selects it and restricts Egress"
  else
    fail "enforced fields:"
    printf '    %s\n' "$problems"
  fi

  local table
  if lib_wait_for 30 "AgentSandbox status" bash -c "kubectl -n '$ns' get agentsandbox '$name' -o jsonpath='{.status.phase}' | grep ."; then
    table="$(kubectl -n "$ns" get agentsandboxes)"
    printf '%s\n' "$table" | sed 's/^/    /'
    if head -n 1 <<<"$table" | grep -q 'PHASE.*RUNTIME.*POD.*EGRESS' && tail -n 1 <<<"$table" | grep -q "gvisor"; then
      pass "kubectl get agentsandboxes shows phase, runtime, pod and egress"
    else
      fail "kubectl get agentsandboxes lacks the expected columns or values"
    fi
  else
    fail "AgentSandbox ${name} has no status.phase"
  fi

  kubectl -n "$ns" delete agentsandbox "$name" --wait=true --timeout=60s >/dev/null || fail "deleting AgentSandbox ${name}"
  gone() { ! kubectl -n "$ns" get "$1" "$2" >/dev/null 2>&1; }
  if lib_wait_for 60 "Pod ${pod} deleted" gone pod "$pod" && lib_wait_for 60 "NetworkPolicy ${netpol} deleted" gone networkpolicy "$netpol"; then
    pass "deleting the AgentSandbox removed its Pod and NetworkPolicy"
  else
    fail "Pod or NetworkPolicy left after deleting the AgentSandbox"
  fi
}

step_exempt_label_guarded() {
  section "The exemption label guards itself"
  # The registration sends these Namespace requests to the webhook (checked above); the webhook refuses
  # label changes from anyone but the exemption admins (--exemption-admin-groups/-users).
  # An agent that may patch namespaces (RBAC is not what stops it) tries to exempt its own namespace.
  kubectl get namespace agents >/dev/null 2>&1 || kubectl create namespace agents >/dev/null
  kubectl apply -f - >/dev/null <<'EOF'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: e2e-namespace-editor
rules:
  - apiGroups: [""]
    resources: [namespaces]
    verbs: [get, patch, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: e2e-namespace-editor
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: e2e-namespace-editor
subjects:
  - kind: ServiceAccount
    name: agent
    namespace: agents
EOF
  local out
  if out="$(kubectl label namespace agents agentguard.io/exempt=true --as system:serviceaccount:agents:agent 2>&1)"; then
    fail "an agent labelled its own namespace agentguard.io/exempt=true"
    kubectl label namespace agents agentguard.io/exempt- >/dev/null 2>&1 || true
  elif [[ "$out" == *'admission webhook "namespaces.agentguard.io" denied the request'* ]]; then
    pass "agent refused the exemption label: $(reason <<<"$out")"
  else
    fail "labelling refused, but not by agentguard: ${out}"
  fi
  kubectl delete clusterrolebinding,clusterrole e2e-namespace-editor >/dev/null 2>&1 || true
}

step_fail_closed() {
  if ((ON_NODE)); then
    node_fail_closed
    return
  fi
  section "Fail closed"
  lib_stop_process webhook
  local out
  if out="$(kubectl apply -f "${REPO}/examples/unsafe/loadbalancer-service.yaml" 2>&1)"; then
    fail "with the webhook down an unsafe Service was admitted (failurePolicy Fail)"
  elif [[ "$out" == *'failed calling webhook'* ]]; then
    pass "webhook down: the API server refuses covered requests (failurePolicy Fail)"
  else
    fail "webhook down: unexpected answer ${out}"
  fi
  lib_start_webhook || fatal "agentguard-webhook did not restart"
}

step_upgrade() {
  section "helm upgrade"
  local secret before after bundle_before bundle_after
  secret="$(lib_fullname)-webhook-tls"
  before="$(kubectl -n "$RELEASE_NAMESPACE" get secret "$secret" -o jsonpath='{.data.tls\.crt}')"
  bundle_before="$(kubectl get validatingwebhookconfiguration "$(lib_fullname)-webhook" -o jsonpath='{.webhooks[0].clientConfig.caBundle}')"
  local out
  if ! out="$(helm_ upgrade "$RELEASE" "$CHART_DIR" --namespace "$RELEASE_NAMESPACE" "${INSTALL_VALUES[@]}" \
    --set webhook.replicas=3 2>&1)"; then
    printf '%s\n' "$out"
    fatal "helm upgrade"
  fi
  after="$(kubectl -n "$RELEASE_NAMESPACE" get secret "$secret" -o jsonpath='{.data.tls\.crt}')"
  bundle_after="$(kubectl get validatingwebhookconfiguration "$(lib_fullname)-webhook" -o jsonpath='{.webhooks[0].clientConfig.caBundle}')"
  if [[ -n "$before" && "$before" == "$after" && "$bundle_before" == "$bundle_after" ]]; then
    pass "helm upgrade kept the serving certificate and the caBundle"
  else
    fail "helm upgrade changed the webhook certificate or caBundle"
  fi
  expect "helm upgrade applied the new values (webhook.replicas=3)" \
    test "$(kubectl -n "$RELEASE_NAMESPACE" get deployment "$(lib_fullname)-webhook" -o jsonpath='{.spec.replicas}')" = 3
}

# The CRD upgrade hook (templates/crds-upgrade-hook.yaml), whose Job cannot run here (no kubelet): its
# ServiceAccount and RBAC are created as rendered, and its command runs as a local process with that
# ServiceAccount's token over the CRD files of its ConfigMap, against a CRD an older chart left behind.
step_crd_upgrade() {
  section "CRD upgrade (the pre-upgrade hook's command)"
  local dir="${STATE_DIR}/crds-upgrade" hook="${STATE_DIR}/crds-upgrade.json" out
  mkdir -p "$dir"
  helm_ template "$RELEASE" "$CHART_DIR" --namespace "$RELEASE_NAMESPACE" --kube-version "$KUBE_VERSION" \
    --show-only templates/crds-upgrade-hook.yaml | "$PYTHON" -c '
import json, sys, yaml
print(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d]))' >"$hook" || fatal "rendering the CRD upgrade hook"
  # The Job's command, and its ConfigMap's files where the Job mounts them.
  local command
  command="$("$PYTHON" - "$hook" "$dir" <<'PY'
import json, os, sys
docs = json.load(open(sys.argv[1]))
job = next(d for d in docs if d["kind"] == "Job")
container = job["spec"]["template"]["spec"]["containers"][0]
mount = next(m["mountPath"] for m in container["volumeMounts"] if m["name"] == "crds")
for name, text in next(d for d in docs if d["kind"] == "ConfigMap")["data"].items():
    open(os.path.join(sys.argv[2], name), "w").write(text)
print(" ".join(container["command"] + container["args"]).replace(mount, sys.argv[2]))
PY
)" || fatal "reading the CRD upgrade hook's Job"
  [[ "$command" == "/usr/local/bin/agentguard-operator --upgrade-crds ${dir} --log-level "* ]] ||
    fail "the hook Job runs '${command}'"
  hook_rbac() {
    "$PYTHON" -c '
import json, sys
kinds = ("ServiceAccount", "ClusterRole", "ClusterRoleBinding")
print(json.dumps({"apiVersion": "v1", "kind": "List", "items": [d for d in json.load(open(sys.argv[1])) if d["kind"] in kinds]}))
' "$hook"
  }
  hook_rbac | kubectl apply -f - >/dev/null || fatal "creating the hook's ServiceAccount and RBAC"
  lib_write_sa_kubeconfig "$(lib_fullname)-crds-upgrade" "${STATE_DIR}/crds-upgrade.kubeconfig" ||
    fatal "a token of the hook's ServiceAccount"
  lib_make_crd_stale || fatal "patching the AgentSandbox CRD"
  crd_not_the_charts() { ! lib_crd_is_the_charts; }
  expect "before: the cluster's AgentSandbox CRD is not the chart's" crd_not_the_charts
  local args
  read -r -a args <<<"${command#/usr/local/bin/agentguard-operator }"
  if out="$("${BIN_DIR}/agentguard-operator" "${args[@]}" --kubeconfig "${STATE_DIR}/crds-upgrade.kubeconfig" 2>&1)"; then
    pass "agentguard-operator --upgrade-crds as the hook's ServiceAccount"
  else
    printf '%s\n' "$out"
    fail "agentguard-operator --upgrade-crds as the hook's ServiceAccount"
  fi
  expect "after: both CRDs have the chart's schemas (the stale property is gone)" lib_crd_is_the_charts
  expect "a label set on the cluster is kept" \
    test "$(kubectl get crd agentsandboxes.agentguard.io -o jsonpath='{.metadata.labels.agentguard\.io/kept-label}')" = yes
  expect "the upgrade logged each CRD it replaced" grep -q '"msg":"Upgraded CustomResourceDefinition"' <<<"$out"
  # The hook's ServiceAccount may update agentguard's CRDs and no other.
  local as_hook=(kubectl --kubeconfig "${STATE_DIR}/crds-upgrade.kubeconfig" auth can-i update)
  expect "the hook's ServiceAccount may update the AgentSandbox CRD" \
    "${as_hook[@]}" customresourcedefinitions.apiextensions.k8s.io/agentsandboxes.agentguard.io
  cannot_update_other() { ! "${as_hook[@]}" customresourcedefinitions.apiextensions.k8s.io/certificates.cert-manager.io; }
  expect "the hook's ServiceAccount may not update another CRD" cannot_update_other
  # Helm deletes hook objects itself; these were made by hand, and carry the release's label.
  hook_rbac | kubectl delete -f - >/dev/null || fail "deleting the hook's ServiceAccount and RBAC"
}

step_rotation() {
  section "Certificate rotation without a restart"
  # Rotate: delete the Secret. The running webhook notices (it reads the Secret every 10 s), generates a
  # new CA and certificate there, writes them to its files, registers the new CA beside the old one and
  # then serves the new certificate.
  local secret old_serial new_serial pid_before
  secret="$(lib_fullname)-webhook-tls"
  old_serial="$(openssl x509 -in "${STATE_DIR}/webhook-tls/tls.crt" -noout -serial)"
  pid_before="$(lib_recorded_pid webhook)"
  kubectl -n "$RELEASE_NAMESPACE" delete secret "$secret" >/dev/null
  regenerated() {
    lib_extract_tls "${STATE_DIR}/tls-rotated" 2>/dev/null &&
      [[ "$(openssl x509 -in "${STATE_DIR}/tls-rotated/tls.crt" -noout -serial)" != "$old_serial" ]]
  }
  lib_wait_for 60 "the webhook to generate a new certificate into ${secret}" regenerated ||
    fatal "the webhook did not generate a new certificate after the Secret was deleted"
  new_serial="$(openssl x509 -in "${STATE_DIR}/tls-rotated/tls.crt" -noout -serial)"
  pass "the webhook generated a new certificate into the deleted Secret"
  served_serial() {
    openssl s_client -connect "127.0.0.1:${WEBHOOK_PORT}" </dev/null 2>/dev/null | openssl x509 -noout -serial
  }
  if lib_wait_for 60 "the webhook to serve the new certificate" bash -c "[[ \"\$(openssl s_client -connect 127.0.0.1:${WEBHOOK_PORT} </dev/null 2>/dev/null | openssl x509 -noout -serial)\" == '${new_serial}' ]]"; then
    pass "webhook serves the new certificate without a restart (pid ${pid_before} still running)"
  else
    fail "webhook still serves $(served_serial) after rotation to ${new_serial}"
  fi
  expect "webhook process ${pid_before} kept running" lib_owns_process webhook
  # The API server picks up the new caBundle from the updated registration within moments.
  denied_by_agentguard() {
    local out
    out="$(kubectl apply -f "${REPO}/examples/unsafe/loadbalancer-service.yaml" 2>&1)" && return 1
    [[ "$out" == *'denied the request'* ]]
  }
  expect "the API server trusts the rotated certificate (requests are decided again)" \
    lib_wait_for 30 "an agentguard decision after rotation" denied_by_agentguard
}

step_uninstall() {
  section "helm uninstall"
  local out
  if ! out="$(helm_ uninstall "$RELEASE" --namespace "$RELEASE_NAMESPACE" --wait 2>&1)"; then
    printf '%s\n' "$out"
    fatal "helm uninstall"
  fi
  pass "helm uninstall ${RELEASE}"
  # Every resource type the server lists, in every namespace and cluster-wide: nothing with the label.
  # ReplicaSets, Pods and EndpointSlices made from the chart's objects carry it too; the garbage
  # collector removes them moments after their owners, so poll.
  local types left
  types="$(kubectl api-resources --verbs=list -o name | grep -v '^events' | paste -sd, -)"
  labelled_objects() {
    kubectl get "$types" --all-namespaces -l "$INSTANCE_LABEL" -o name 2>/dev/null || true
  }
  none_left() {
    [[ -z "$(labelled_objects)" ]]
  }
  lib_wait_for 60 "garbage collection of the release's objects" none_left || true
  left="$(labelled_objects)"
  if [[ -z "$left" ]]; then pass "no object of any type left with label ${INSTANCE_LABEL}"; else
    fail "left after uninstall:"
    printf '    %s\n' "$left"
  fi
  local crd
  for crd in $(chart_crd_names); do
    expect "CRD ${crd} kept (Helm never deletes crds/)" kubectl get crd "$crd"
  done
  secrets_gone() {
    ! kubectl -n "$RELEASE_NAMESPACE" get secrets -o name | grep -q "$(lib_fullname)-"
  }
  expect "no Secret named after the release left in ${RELEASE_NAMESPACE}" \
    lib_wait_for 30 "the release's Secrets to go" secrets_gone
}

main() {
  HELM="$("${REPO}/e2e/tools/install-helm.sh")" || fatal "could not install Helm"
  if ((ON_NODE)) && [[ "$(id -u)" != 0 ]]; then fatal "--on-node needs root (containerd, CNI, buildah)"; fi
  ((CHART_ONLY || ON_NODE)) || [[ -x "${BIN_DIR}/agentguard-webhook" && -x "${BIN_DIR}/agentguard-operator" ]] || {
    # Fail now, before the cluster work, so a missing build is the first thing reported.
    lib_require_binaries
    fatal "agentguard binaries missing in ${BIN_DIR}"
  }
  step_static
  step_cluster_up
  step_dry_run
  step_install
  step_credentials
  if ((CHART_ONLY)); then
    printf '\n(--chart-only: agentguard-webhook and agentguard-operator not run)\n'
    step_upgrade
  else
    step_components
    step_examples
    step_sandbox
    step_metrics
    step_exempt_label_guarded
    step_fail_closed
    if ((ON_NODE)); then
      # Availability: the disruptions happen while the stream of admissions runs.
      node_stream_start
      node_resource_use 30
      node_delete_webhook_pod
      node_drain
      node_upgrade
      node_rotation
      section "Availability: the admission stream"
      node_stream_stop
      node_operator_failover
    else
      step_upgrade
      step_crd_upgrade
      step_rotation
    fi
  fi
  step_uninstall
}

main

# The benchmark's inputs, shared by run.sh and profile.sh.
#   make_fixtures DIR: writes ca.crt, tls.crt and tls.key (a CA and a P-256 serving certificate for
#   127.0.0.1), review.json (the AdmissionReview) and networkpolicy.json into DIR.
make_fixtures() {
  local WORK="$1"
  # Certificates: a CA and a P-256 serving certificate for 127.0.0.1.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=bench-ca \
    -keyout "$WORK/ca.key" -out "$WORK/ca.crt" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=bench \
    -keyout "$WORK/tls.key" -out "$WORK/tls.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' >"$WORK/ext"
  openssl x509 -req -days 1 -in "$WORK/tls.csr" -CA "$WORK/ca.crt" -CAkey "$WORK/ca.key" -set_serial 1 \
    -extfile "$WORK/ext" -out "$WORK/tls.crt" 2>/dev/null

  # A ~10 KB AdmissionReview: a hardened Deployment (admitted: the usual case) padded with labels,
  # annotations and environment variables; and the namespace's default-deny egress NetworkPolicy.
  python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
env = [{"name": "SETTING_%03d" % i, "value": "value-%03d-%s" % (i, "x" * 40)} for i in range(90)]
deployment = {
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "research-agent", "namespace": "agents",
               "labels": {"app": "research-agent", "team": "research", "tier": "agent"},
               "annotations": {"example.com/note-%02d" % i: "n" * 40 for i in range(20)}},
  "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "research-agent"}},
    "template": {"metadata": {"labels": {"app": "research-agent"}},
      "spec": {"automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "agent",
          "image": "registry.example.com/agents/research-agent:1.4.2@sha256:" + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
          "env": env,
          "resources": {"limits": {"cpu": "1", "memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
          "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "privileged": False,
                              "capabilities": {"drop": ["ALL"]}}}]}}}}
review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
  "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
  "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
  "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
  "namespace": "agents", "name": "research-agent", "operation": "CREATE",
  "userInfo": {"username": "system:serviceaccount:agents:builder"}, "object": deployment, "oldObject": None,
  "dryRun": False}}
open(work + "/review.json", "w").write(json.dumps(review))
policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
          "metadata": {"name": "default-deny-egress", "namespace": "agents"},
          "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"ports": [{"protocol": "UDP", "port": 53}]}]}}
open(work + "/networkpolicy.json", "w").write(json.dumps(policy))
PY
}

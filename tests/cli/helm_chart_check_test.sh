#!/usr/bin/env bash
# agentguard check renders a Helm chart with the real helm: templates are never reported as malformed,
# findings are named by their template (helm's "# Source:"), and --helm-values reaches helm template.
# helm comes from e2e/tools/install-helm.sh (cached after the first run); when it cannot be installed the
# test fails rather than skipping, so a run without helm does not pass unchecked.
# Usage: helm_chart_check_test.sh SOURCE_DIR AGENTGUARD
set -euo pipefail
source_dir="$1"
agentguard="$2"
helm="$("$source_dir/e2e/tools/install-helm.sh")" || { echo "FAIL: helm could not be installed" >&2; exit 1; }
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/bin" "$scratch/deploy/charts/web/templates"
ln -s "$helm" "$scratch/bin/helm"
cd "$scratch"
cat > deploy/charts/web/Chart.yaml <<'YAML'
apiVersion: v2
name: web
version: 0.1.0
YAML
cat > deploy/charts/web/values.yaml <<'YAML'
exposed: false
YAML
cat > deploy/charts/web/templates/service.yaml <<'YAML'
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-web
  namespace: agents
spec:
  {{- if .Values.exposed }}
  type: NodePort
  {{- end }}
  ports:
    - port: 80
YAML
cat > deploy/charts/web/templates/configmap.yaml <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
  namespace: agents
data:
  exposed: {{ .Values.exposed | quote }}
YAML
echo "exposed: true" > exposed.yaml
fail() { echo "FAIL: $*" >&2; exit 1; }

status=0
PATH="$scratch/bin:$PATH" "$agentguard" check --no-config -o json deploy > clean.json 2> clean.err || status=$?
[[ $status -eq 0 ]] || { cat clean.err >&2; fail "the chart with default values exited $status, expected 0"; }
grep -q '"objects": 2' clean.json || fail "expected 2 rendered objects: $(cat clean.json)"
grep -qi malformed clean.err clean.json && fail "a template was called malformed"

status=0
PATH="$scratch/bin:$PATH" "$agentguard" check --no-config -o json --helm-values exposed.yaml deploy > exposed.json \
  2> exposed.err || status=$?
[[ $status -eq 1 ]] || { cat exposed.err >&2; fail "with exposed.yaml exited $status, expected 1"; }
grep -q '"file": "deploy/charts/web/templates/service.yaml"' exposed.json ||
  fail "the NodePort finding is not named by its template: $(cat exposed.json)"
grep -q 'exposure.service-nodeport' exposed.json || fail "no NodePort finding with exposed.yaml"
echo "ok: $("$helm" version --short) rendered the chart; findings named by template; --helm-values applied"

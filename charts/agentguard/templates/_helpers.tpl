{{/* Names, labels and shared blocks of the agentguard chart. */}}

{{- define "agentguard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "agentguard.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of a component's objects: "<fullname>-<component>", at most 63 characters. */}}
{{- define "agentguard.componentName" -}}
{{- $fullname := include "agentguard.fullname" .root | trunc (int (sub 62 (len .component))) | trimSuffix "-" -}}
{{- printf "%s-%s" $fullname .component -}}
{{- end -}}

{{- define "agentguard.webhookName" -}}
{{- include "agentguard.componentName" (dict "root" . "component" "webhook") -}}
{{- end -}}

{{- define "agentguard.operatorName" -}}
{{- include "agentguard.componentName" (dict "root" . "component" "operator") -}}
{{- end -}}

{{/* agentguard-gate: the ClusterRole each namespace's gate is bound to, and the TokenReview role and binding. */}}
{{- define "agentguard.gateClusterRoleName" -}}
{{- include "agentguard.componentName" (dict "root" . "component" "gate") -}}
{{- end -}}

{{- define "agentguard.gateTokenReviewName" -}}
{{- include "agentguard.componentName" (dict "root" . "component" "gate-tokenreview") -}}
{{- end -}}

{{/* The gate image: gate.image, else the chart's image (which carries agentguard-gate). */}}
{{- define "agentguard.gateImage" -}}
{{- default (include "agentguard.image" .) .Values.gate.image -}}
{{- end -}}

{{- define "agentguard.webhookTLSSecretName" -}}
{{- printf "%s-tls" (include "agentguard.webhookName" .) -}}
{{- end -}}

{{- define "agentguard.policiesName" -}}
{{- include "agentguard.componentName" (dict "root" . "component" "policies") -}}
{{- end -}}

{{/* policies.extra, a second policy layer: it may override the bundled rules' action, severity and
parameters and add exemptions, which one directory (one layer) could not. */}}
{{- define "agentguard.extraPoliciesName" -}}
{{- include "agentguard.componentName" (dict "root" . "component" "policies-extra") -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "agentguard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "agentguard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: agentguard
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "agentguard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "agentguard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of a component's objects; call with (dict "root" $ "component" "webhook"). */}}
{{- define "agentguard.componentLabels" -}}
{{ include "agentguard.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "agentguard.componentSelectorLabels" -}}
{{ include "agentguard.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "agentguard.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Pod and container security contexts shared by both components (values podSecurityContext and
containerSecurityContext; a key set to null is left out, e.g. runAsUser on OpenShift). */}}
{{- define "agentguard.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext -}}
{{- end -}}

{{- define "agentguard.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext -}}
{{- end -}}

{{/* The host of webhook.url without port or brackets ("" when unset). */}}
{{- define "agentguard.webhookURLHost" -}}
{{- with .Values.webhook.url -}}
{{- regexReplaceAll "(\\]?:[0-9]+)$" ((urlParse .).host | trimPrefix "[") "" | trimSuffix "]" -}}
{{- end -}}
{{- end -}}

{{/* "true" when the argument is an IPv4 or IPv6 address. */}}
{{- define "agentguard.isIP" -}}
{{- if regexMatch "^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$|:" . }}true{{ end -}}
{{- end -}}

{{/*
The names a self-signed serving certificate is for, comma-separated: the Service's DNS names and the
host of webhook.url (the webhook generates the certificate at runtime: --tls-self-signed-names).
*/}}
{{- define "agentguard.selfSignedNames" -}}
{{- $service := include "agentguard.webhookName" . -}}
{{- $ns := .Release.Namespace -}}
{{- $names := list $service (printf "%s.%s" $service $ns) (printf "%s.%s.svc" $service $ns) (printf "%s.%s.svc.cluster.local" $service $ns) -}}
{{- with include "agentguard.webhookURLHost" . -}}
{{- $names = append $names . -}}
{{- end -}}
{{- join "," $names -}}
{{- end -}}

{{/* The ConfigMap of what the webhook registers (templates/webhook-registration.yaml). */}}
{{- define "agentguard.webhookRegistrationName" -}}
{{- include "agentguard.componentName" (dict "root" . "component" "registration") -}}
{{- end -}}

{{/* clientConfig of a webhook entry, without caBundle: the webhook adds its CA when it registers. */}}
{{- define "agentguard.webhookClientConfig" -}}
clientConfig:
  {{- if .Values.webhook.url }}
  url: {{ .Values.webhook.url | quote }}
  {{- else }}
  service:
    name: {{ include "agentguard.webhookName" . }}
    namespace: {{ .Release.Namespace }}
    path: /validate
    port: 443
  {{- end }}
{{- end -}}

{{/*
The API credentials of a component, mounted explicitly into its one container instead of
automountServiceAccountToken (which would mount them into every container the Pod ever gets): the
same bound, expiring token the kubelet refreshes, the cluster CA and the namespace, at the path
in-cluster clients read.
*/}}
{{- define "agentguard.apiAccessMount" -}}
- name: kube-api-access
  mountPath: /var/run/secrets/kubernetes.io/serviceaccount
  readOnly: true
{{- end -}}

{{- define "agentguard.apiAccessVolume" -}}
- name: kube-api-access
  projected:
    defaultMode: 0444
    sources:
      - serviceAccountToken:
          path: token
          expirationSeconds: 3607
      - configMap:
          name: kube-root-ca.crt
          items:
            - key: ca.crt
              path: ca.crt
      - downwardAPI:
          items:
            - path: namespace
              fieldRef:
                fieldPath: metadata.namespace
{{- end -}}

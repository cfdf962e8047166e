#!/usr/bin/env python3
"""Chart parity values, rendered with `helm template`: security contexts overridable down to leaving
runAsUser out (OpenShift's arbitrary UIDs), extraEnv / extraVolumes / extraVolumeMounts for both
Deployments, node affinity and topology spread, and the registration's annotations, objectSelector and
matchConditions. The defaults render what the chart always rendered.
Usage: chart_parity_test.py HELM."""
import json
import subprocess

from chart_test_lib import CHART, check, find, finish, render, run


def registration(docs):
    configmap = find(docs, "ConfigMap", "r-agentguard-registration")
    return json.loads(configmap["data"]["validatingwebhookconfiguration.json"])


def main(helm):
    docs = render(helm)
    for name in ("r-agentguard-webhook", "r-agentguard-operator"):
        pod = find(docs, "Deployment", name)["spec"]["template"]["spec"]
        check(pod["securityContext"] == {"runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532,
                                         "fsGroup": 65532, "seccompProfile": {"type": "RuntimeDefault"}},
              name + ": the default pod security context is unchanged")
        container = pod["containers"][0]["securityContext"]
        check(container.get("runAsUser") == 65532 and container.get("readOnlyRootFilesystem") is True and
              container.get("capabilities") == {"drop": ["ALL"]}, name + ": the default container security context")
    vwc = registration(docs)
    check("objectSelector" not in vwc["webhooks"][0] and "matchConditions" not in vwc["webhooks"][0],
          "no objectSelector or matchConditions by default")

    # OpenShift: no fixed UID or GID anywhere, still non-root.
    docs = render(helm, "podSecurityContext.runAsUser=null", "podSecurityContext.runAsGroup=null",
                  "podSecurityContext.fsGroup=null", "containerSecurityContext.runAsUser=null",
                  "containerSecurityContext.runAsGroup=null")
    for name in ("r-agentguard-webhook", "r-agentguard-operator"):
        pod = find(docs, "Deployment", name)["spec"]["template"]["spec"]
        check(not {"runAsUser", "runAsGroup", "fsGroup"} & set(pod["securityContext"]),
              name + ": null leaves the pod's UID, GID and fsGroup out (%r)" % pod["securityContext"])
        check(pod["securityContext"].get("runAsNonRoot") is True, name + ": runAsNonRoot stays")
        container = pod["containers"][0]["securityContext"]
        check("runAsUser" not in container and container.get("allowPrivilegeEscalation") is False,
              name + ": the container's UID left out, the rest kept (%r)" % container)

    env = [{"name": "HTTPS_PROXY", "value": "http://proxy:3128"}]
    volume = [{"name": "ca-bundle", "configMap": {"name": "corp-ca"}}]
    mount = [{"name": "ca-bundle", "mountPath": "/etc/ssl/corp", "readOnly": True}]
    affinity = {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "node-role.kubernetes.io/infra", "operator": "Exists"}]}]}}
    spread = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway",
               "labelSelector": {"matchLabels": {"app.kubernetes.io/component": "operator"}}}]
    conditions = [{"name": "not-ci", "expression": "request.userInfo.username != 'system:serviceaccount:ci:deploy'"}]
    values = {
        "webhook": {"extraEnv": env, "extraVolumes": volume, "extraVolumeMounts": mount, "nodeAffinity": affinity,
                    "annotations": {"argocd.argoproj.io/sync-wave": "1"},
                    "objectSelector": {"matchExpressions": [{"key": "team", "operator": "Exists"}]},
                    "matchConditions": conditions, "priorityClassName": "system-cluster-critical",
                    "tolerations": [{"key": "infra", "operator": "Exists"}]},
        "operator": {"extraEnv": env, "extraVolumes": volume, "extraVolumeMounts": mount,
                     "topologySpreadConstraints": spread, "priorityClassName": "high"},
        "decisionLog": {"enabled": True},
    }
    docs = render(helm, values)
    webhook = find(docs, "Deployment", "r-agentguard-webhook")["spec"]["template"]["spec"]
    container = webhook["containers"][0]
    check(container["env"][0]["name"] == "POD_NAME" and container["env"][1:] == env,
          "webhook: extraEnv after the decision log's POD_NAME (%r)" % container.get("env"))
    check(webhook["volumes"][-1] == volume[0] and container["volumeMounts"][-1] == mount[0],
          "webhook: extraVolumes and extraVolumeMounts appended")
    check(webhook["affinity"].get("nodeAffinity") == affinity and "podAntiAffinity" in webhook["affinity"],
          "webhook: nodeAffinity beside the pod anti-affinity")
    check(webhook.get("priorityClassName") == "system-cluster-critical" and
          webhook.get("tolerations") == [{"key": "infra", "operator": "Exists"}], "webhook: priority and tolerations")
    operator = find(docs, "Deployment", "r-agentguard-operator")["spec"]["template"]["spec"]
    check(operator["containers"][0].get("env") == env, "operator: extraEnv")
    check(operator["volumes"][-1] == volume[0] and operator["containers"][0]["volumeMounts"][-1] == mount[0],
          "operator: extraVolumes and extraVolumeMounts appended")
    check(operator.get("topologySpreadConstraints") == spread and operator.get("priorityClassName") == "high",
          "operator: topology spread and priority")
    vwc = registration(docs)
    check(vwc["metadata"].get("annotations") == {"argocd.argoproj.io/sync-wave": "1"}, "registration annotations")
    workloads = next(w for w in vwc["webhooks"] if w["name"] == "workloads.agentguard.io")
    check(workloads.get("objectSelector") == values["webhook"]["objectSelector"], "workloads entry: objectSelector")
    check(workloads.get("matchConditions") == conditions, "workloads entry: matchConditions")
    guard = next(w for w in vwc["webhooks"] if w["name"] == "namespaces.agentguard.io")
    check("matchConditions" not in guard, "the exemption-label guard keeps no matchConditions (cannot be switched off)")

    for bad in ("webhook.matchConditions[0].name=x", "webhook.extraVolumeMounts[0].name=v",
                "operator.extraEnv[0].value=x", "webhook.annotations.a=null"):
        result = subprocess.run([helm, "template", "r", CHART, "--kube-version", "1.37.2", "--set", bad],
                                capture_output=True, text=True)
        check(result.returncode != 0 and bad.split("[")[0].split("=")[0].rsplit(".", 1)[0] in result.stderr,
              "schema refuses %s (stderr: %s)" % (bad, result.stderr.strip()[:300]))

    return finish("chart parity")


if __name__ == "__main__":
    run(main, "chart_parity_test.py HELM")

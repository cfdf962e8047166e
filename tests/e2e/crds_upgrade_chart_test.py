#!/usr/bin/env python3
"""The chart's CRD upgrade hook (templates/crds-upgrade-hook.yaml, crds.upgrade), rendered with `helm
template`: Helm never upgrades crds/, so a pre-upgrade hook Job runs `agentguard-operator --upgrade-crds`
over a ConfigMap holding exactly the chart's crds/ files, as a ServiceAccount that may update those CRDs by
name and nothing else of the cluster. Its objects are hooks (not release objects) deleted once it
succeeded; the ServiceAccount, RBAC and ConfigMap exist before the Job. What the Job does against a real
API server is tested by e2e/helm (step_crd_upgrade, and node_upgrade on the node).
Usage: crds_upgrade_chart_test.py HELM."""

import glob
import os

import yaml

from chart_test_lib import CHART, check, find, finish, flag, render, run, template

NAME = "r-agentguard-crds-upgrade"
HOOK_KINDS = ("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Job")


def chart_crds():
    """{file name: text} of the chart's crds/, and the CRD names they define."""
    files = {os.path.basename(p): open(p).read() for p in sorted(glob.glob(CHART + "/crds/*.yaml"))}
    names = [yaml.safe_load(text)["metadata"]["name"] for text in files.values()]
    return files, names


def main(helm):
    files, crd_names = chart_crds()
    check(sorted(crd_names) == ["agentsandboxclasses.agentguard.io", "agentsandboxes.agentguard.io"],
          "the chart's crds/ holds the two agentguard CRDs (%s)" % crd_names)

    docs = render(helm)
    hooks = {kind: find(docs, kind, NAME) for kind in HOOK_KINDS}
    check(all(hooks.values()), "on by default: %s" % [k for k, v in hooks.items() if not v])
    if not all(hooks.values()):
        return finish("crds upgrade")
    for kind, doc in hooks.items():
        annotations = doc["metadata"].get("annotations", {})
        check(annotations.get("helm.sh/hook") == "pre-upgrade", "%s is a pre-upgrade hook" % kind)
        check(annotations.get("helm.sh/hook-delete-policy") == "before-hook-creation,hook-succeeded",
              "%s is deleted once the hook succeeded, and before the next one" % kind)
        weight = int(annotations.get("helm.sh/hook-weight", "0"))
        check(weight < 0 if kind != "Job" else weight == 0, "%s weight %d: everything it needs before the Job" % (kind, weight))

    check(hooks["ConfigMap"]["data"] == files, "the ConfigMap holds exactly the chart's crds/ files")

    rules = hooks["ClusterRole"]["rules"]
    check(all(r["apiGroups"] == ["apiextensions.k8s.io"] and r["resources"] == ["customresourcedefinitions"]
              for r in rules), "the ClusterRole grants CustomResourceDefinitions only")
    named = [r for r in rules if "resourceNames" in r]
    check(len(named) == 1 and sorted(named[0]["resourceNames"]) == sorted(crd_names) and
          sorted(named[0]["verbs"]) == ["get", "update"], "get and update only agentguard's CRDs, by name: %s" % named)
    unnamed = [r for r in rules if "resourceNames" not in r]
    check(len(unnamed) == 1 and unnamed[0]["verbs"] == ["create"],
          "only create is unnamed (the API cannot limit it by name): %s" % unnamed)
    binding = hooks["ClusterRoleBinding"]
    check(binding["roleRef"]["name"] == NAME and
          binding["subjects"] == [{"kind": "ServiceAccount", "name": NAME, "namespace": "guard"}],
          "the binding gives the ClusterRole to the hook's ServiceAccount")

    job = hooks["Job"]["spec"]
    pod = job["template"]["spec"]
    container = pod["containers"][0]
    check(pod["serviceAccountName"] == NAME and pod["restartPolicy"] == "Never", "the Job runs as the hook's ServiceAccount")
    check(container["command"] == ["/usr/local/bin/agentguard-operator"] and
          flag(container["args"], "--upgrade-crds") == "/etc/agentguard/crds", "the Job runs --upgrade-crds")
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    check(mounts["crds"]["mountPath"] == "/etc/agentguard/crds" and mounts["crds"]["readOnly"] and
          volumes["crds"]["configMap"]["name"] == NAME, "the ConfigMap is mounted where --upgrade-crds reads")
    check(job["activeDeadlineSeconds"] == 300, "the default deadline is 300 s")
    operator = find(docs, "Deployment", "r-agentguard-operator")["spec"]["template"]["spec"]
    check(container["image"] == operator["containers"][0]["image"], "the Job runs the operator's image")
    check(container["securityContext"] == operator["containers"][0]["securityContext"] and
          pod["securityContext"] == operator["securityContext"], "the Job has the operator's security contexts")
    check(pod["automountServiceAccountToken"] is False and "kube-api-access" in mounts,
          "the token is mounted into its one container only")

    # Off: nothing of it rendered, and only hook objects carry its name.
    off = render(helm, "crds.upgrade=false")
    check(not [d for d in off if d["metadata"]["name"] == NAME], "crds.upgrade=false renders none of it")
    check(all("helm.sh/hook" in (d["metadata"].get("annotations") or {}) for d in docs if d["metadata"]["name"] == NAME),
          "every object of it is a hook (never a release object left behind)")
    deadline = find(render(helm, "crds.upgradeTimeoutSeconds=900"), "Job", NAME)["spec"]["activeDeadlineSeconds"]
    check(deadline == 900, "crds.upgradeTimeoutSeconds sets the deadline")

    for bad, name in (("crds.upgradeTimeoutSeconds=5", "upgradeTimeoutSeconds"), ("crds.upgrade=sometimes", "upgrade"),
                      ("crds.install=true", "install")):
        result = template(helm, bad)
        check(result.returncode != 0 and name in result.stderr,
              "schema refuses %s (stderr: %s)" % (bad, result.stderr.strip()[:300]))
    return finish("crds upgrade")


if __name__ == "__main__":
    run(main, "crds_upgrade_chart_test.py HELM")

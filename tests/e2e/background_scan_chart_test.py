#!/usr/bin/env python3
"""The chart's backgroundScan section, rendered with `helm template`: the operator gets the webhook's
policies (the same ConfigMap, mounted read-only) and the webhook's namespaceSelector, byte for byte the
one the registration carries; its ClusterRole lists the scanned kinds (never Secrets, never watch) and
writes only the chosen report family; the OpenReports CRDs are rendered only when asked for; with the
section off, nothing of it is. Usage: background_scan_chart_test.py HELM."""
import json
import subprocess

from chart_test_lib import CHART, check, find, finish, flag, render, run


def main(helm):
    docs = render(helm, "webhook.excludedNamespaces={legacy}")
    operator = find(docs, "Deployment", "r-agentguard-operator")["spec"]["template"]["spec"]
    container = operator["containers"][0]
    args = container["args"]
    check(flag(args, "--background-scan-policies") == "/etc/agentguard/policies", "operator reads the policies")
    check(flag(args, "--background-scan-interval") == "1h", "default interval 1h")
    check(flag(args, "--background-scan-reports") == "openreports", "default family openreports")
    check(flag(args, "--background-scan-write-qps") == "5", "default write budget")
    mount = next((m for m in container["volumeMounts"] if m["mountPath"] == "/etc/agentguard/policies"), None)
    check(mount is not None and mount.get("readOnly") is True, "policies mounted read-only")
    volume = next((v for v in operator["volumes"] if mount and v["name"] == mount["name"]), None)
    check(volume is not None and volume["configMap"]["name"] == "r-agentguard-policies",
          "the webhook's policies ConfigMap")

    registration = find(docs, "ConfigMap", "r-agentguard-registration")
    webhooks = json.loads(registration["data"]["validatingwebhookconfiguration.json"])["webhooks"]
    workloads = next(w for w in webhooks if w["name"] == "workloads.agentguard.io")
    selector = json.loads(flag(args, "--background-scan-namespace-selector"))
    check(selector == workloads["namespaceSelector"],
          "the audit's namespaces are the webhook's: %s vs %s" % (selector, workloads["namespaceSelector"]))
    check("legacy" in selector["matchExpressions"][0]["values"], "excludedNamespaces reach the audit")

    role = find(docs, "ClusterRole", "r-agentguard-operator-background-scan")
    check(role is not None, "ClusterRole r-agentguard-operator-background-scan")
    if role:
        reads = [r for r in role["rules"] if r["verbs"] == ["list"]]
        listed = {(g, res) for r in reads for g in r["apiGroups"] for res in r["resources"]}
        for wanted in [("", "pods"), ("", "configmaps"), ("", "namespaces"), ("apps", "deployments"),
                       ("batch", "cronjobs"), ("networking.k8s.io", "networkpolicies"), ("", "persistentvolumes")]:
            check(wanted in listed, "lists %s" % (wanted,))
        check(("", "secrets") not in listed, "never lists Secrets")
        writes = [r for r in role["rules"] if "create" in r["verbs"]]
        check(writes == [{"apiGroups": ["openreports.io"], "resources": ["reports", "clusterreports"],
                          "verbs": ["get", "list", "watch", "create", "update", "delete"]}],
              "writes only OpenReports: %s" % writes)
    binding = find(docs, "ClusterRoleBinding", "r-agentguard-operator-background-scan")
    check(binding is not None and binding["subjects"][0]["name"] == "r-agentguard-operator",
          "bound to the operator's ServiceAccount")
    crds = {d["metadata"]["name"] for d in docs if d["kind"] == "CustomResourceDefinition"}
    check({"reports.openreports.io", "clusterreports.openreports.io"} <= crds, "OpenReports CRDs rendered")

    policy = render(helm, "backgroundScan.reports=policyreport", "backgroundScan.interval=15m")
    args = find(policy, "Deployment", "r-agentguard-operator")["spec"]["template"]["spec"]["containers"][0]["args"]
    check(flag(args, "--background-scan-reports") == "policyreport", "policyreport family")
    check(flag(args, "--background-scan-interval") == "15m", "interval from values")
    role = find(policy, "ClusterRole", "r-agentguard-operator-background-scan")
    writes = [r for r in role["rules"] if "create" in r["verbs"]]
    check(writes and writes[0]["apiGroups"] == ["wgpolicyk8s.io"], "writes PolicyReports only: %s" % writes)
    check(not any(d["kind"] == "CustomResourceDefinition" and "openreports" in d["metadata"]["name"] for d in policy),
          "no OpenReports CRDs for the policyreport family")

    kept = render(helm, "backgroundScan.installReportCRDs=false")
    check(not any(d["kind"] == "CustomResourceDefinition" and "openreports" in d["metadata"]["name"] for d in kept),
          "no OpenReports CRDs with installReportCRDs=false")

    off = render(helm, "backgroundScan.enabled=false")
    args = find(off, "Deployment", "r-agentguard-operator")["spec"]["template"]["spec"]["containers"][0]["args"]
    check(not any(a.startswith("--background-scan") for a in args), "no background scan flags when off")
    check(find(off, "ClusterRole", "r-agentguard-operator-background-scan") is None, "no audit ClusterRole when off")
    check(not any(d["kind"] == "CustomResourceDefinition" and "openreports" in d["metadata"]["name"] for d in off),
          "no OpenReports CRDs when off")

    for bad in ("backgroundScan.reports=kyverno", "backgroundScan.interval=hourly", "backgroundScan.writeQps=0"):
        result = subprocess.run([helm, "template", "r", CHART, "--kube-version", "1.37.2", "--set", bad],
                                capture_output=True, text=True)
        check(result.returncode != 0 and "backgroundScan" in result.stderr, "schema refuses " + bad)

    return finish("background scan")


if __name__ == "__main__":
    run(main, "background_scan_chart_test.py HELM")

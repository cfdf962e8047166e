#!/usr/bin/env python3
"""The chart's decisionLog section, rendered with `helm template`: the signing key is generated unless
supplied and reaches the webhook container only, read-only; the webhook gets the decision log flags,
one log file per pod and a Role limited to its two ConfigMaps by name and Event creation; with the
section off, nothing of it is rendered. Usage: decision_log_chart_test.py HELM."""
import base64
import subprocess

from chart_test_lib import CHART, check, find, finish, render, run


def main(helm):
    docs = render(helm, "decisionLog.enabled=true", "decisionLog.checkpoints.url=https://audit.example/cp",
                  "decisionLog.onFailure=allow")
    secret = find(docs, "Secret", "r-agentguard-decision-key")
    check(secret is not None, "generated key Secret r-agentguard-decision-key")
    if secret:
        pem = base64.b64decode(secret["data"]["signing-key.pem"]).decode()
        check(pem.startswith("-----BEGIN PRIVATE KEY-----"), "generated key is PKCS#8 PEM")
        key = subprocess.run(["openssl", "pkey", "-noout", "-text"], input=pem, capture_output=True, text=True)
        check(key.returncode == 0 and "ED25519" in key.stdout, "generated key is Ed25519")
    check(find(docs, "ConfigMap", "r-agentguard-trust") is not None, "ConfigMap r-agentguard-trust")
    check("data" not in (find(docs, "ConfigMap", "r-agentguard-trust") or {}),
          "the trust ConfigMap sets no data (an upgrade keeps the keys the pods listed)")
    check(find(docs, "ConfigMap", "r-agentguard-checkpoints") is not None, "ConfigMap r-agentguard-checkpoints")

    role = find(docs, "Role", "r-agentguard-webhook-decision-log")
    check(role is not None, "Role r-agentguard-webhook-decision-log")
    if role:
        check(role["rules"] == [
            {"apiGroups": [""], "resources": ["configmaps"],
             "resourceNames": ["r-agentguard-trust", "r-agentguard-checkpoints"], "verbs": ["get", "patch"]},
            {"apiGroups": [""], "resources": ["events"], "verbs": ["create"]},
        ], "Role grants only get/patch on the two ConfigMaps by name and create on Events: " + str(role["rules"]))
    binding = find(docs, "RoleBinding", "r-agentguard-webhook-decision-log")
    check(binding is not None and binding["subjects"][0]["name"] == "r-agentguard-webhook",
          "RoleBinding to the webhook's ServiceAccount")

    for deployment in (d for d in docs if d["kind"] == "Deployment"):
        spec = deployment["spec"]["template"]["spec"]
        uses_key = [v for v in spec.get("volumes", []) if v.get("secret", {}).get("secretName") == "r-agentguard-decision-key"]
        if deployment["metadata"]["name"] != "r-agentguard-webhook":
            check(not uses_key, deployment["metadata"]["name"] + " does not mount the signing key")
            continue
        check(len(uses_key) == 1, "webhook Deployment mounts the signing key Secret")
        (container,) = spec["containers"]
        mounts = {m["name"]: m for m in container["volumeMounts"]}
        check(mounts.get("decision-key", {}).get("readOnly") is True, "signing key mounted read-only")
        check("decisions" in mounts and mounts["decisions"].get("readOnly") is not True, "log volume mounted writable")
        args = container["args"]
        flags = {args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("--")}
        check(flags.get("--decision-log-file") == "/var/lib/agentguard/decisions/$(POD_NAME).dsse.jsonl",
              "one log file per pod")
        check(flags.get("--decision-signing-key") == "/etc/agentguard/decision-key/signing-key.pem", "key flag")
        check(flags.get("--decision-log-on-failure") == "allow", "onFailure passed")
        check(flags.get("--decision-trust-configmap") == "guard/r-agentguard-trust", "trust ConfigMap flag")
        check(flags.get("--decision-checkpoint-configmap") == "guard/r-agentguard-checkpoints", "checkpoint ConfigMap flag")
        check(flags.get("--decision-checkpoint-url") == "https://audit.example/cp", "checkpoint URL flag")
        env = {e["name"]: e for e in container.get("env", [])}
        check(env.get("POD_NAME", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.name",
              "POD_NAME from the pod's name")
        check(not any("decision" in e["name"].lower() or "key" in e["name"].lower() for e in container.get("env", [])),
              "no key in the environment")

    supplied = render(helm, "decisionLog.enabled=true", "decisionLog.existingKeySecret=my-key",
                      "decisionLog.checkpoints.configMap=false")
    check(find(supplied, "Secret", "r-agentguard-decision-key") is None, "no generated key with existingKeySecret")
    webhook = find(supplied, "Deployment", "r-agentguard-webhook")["spec"]["template"]["spec"]
    check(any(v.get("secret", {}).get("secretName") == "my-key" for v in webhook["volumes"]), "existingKeySecret mounted")
    check(find(supplied, "ConfigMap", "r-agentguard-checkpoints") is None, "no checkpoints ConfigMap when off")
    role = find(supplied, "Role", "r-agentguard-webhook-decision-log")
    check(role is not None and len(role["rules"]) == 1 and role["rules"][0]["resourceNames"] == ["r-agentguard-trust"],
          "without the checkpoint ConfigMap the Role reaches only the trust ConfigMap and no Events")

    off = render(helm)
    check(not any("decision" in d["metadata"]["name"] or d["metadata"]["name"].endswith("-trust") for d in off),
          "nothing of the decision log is rendered when it is off")
    args = find(off, "Deployment", "r-agentguard-webhook")["spec"]["template"]["spec"]["containers"][0]["args"]
    check(not any(a.startswith("--decision") for a in args), "no decision flags when off")

    for bad in ("decisionLog.onFailure=maybe", "decisionLog.wait=soon", "decisionLog.checkpoints.everyRecords=0",
                "decisionLog.checkpoints.url=ftp://x"):
        result = subprocess.run([helm, "template", "r", CHART, "--kube-version", "1.37.2", "--set", bad],
                                capture_output=True, text=True)
        check(result.returncode != 0 and "decisionLog" in result.stderr, "schema refuses " + bad)

    return finish("decision log")


if __name__ == "__main__":
    run(main, "decision_log_chart_test.py HELM")

#!/usr/bin/env python3
"""The chart's rollout switch, rendered with `helm template`: webhook.enforcementMode reaches the webhook
as --enforcement-mode (enforce by default), and the schema refuses any other value, naming it.
Usage: enforcement_mode_chart_test.py HELM (exit 77 without helm)."""
import subprocess
import sys

import yaml

CHART = "charts/agentguard"
FAILURES = []


def check(condition, what):
    if not condition:
        FAILURES.append(what)
        print("FAIL: " + what, file=sys.stderr)


def webhook_args(helm, *values):
    args = [helm, "template", "r", CHART, "-n", "guard", "--kube-version", "1.37.2"]
    for value in values:
        args += ["--set", value]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    for doc in yaml.safe_load_all(out):
        if doc and doc["kind"] == "Deployment" and doc["metadata"]["name"] == "r-agentguard-webhook":
            return doc["spec"]["template"]["spec"]["containers"][0]["args"]
    raise AssertionError("no webhook Deployment rendered")


def mode_of(args):
    modes = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--enforcement-mode"]
    return modes[0] if len(modes) == 1 else modes


def main(helm):
    check(mode_of(webhook_args(helm)) == "enforce", "the default is enforce")
    for mode in ("warn", "audit", "enforce"):
        got = mode_of(webhook_args(helm, "webhook.enforcementMode=" + mode))
        check(got == mode, "webhook.enforcementMode=%s reaches the webhook (got %r)" % (mode, got))

    for bad in ("Enforce", "deny", "dryrun", ""):
        result = subprocess.run([helm, "template", "r", CHART, "--kube-version", "1.37.2", "--set",
                                 "webhook.enforcementMode=" + bad], capture_output=True, text=True)
        check(result.returncode != 0 and "enforcementMode" in result.stderr,
              "schema refuses webhook.enforcementMode=%r naming it (stderr: %s)" % (bad, result.stderr.strip()))

    print(("FAILED: %d checks" % len(FAILURES)) if FAILURES else "enforcement mode chart checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    if len(sys.argv) < 2 or not sys.argv[1]:
        print("helm not found")
        sys.exit(77)
    sys.exit(main(sys.argv[1]))

#!/usr/bin/env python3
"""The chart's rollout switch, rendered with `helm template`: webhook.enforcementMode reaches the webhook
as --enforcement-mode (enforce by default), and the schema refuses any other value, naming it.
Usage: enforcement_mode_chart_test.py HELM."""
from chart_test_lib import check, find, finish, render, run, template


def webhook_args(helm, *values):
    webhook = find(render(helm, *values), "Deployment", "r-agentguard-webhook")
    if webhook is None:
        raise AssertionError("no webhook Deployment rendered")
    return webhook["spec"]["template"]["spec"]["containers"][0]["args"]


def mode_of(args):
    modes = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--enforcement-mode"]
    return modes[0] if len(modes) == 1 else modes


def main(helm):
    check(mode_of(webhook_args(helm)) == "enforce", "the default is enforce")
    for mode in ("warn", "audit", "enforce"):
        got = mode_of(webhook_args(helm, "webhook.enforcementMode=" + mode))
        check(got == mode, "webhook.enforcementMode=%s reaches the webhook (got %r)" % (mode, got))

    for bad in ("Enforce", "deny", "dryrun", ""):
        result = template(helm, "webhook.enforcementMode=" + bad)
        check(result.returncode != 0 and "enforcementMode" in result.stderr,
              "schema refuses webhook.enforcementMode=%r naming it (stderr: %s)" % (bad, result.stderr.strip()))

    return finish("enforcement mode")


if __name__ == "__main__":
    run(main, "enforcement_mode_chart_test.py HELM")

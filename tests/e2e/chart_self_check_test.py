#!/usr/bin/env python3
"""The chart passes its own check: `agentguard check` of the rendered chart, with the bundled policies,
finds nothing (no denial, no warning) for the default values and the common combinations, and the
egress NetworkPolicy that makes it so lets the chart's Pods reach the API server and nothing else.
Turning that policy off is caught (the check can fail). Usage: chart_self_check_test.py HELM AGENTGUARD."""
import subprocess
import tempfile

from chart_test_lib import check, find, finish, render, render_text, run

COMBINATIONS = (
    (),
    ("decisionLog.enabled=true",),
    ("decisionLog.enabled=true", "decisionLog.checkpoints.url=https://keeper.example:8443/checkpoints"),
    ("metrics.serviceMonitor.enabled=true", "metrics.prometheusRule.enabled=true", "metrics.grafanaDashboard.enabled=true"),
    ("webhook.tls.mode=cert-manager",),
    ("backgroundScan.enabled=true",),
    ("operator.enabled=false",),
)


def agentguard_check(agentguard, text):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as rendered:
        rendered.write(text)
        rendered.flush()
        result = subprocess.run([agentguard, "check", "--no-config", "--policies", "policies", rendered.name],
                                capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr


def summary(output):
    return next((line for line in output.splitlines() if line.startswith(("PASS", "FAIL"))), output[-300:])


def main(helm, agentguard):
    for values in COMBINATIONS:
        status, output = agentguard_check(agentguard, render_text(helm, *values))
        check(status == 0 and "0 denied, 0 warnings" in output,
              "agentguard check of the chart with %s: %s" % (list(values) or "defaults", summary(output)))

    # The check can fail: without the egress policy the chart's Deployments are refused.
    status, output = agentguard_check(agentguard, render_text(helm, "egressNetworkPolicy.enabled=false"))
    check(status == 1 and "network-isolation.egress-unrestricted" in output,
          "without the egress NetworkPolicy the check refuses the chart: %s" % summary(output))

    docs = render(helm)
    policy = find(docs, "NetworkPolicy", "r-agentguard-egress")
    check(policy is not None, "the egress NetworkPolicy is rendered by default")
    if policy:
        spec = policy["spec"]
        check(spec["policyTypes"] == ["Egress"], "it restricts egress only (ingress stays the webhook policy's)")
        check(spec["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "agentguard",
                                                     "app.kubernetes.io/instance": "r"},
              "it selects every Pod of the release")
        for kind, name in (("Deployment", "r-agentguard-webhook"), ("Deployment", "r-agentguard-operator"),
                           ("Job", "r-agentguard-crds-upgrade")):
            labels = find(docs, kind, name)["spec"]["template"]["metadata"]["labels"]
            check(spec["podSelector"]["matchLabels"].items() <= labels.items(), "it selects the %s %s" % (kind, name))
        (rule,) = spec["egress"]
        check(sorted(p["port"] for p in rule["ports"]) == [443, 6443] and all(p["protocol"] == "TCP" for p in rule["ports"]),
              "only TCP 443 and 6443")
        blocks = {b["ipBlock"]["cidr"]: b["ipBlock"].get("except", []) for b in rule["to"]}
        check(blocks == {"0.0.0.0/0": ["169.254.0.0/16"], "::/0": ["fe80::/10", "fd00:ec2::254/128"]},
              "any address but link-local and cloud metadata when apiServerCIDRs is empty: %s" % blocks)

    narrowed = find(render(helm, "egressNetworkPolicy.apiServerCIDRs={10.0.0.1/32}", "egressNetworkPolicy.apiServerPorts={8443}"),
                    "NetworkPolicy", "r-agentguard-egress")["spec"]["egress"]
    check(narrowed == [{"to": [{"ipBlock": {"cidr": "10.0.0.1/32"}}], "ports": [{"protocol": "TCP", "port": 8443}]}],
          "apiServerCIDRs and apiServerPorts narrow it: %s" % narrowed)
    with_url = find(render(helm, "decisionLog.enabled=true", "decisionLog.checkpoints.url=http://keeper.example/c"),
                    "NetworkPolicy", "r-agentguard-egress")["spec"]["egress"]
    check(len(with_url) == 3 and [p["port"] for p in with_url[1]["ports"]] == [80] and
          with_url[2]["to"][0]["podSelector"]["matchLabels"] == {"k8s-app": "kube-dns"},
          "a checkpoint URL adds its port (80 for http) and cluster DNS")
    extra = {"egressNetworkPolicy": {"extraEgress": [{"to": [{"ipBlock": {"cidr": "10.1.2.3/32"}}],
                                                      "ports": [{"protocol": "TCP", "port": 3128}]}]}}
    check(find(render(helm, extra), "NetworkPolicy", "r-agentguard-egress")["spec"]["egress"][-1]["ports"][0]["port"] == 3128,
          "extraEgress rules are appended")
    check(find(render(helm, "egressNetworkPolicy.enabled=false"), "NetworkPolicy", "r-agentguard-egress") is None,
          "egressNetworkPolicy.enabled=false renders none")
    return finish("chart self-check")


if __name__ == "__main__":
    run(main, "chart_self_check_test.py HELM AGENTGUARD", arguments=2)

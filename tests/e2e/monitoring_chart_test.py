#!/usr/bin/env python3
"""The chart's monitoring and host-network options, rendered with `helm template`, each off by default:
metrics.serviceMonitor (and the gates' PodMonitor), metrics.prometheusRule (a PrometheusRule with the key alerts), metrics.grafanaDashboard (a ConfigMap with
files/agentguard-dashboard.json for the Grafana sidecar) and webhook.hostNetwork.

Every agentguard_* metric an alert or a dashboard query names must be one the binaries export: the test
looks for the name as a string literal in the sources that register the metrics (webhook/, operator/,
gate/, common/), so a renamed metric fails here instead of leaving an alert that never fires or a panel
that stays empty. Usage: monitoring_chart_test.py HELM."""
import json
import pathlib
import os
import re
import shutil
import subprocess
import tempfile

import yaml

from chart_test_lib import CHART, check, find, finish, render, run, template

SOURCE_DIRS = ("webhook", "operator", "gate", "common")
METRIC = re.compile(r"\bagentguard_[a-z0-9_]+\b")
# Series Prometheus derives from a histogram (or a summary) registered under the base name.
DERIVED = ("_bucket", "_sum", "_count")


def exported_metrics():
    """Every string literal of the metric sources that looks like an agentguard metric name."""
    names = set()
    for directory in SOURCE_DIRS:
        for path in pathlib.Path(directory).rglob("*"):
            if path.suffix in (".cc", ".h") and not path.name.endswith("_test.cc"):
                names.update(re.findall(r'"(agentguard_[a-z0-9_]+)"', path.read_text(errors="replace")))
    return names


def unknown_metrics(expr, exported):
    missing = []
    for name in METRIC.findall(expr):
        if name in exported:
            continue
        if any(name.endswith(suffix) and name[: -len(suffix)] in exported for suffix in DERIVED):
            continue
        missing.append(name)
    return missing


def balanced(expr):
    pairs, stack = {")": "(", "]": "[", "}": "{"}, []
    quoted = False
    for char in expr:
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in "([{":
            stack.append(char)
        elif char in pairs:
            if not stack or stack.pop() != pairs[char]:
                return False
    return not stack and not quoted


def promtool_check(rules, what):
    """PromQL syntax through `promtool check rules` (PROMTOOL or PATH; Debian's prometheus package has it,
    and scripts/install-deps.sh installs it). Without it the test fails: the queries would go unchecked."""
    promtool = os.environ.get("PROMTOOL") or shutil.which("promtool")
    check(promtool is not None, "promtool found (install Debian's prometheus package): %s parsed as PromQL" % what)
    if not promtool:
        return
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as file:
        yaml.safe_dump({"groups": [{"name": "check", "rules": rules}]}, file)
        file.flush()
        result = subprocess.run([promtool, "check", "rules", file.name], capture_output=True, text=True)
    check(result.returncode == 0, "promtool check rules (%s): %s" % (what, (result.stdout + result.stderr).strip()[-400:]))


def check_rules(helm, exported):
    docs = render(helm)
    check(find(docs, "PrometheusRule") is None, "no PrometheusRule by default")

    result = template(helm, "metrics.prometheusRule.enabled=true")
    check(result.returncode != 0 and "metrics.serviceMonitor.enabled" in result.stderr,
          "prometheusRule without the ServiceMonitors fails, naming serviceMonitor (%s)" % result.stderr.strip()[:200])

    extra = {"alert": "TeamDenials", "expr": 'sum(rate(agentguard_admission_denials_total{rule="exposure.ingress"}[5m])) > 0',
             "labels": {"severity": "info"}}
    values = {"metrics": {"serviceMonitor": {"enabled": True},
                          "prometheusRule": {"enabled": True, "labels": {"release": "kube-prometheus-stack"},
                                             "denialsPerSecond": 2.5, "toolCallDenialsPerSecond": 0.5,
                                             "extraRules": [extra]}},
              "decisionLog": {"enabled": True}}
    docs = render(helm, values)
    rule = find(docs, "PrometheusRule", "r-agentguard")
    check(rule is not None, "PrometheusRule r-agentguard")
    if rule is None:
        return
    check(rule["apiVersion"] == "monitoring.coreos.com/v1" and rule["metadata"]["namespace"] == "guard",
          "monitoring.coreos.com/v1 in the release namespace")
    check(rule["metadata"]["labels"].get("release") == "kube-prometheus-stack", "prometheusRule.labels")
    groups = {group["name"]: group["rules"] for group in rule["spec"]["groups"]}
    check(set(groups) == {"agentguard", "agentguard-gate"}, "the groups: %s" % sorted(groups))
    rules = [r for group in rule["spec"]["groups"] for r in group["rules"]]
    alerts = {r["alert"]: r for r in rules if "alert" in r}
    gate_alerts = {r["alert"] for r in groups.get("agentguard-gate", [])}
    wanted = {"AgentguardWebhookDown", "AgentguardAdmissionDenialsSpike", "AgentguardPolicyReloadFailed",
              "AgentguardDecisionLogUnwritable", "AgentguardOperatorDown", "AgentguardOperatorReconcileErrors",
              "AgentguardBackgroundScanFailing", "TeamDenials"}
    check(set(alerts) == wanted | {"AgentguardGateDown", "AgentguardGateDecisionLogUnwritable",
                                   "AgentguardToolCallDenialsSpike"}, "the alerts: %s" % sorted(alerts))
    check(gate_alerts == {"AgentguardGateDown", "AgentguardGateDecisionLogUnwritable", "AgentguardToolCallDenialsSpike"},
          "the gate alerts in their own group: %s" % sorted(gate_alerts))
    check(groups.get("agentguard", [None])[-1] == extra, "extraRules appended to the agentguard group as given")

    # The job each expression selects is a metrics Service a rendered ServiceMonitor scrapes (the
    # Prometheus Operator names the job after the Service).
    jobs = set()
    for monitor in (d for d in docs if d["kind"] == "ServiceMonitor"):
        selector = monitor["spec"]["selector"]["matchLabels"]
        for service in (d for d in docs if d["kind"] == "Service"):
            if selector.items() <= service["metadata"].get("labels", {}).items():
                jobs.add(service["metadata"]["name"])
    check(jobs == {"r-agentguard-webhook-metrics", "r-agentguard-operator-metrics"}, "scraped jobs %s" % jobs)
    # The gates' job is the value of the label the PodMonitor's jobLabel names, on the Pods the operator builds.
    monitor = find(docs, "PodMonitor", "r-agentguard-gate")
    job_label = monitor["spec"].get("jobLabel") if monitor else None
    gate_job = monitor["spec"]["selector"]["matchLabels"].get(job_label) if monitor else None
    check(gate_job == "agentguard-gate", "the PodMonitor's jobLabel gives the gates the job agentguard-gate (%r)" % gate_job)

    for name, alert in alerts.items():
        expr = str(alert["expr"])
        check(not unknown_metrics(expr, exported), "%s: metrics the code does not export: %s"
              % (name, unknown_metrics(expr, exported)))
        check(balanced(expr), "%s: brackets and quotes balance in %r" % (name, expr))
        if name == "TeamDenials":
            continue
        selected = set(re.findall(r'job="([^"]+)"', expr))
        if name in gate_alerts:
            # The gates run in the sandboxes' namespaces: the alert keeps the namespace as a label.
            check(selected == {gate_job}, "%s selects the gates' job: %s" % (name, selected))
            check("namespace=" not in expr and ("by (namespace" in expr or expr.startswith("up{")),
                  "%s is per gate namespace (%r)" % (name, expr))
        else:
            check(selected and selected <= jobs, "%s selects a scraped job: %s" % (name, selected))
            check('namespace="guard"' in expr, "%s selects the release namespace" % name)
        check(alert["labels"].get("severity") in ("critical", "warning"), "%s has a severity" % name)
        notes = alert.get("annotations", {})
        check(notes.get("summary") and notes.get("description"), "%s has a summary and a description" % name)
        check("kubectl" in notes.get("description", "") or "docs/" in notes.get("description", ""),
              "%s: the description says what to do" % name)
        check("runbook_url" not in notes, "%s: no runbook_url without docsBaseURL" % name)
        for text in (notes.get("summary", ""), notes.get("description", "")):
            check(text.count("{{") == text.count("}}") and "{{ $" not in text.replace("{{ $value", "").replace(
                "{{ $labels.", ""), "%s: only $value and $labels in alert templates: %r" % (name, text[:120]))

    promtool_check(rules, "the PrometheusRule")

    down = alerts["AgentguardWebhookDown"]
    check(re.fullmatch(r'absent\(up\{job="r-agentguard-webhook-metrics",namespace="guard"\} == 1\)', down["expr"]),
          "webhook down: no up target of the webhook's job (%r)" % down["expr"])
    check(down["labels"]["severity"] == "critical", "webhook down is critical under failurePolicy Fail")
    registration = json.loads(find(docs, "ConfigMap", "r-agentguard-registration")["data"]
                              ["validatingwebhookconfiguration.json"])
    description = down["annotations"]["description"]
    check("docs/rollout.md" in description and "Break-glass" in description, "webhook down links the break-glass doc")
    check("kubectl delete validatingwebhookconfiguration %s" % registration["metadata"]["name"] in description and
          "scale deployment r-agentguard-webhook --replicas=0" in description,
          "webhook down: the break-glass commands name the real registration and Deployment")
    spike = alerts["AgentguardAdmissionDenialsSpike"]["expr"]
    check("agentguard_admission_requests_total" in spike and 'decision="deny"' in spike and spike.endswith("> 2.5"),
          "denials spike: refused admissions above denialsPerSecond (%r)" % spike)
    unwritable = alerts["AgentguardDecisionLogUnwritable"]
    check("agentguard_decision_log_write_failures_total" in unwritable["expr"] and
          "increase(" in unwritable["expr"], "decision log: the failure counter increasing")
    check(unwritable["labels"]["severity"] == "critical", "decision log unwritable is critical with onFailure deny")
    check("agentguard_operator_reconcile_errors_total" in alerts["AgentguardOperatorReconcileErrors"]["expr"],
          "reconcile errors: the operator's error counter")
    gate_unwritable = alerts["AgentguardGateDecisionLogUnwritable"]
    check("agentguard_decision_log_write_failures_total" in gate_unwritable["expr"] and
          "agentguard_decision_log_dropped_total" in gate_unwritable["expr"] and
          gate_unwritable["labels"]["severity"] == "critical", "gate decision log: failures or drops, critical")
    tool_spike = alerts["AgentguardToolCallDenialsSpike"]["expr"]
    check('agentguard_gate_decisions_total{job="agentguard-gate",result="denied"}' in tool_spike and
          "agentguard_gate_egress_connections_total" in tool_spike and tool_spike.strip().endswith("> 0.5"),
          "tool-call denials: refused calls and CONNECTs above toolCallDenialsPerSecond (%r)" % tool_spike)

    # The rule's label values are the ones the code writes.
    decisions = pathlib.Path("webhook/admission/review_handler.cc").read_text()
    check('return "deny";' in decisions, 'the webhook labels refusals decision="deny"')
    gate_metrics = pathlib.Path("gate/app/gate_metrics.cc").read_text()
    egress = pathlib.Path("gate/egress/connect_proxy.cc").read_text()
    check('"denied"' in gate_metrics and 'return "allowed";' in egress,
          'the gate labels refused calls result="denied" and spliced CONNECTs result="allowed"')
    gate_app = pathlib.Path("gate/app/gate_app.cc").read_text()
    check("decisionMetrics_.emplace(*metrics_.registry())" in gate_app,
          "the gate registers the decision log's metrics its alert reads")

    # With docs linked, off-switches honoured, and the Ignore wording.
    docs = render(helm, {"metrics": {"serviceMonitor": {"enabled": True},
                                     "prometheusRule": {"enabled": True, "docsBaseURL": "https://docs.example/agentguard"}},
                         "operator": {"enabled": False}, "webhook": {"failurePolicy": "Ignore"}})
    rules = [r for group in find(docs, "PrometheusRule")["spec"]["groups"] for r in group["rules"]]
    alerts = {r["alert"]: r for r in rules}
    check(set(alerts) == {"AgentguardWebhookDown", "AgentguardAdmissionDenialsSpike", "AgentguardPolicyReloadFailed"},
          "no decision log or operator alerts when those are off: %s" % sorted(alerts))
    down = alerts["AgentguardWebhookDown"]
    check(down["annotations"].get("runbook_url") ==
          "https://docs.example/agentguard/rollout.md#break-glass-the-webhook-is-down", "runbook_url into docsBaseURL")
    check(down["labels"]["severity"] == "warning" and "unchecked" in down["annotations"]["description"],
          "failurePolicy Ignore: a warning saying requests pass unchecked")
    rollout = pathlib.Path("docs/rollout.md").read_text()
    check("## Break-glass: the webhook is down" in rollout, "docs/rollout.md still has the break-glass heading linked")


def check_gate_pod_monitor(helm):
    """The gates the operator creates are scraped by a PodMonitor selecting them by the labels the
    operator's gate builder gives them, in every namespace."""
    docs = render(helm, {"metrics": {"serviceMonitor": {"enabled": True, "labels": {"release": "prom"}}}})
    monitor = find(docs, "PodMonitor", "r-agentguard-gate")
    check(monitor is not None, "serviceMonitor.enabled renders a PodMonitor for the gates")
    if monitor is None:
        return
    spec = monitor["spec"]
    check(spec["namespaceSelector"] == {"any": True}, "the gates are found in every namespace")
    check(monitor["metadata"]["labels"].get("release") == "prom", "serviceMonitor.labels reach the PodMonitor")
    check([e["port"] for e in spec["podMetricsEndpoints"]] == ["metrics"], "the port named metrics is scraped")
    # The selector is what operator/builders/gate_builder.cc puts on the gate Pods and their metrics port.
    builder = pathlib.Path("operator/builders/gate_builder.cc").read_text()
    header = pathlib.Path("operator/builders/gate_builder.h").read_text()
    api = pathlib.Path("operator/api/agent_sandbox.h").read_text()
    labels = spec["selector"]["matchLabels"]
    check(set(labels) == {"app.kubernetes.io/name", "app.kubernetes.io/managed-by"}, "selects by name and manager")
    check('kGateName = "%s"' % labels["app.kubernetes.io/name"] in header and
          'kManagedByValue = "%s"' % labels["app.kubernetes.io/managed-by"] in api and
          "return {{std::string(kAppNameLabel), kName}, {std::string(kManagedByLabel), std::string(kManagedByValue)}};"
          in builder, "the selector matches the labels the operator gives gate Pods")
    check('{{"name", "metrics"}, {"containerPort", kGateMetricsPort}' in builder, "the gate container's port is named metrics")
    check(find(render(helm, "metrics.serviceMonitor.enabled=true", "operator.enabled=false"), "PodMonitor") is None,
          "no operator, no gates: no PodMonitor")
    check(find(render(helm), "PodMonitor") is None, "off by default")


def check_dashboard(helm, exported):
    docs = render(helm)
    check(not any(d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-dashboard") for d in docs),
          "no dashboard by default")
    docs = render(helm, {"metrics": {"grafanaDashboard": {"enabled": True, "namespace": "monitoring",
                                                          "labels": {"team": "platform"},
                                                          "annotations": {"grafana_folder": "agentguard"}}}})
    configmap = find(docs, "ConfigMap", "r-agentguard-dashboard")
    check(configmap is not None, "ConfigMap r-agentguard-dashboard")
    if configmap is None:
        return
    meta = configmap["metadata"]
    check(meta["namespace"] == "monitoring", "grafanaDashboard.namespace")
    check(meta["labels"].get("grafana_dashboard") == "1" and meta["labels"].get("team") == "platform",
          "the sidecar's label by default, extra labels beside it: %s" % meta["labels"])
    check(meta.get("annotations") == {"grafana_folder": "agentguard"}, "grafanaDashboard.annotations")
    check(list(configmap["data"]) == ["agentguard.json"], "one dashboard file")
    try:
        dashboard = json.loads(configmap["data"]["agentguard.json"])
    except ValueError as error:
        check(False, "the dashboard is JSON: %s" % error)
        return
    check(dashboard == json.loads(pathlib.Path(CHART, "files/agentguard-dashboard.json").read_text()),
          "the ConfigMap carries files/agentguard-dashboard.json unchanged")
    check(dashboard.get("uid") and dashboard.get("title"), "uid and title")
    panels = dashboard["panels"]
    ids = [p["id"] for p in panels]
    check(len(ids) == len(set(ids)), "panel ids unique")
    exprs = []
    for panel in (p for p in panels if p["type"] != "row"):
        targets = panel.get("targets") or []
        check(targets and all(t.get("expr") for t in targets), "panel %r has queries" % panel["title"])
        check(panel.get("datasource", {}).get("uid") == "${datasource}", "panel %r uses $datasource" % panel["title"])
        for target in targets:
            expr = target.get("expr", "")
            exprs.append(expr)
            check(not unknown_metrics(expr, exported), "panel %r: metrics the code does not export: %s"
                  % (panel["title"], unknown_metrics(expr, exported)))
            check(balanced(expr), "panel %r: brackets and quotes balance in %r" % (panel["title"], expr))
    promtool_check([{"record": "dashboard:query%d" % i, "expr": e.replace("$__rate_interval", "5m").replace(
        "$namespace", "guard")} for i, e in enumerate(exprs)], "the dashboard's queries")
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    check(variables.get("datasource", {}).get("type") == "datasource", "a datasource variable")
    namespace_query = variables.get("namespace", {}).get("definition", "")
    check(namespace_query and not unknown_metrics(namespace_query, exported), "the namespace variable's metric exists")
    used = " ".join(exprs)
    for topic, needle in (("admissions by decision", "sum by (decision) (rate(agentguard_admission_requests_total"),
                          ("latency quantiles", "histogram_quantile(0.99, sum by (le) (rate(agentguard_admission_duration_seconds_bucket"),
                          ("denials by rule", "sum by (rule) (rate(agentguard_admission_denials_total"),
                          ("sandboxes by phase", "max by (phase) (agentguard_sandboxes{"),
                          ("gate decisions by tool and result", "sum by (tool, result) (rate(agentguard_gate_decisions_total"),
                          ("decision log health", "agentguard_decision_log_write_failures_total"),
                          ("background scan results", "agentguard_background_scan_results")):
        check(needle in used, "dashboard shows %s (%s)" % (topic, needle))


def check_host_network(helm):
    docs = render(helm)
    pod = find(docs, "Deployment", "r-agentguard-webhook")["spec"]["template"]["spec"]
    check("hostNetwork" not in pod and "dnsPolicy" not in pod, "no hostNetwork or dnsPolicy by default")

    docs = render(helm, {"webhook": {"hostNetwork": True, "port": 10443, "metricsPort": 10090}})
    pod = find(docs, "Deployment", "r-agentguard-webhook")["spec"]["template"]["spec"]
    check(pod.get("hostNetwork") is True and pod.get("dnsPolicy") == "ClusterFirstWithHostNet",
          "webhook.hostNetwork: hostNetwork and dnsPolicy ClusterFirstWithHostNet")
    ports = {p["name"]: p["containerPort"] for p in pod["containers"][0]["ports"]}
    check(ports == {"https": 10443, "metrics": 10090}, "the ports chosen to be free on the node: %s" % ports)
    args = pod["containers"][0]["args"]
    check('0.0.0.0:10443' in args, "the webhook listens on webhook.port")
    operator = find(docs, "Deployment", "r-agentguard-operator")["spec"]["template"]["spec"]
    check("hostNetwork" not in operator, "the operator stays in the Pod network")

    result = template(helm, "webhook.hostNetwork=yes")
    check(result.returncode != 0 and "hostNetwork" in result.stderr, "schema refuses webhook.hostNetwork=yes")


def main(helm):
    exported = exported_metrics()
    check({"agentguard_admission_requests_total", "agentguard_operator_reconcile_errors_total",
           "agentguard_gate_decisions_total", "agentguard_sandboxes"} <= exported,
          "the source scan finds the registered metrics (%d found)" % len(exported))
    # The check can fail: a misspelt or renamed metric is reported.
    check(unknown_metrics("rate(agentguard_admission_request_total[5m])", exported) ==
          ["agentguard_admission_request_total"], "an unexported metric name is caught")
    check(unknown_metrics("agentguard_sandboxes_bucket", exported) == [] and
          unknown_metrics("agentguard_nothing_bucket", exported) == ["agentguard_nothing_bucket"],
          "histogram series count only for a registered base name")

    check_rules(helm, exported)
    check_gate_pod_monitor(helm)
    check_dashboard(helm, exported)
    check_host_network(helm)

    for bad, name in (("metrics.prometheusRule.denialsPerSecond=0", "denialsPerSecond"),
                      ("metrics.prometheusRule.toolCallDenialsPerSecond=0", "toolCallDenialsPerSecond"),
                      ("metrics.prometheusRule.docsBaseURL=docs/", "docsBaseURL"),
                      ("metrics.prometheusRule.extraRules[0].expr=up", "extraRules"),
                      ("metrics.grafanaDashboard.namespace=Monitoring", "namespace"),
                      ("metrics.grafanaDashboard.labels.x=null", "labels")):
        result = template(helm, bad)
        check(result.returncode != 0 and name in result.stderr,
              "schema refuses %s (stderr: %s)" % (bad, result.stderr.strip()[:300]))

    return finish("monitoring")


if __name__ == "__main__":
    run(main, "monitoring_chart_test.py HELM")

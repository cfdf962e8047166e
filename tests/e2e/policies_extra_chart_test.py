#!/usr/bin/env python3
"""policies.extra checked at `helm template` time: a Policy written as a YAML object is validated by
values.schema.json, whose $defs are schemas/policy.schema.json (this test keeps the copy identical); a
Policy written as text is checked for YAML, apiVersion and kind by the template. Broken values fail with
a message naming the field; good ones render into a ConfigMap of their own, a second policy layer after the
bundled one (so they may override bundled rules), which the webhook and the background scan are given as
their second --policies: AGENTGUARD loads the two layers as the Pods would. exemptNamespaceLabel admits
only the label the webhook guards.
Usage: policies_extra_chart_test.py HELM AGENTGUARD."""
import json
import os
import subprocess
import tempfile

import yaml

from chart_test_lib import CHART, check, finish, run, template


def policy(**spec):
    return {"apiVersion": "agentguard.io/v1alpha1", "kind": "Policy", "metadata": {"name": "team"}, "spec": spec}


def main(helm, agentguard):
    source = json.load(open("schemas/policy.schema.json"))
    values_schema = json.load(open(CHART + "/values.schema.json"))
    copied = values_schema.get("$defs", {})
    check(copied.get("policy") == {k: v for k, v in source.items() if k not in ("$schema", "$defs")},
          "values.schema.json $defs.policy is schemas/policy.schema.json (copy it again)")
    for name, definition in source["$defs"].items():
        check(copied.get(name) == definition, "values.schema.json $defs.%s is the policy schema's" % name)

    good_object = policy(rules=[{"id": "exposure.ingress", "action": "audit"}])
    good_text = yaml.safe_dump({**policy(rules=[{"id": "exposure.service-nodeport", "action": "warn"}]),
                                "metadata": {"name": "other"}})
    result = template(helm, {"policies": {"extra": {"team.yaml": good_object, "other.yaml": good_text}}})
    check(result.returncode == 0, "good policies render (stderr: %s)" % result.stderr.strip())
    if result.returncode == 0:
        documents = [d for d in yaml.safe_load_all(result.stdout) if d]
        configmaps = {d["metadata"]["name"]: d for d in documents if d["kind"] == "ConfigMap"}
        extra = configmaps.get("r-agentguard-policies-extra", {"data": {}})
        check(yaml.safe_load(extra["data"].get("team.yaml", "")) == good_object, "an object policy is written as its YAML")
        check(yaml.safe_load(extra["data"].get("other.yaml", "")) == yaml.safe_load(good_text), "a text policy as is")
        bundled = configmaps["r-agentguard-policies"]["data"]
        check("team.yaml" not in bundled and "exposure.yaml" in bundled, "the bundled layer holds only the bundled files")
        deployments = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Deployment"}
        for name, flag in (("r-agentguard-webhook", "--policies"), ("r-agentguard-operator", "--background-scan-policies")):
            args = deployments[name]["spec"]["template"]["spec"]["containers"][0]["args"]
            layers = [args[i + 1] for i, arg in enumerate(args) if arg == flag]
            check(layers == ["/etc/agentguard/policies", "/etc/agentguard/policies-extra"],
                  "%s gets the bundled and the extra layer, in that order (%s)" % (name, layers))
        # What the webhook loads: the two layers as the Pods see them. exposure.ingress is configured by
        # the bundled exposure.yaml too; one directory would refuse that, a later layer overrides it.
        with tempfile.TemporaryDirectory() as work:
            for layer, data in (("policies", bundled), ("policies-extra", extra["data"])):
                os.makedirs(os.path.join(work, layer))
                for file, text in data.items():
                    with open(os.path.join(work, layer, file), "w") as out:
                        out.write(text)
            loaded = subprocess.run([agentguard, "rules", "--policies", os.path.join(work, "policies"),
                                     "--policies", os.path.join(work, "policies-extra")],
                                    capture_output=True, text=True)
            check(loaded.returncode == 0, "the rendered layers load (stderr: %s)" % loaded.stderr.strip()[:400])
            # `rules --policies` prints "ID  ACTION  SEVERITY  LAYER (FILE:LINE)" per rule.
            actions = {line.split()[0]: line.split()[1] for line in loaded.stdout.splitlines() if len(line.split()) > 2}
            check(actions.get("exposure.ingress") == "audit", "the extra layer overrides a bundled rule's action")
            check(actions.get("exposure.service-nodeport") == "warn", "and another file of it another rule's")

    without = template(helm, {})
    check(without.returncode == 0 and "policies-extra" not in without.stdout,
          "no extra layer, no second ConfigMap, mount or --policies")
    relabelled = template(helm, {"exemptNamespaceLabel": "example.com/skip"})
    check(relabelled.returncode != 0 and "exemptNamespaceLabel" in relabelled.stderr,
          "another exemptNamespaceLabel (which the webhook would not guard) fails helm template (stderr: %s)"
          % relabelled.stderr.strip()[:300])

    broken = [
        ("an unknown action", policy(rules=[{"id": "exposure.ingress", "action": "block"}]),
         "policies.extra.team.yaml.spec.rules.0.action"),
        ("an unknown rule id", policy(rules=[{"id": "exposure.ingres", "action": "deny"}]),
         "policies.extra.team.yaml.spec.rules.0.id"),
        ("no metadata.name", {**policy(rules=[{"id": "exposure.ingress"}]), "metadata": {}},
         "policies.extra.team.yaml.metadata"),
        ("a misspelt field", policy(rulez=[{"id": "exposure.ingress"}]), "policies.extra.team.yaml.spec"),
        ("the wrong kind", {**policy(rules=[{"id": "exposure.ingress"}]), "kind": "Policies"},
         "policies.extra.team.yaml.kind"),
        ("text that is not YAML", "rules: [", 'policies.extra["team.yaml"]: not YAML'),
        ("text of another kind", yaml.safe_dump({**policy(rules=[]), "kind": "ConfigMap"}),
         'policies.extra["team.yaml"].kind is "ConfigMap"; set it to Policy'),
        ("text without apiVersion", "kind: Policy\n", 'policies.extra["team.yaml"].apiVersion is "(missing)"'),
    ]
    for what, value, named in broken:
        result = template(helm, {"policies": {"extra": {"team.yaml": value}}})
        check(result.returncode != 0 and named in result.stderr,
              "%s fails helm template naming %s (exit %d, stderr: %s)" % (what, named, result.returncode,
                                                                         result.stderr.strip()[:400]))

    return finish("policies.extra")


if __name__ == "__main__":
    run(main, "policies_extra_chart_test.py HELM AGENTGUARD", arguments=2)

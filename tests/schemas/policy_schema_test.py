#!/usr/bin/env python3
"""Checks schemas/policy.schema.json (JSON Schema draft 2020-12 for policy files).

- every bundled policy document (policies/**, cases/ excluded) validates;
- broken policies are rejected, each for the reason it was broken;
- the schema's rule ids are exactly those `agentguard rules -o json` lists.

Needs Python 3 with jsonschema (>= 4.0, for draft 2020-12) and PyYAML:
    python3 -m venv /tmp/schema-venv && /tmp/schema-venv/bin/pip install jsonschema pyyaml
    /tmp/schema-venv/bin/python tests/schemas/policy_schema_test.py SOURCE_DIR AGENTGUARD_BINARY
(Debian: apt-get install python3-jsonschema python3-yaml; bookworm's is 4.10; scripts/install-deps.sh
installs them). Exits 1 on a failure, and when they are missing: a schema test that did not run is not a pass.
"""
import json
import pathlib
import subprocess
import sys

try:
    import jsonschema
    import yaml
except ImportError as missing:
    print(f"FAIL: {missing}; install python3-jsonschema and python3-yaml (scripts/install-deps.sh)")
    sys.exit(1)

source = pathlib.Path(sys.argv[1])
binary = sys.argv[2]
schema = json.loads((source / "schemas" / "policy.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
failures = []

policy_files = sorted(
    p for p in (source / "policies").rglob("*")
    if p.suffix in (".yaml", ".yml", ".json") and "cases" not in p.relative_to(source / "policies").parts
)
if not policy_files:
    failures.append("no bundled policy files found")
for path in policy_files:
    for index, document in enumerate(yaml.safe_load_all(path.read_text())):
        for error in validator.iter_errors(document):
            failures.append(f"{path} document {index}: {error.json_path}: {error.message}")

VALID = {
    "apiVersion": "agentguard.io/v1alpha1",
    "kind": "Policy",
    "metadata": {"name": "team"},
    "spec": {"rules": [{"id": "exposure.service-nodeport", "action": "warn"}]},
}
EXEMPTIONS_ONLY = {
    "apiVersion": "agentguard.io/v1alpha1",
    "kind": "Policy",
    "metadata": {"name": "platform"},
    "spec": {"exemptions": {"objects": [{"kind": "Service", "name": "gw", "reason": "reviewed", "expires": "2027-03-31"}]}},
}
for name, document in {"an override": VALID, "an exemptions-only policy": EXEMPTIONS_ONLY}.items():
    for error in validator.iter_errors(document):
        failures.append(f"{name} should be valid: {error.json_path}: {error.message}")


def broken(change):
    document = json.loads(json.dumps(VALID))
    change(document)
    return document


BROKEN = {
    "unknown rule id": broken(lambda d: d["spec"]["rules"][0].update(id="exposure.no-such-rule")),
    "action not deny/warn/audit": broken(lambda d: d["spec"]["rules"][0].update(action="block")),
    "severity not a level": broken(lambda d: d["spec"]["rules"][0].update(severity="urgent")),
    "unknown field in a rule": broken(lambda d: d["spec"]["rules"][0].update(mode="deny")),
    "enabled not a boolean": broken(lambda d: d["spec"]["rules"][0].update(enabled="yes")),
    "wrong apiVersion": broken(lambda d: d.update(apiVersion="agentguard.io/v1")),
    "wrong kind": broken(lambda d: d.update(kind="ClusterPolicy")),
    "no metadata.name": broken(lambda d: d["metadata"].pop("name")),
    "empty rules": broken(lambda d: d["spec"].update(rules=[])),
    "neither rules nor exemptions": broken(lambda d: d["spec"].pop("rules")),
    "exemption without a reason": broken(lambda d: d["spec"].update(exemptions={"objects": [{"kind": "Pod", "name": "a"}]})),
    "exemption with an empty reason": broken(
        lambda d: d["spec"].update(exemptions={"objects": [{"kind": "Pod", "name": "a", "reason": ""}]})),
    "expires not a date": broken(
        lambda d: d["spec"].update(exemptions={"objects": [{"kind": "Pod", "name": "a", "reason": "r", "expires": "next week"}]})),
    "unknown field in spec": broken(lambda d: d["spec"].update(validationFailureAction="Audit")),
}
for name, document in BROKEN.items():
    if validator.is_valid(document):
        failures.append(f"the schema accepts a broken policy: {name}")

listed = json.loads(subprocess.run([binary, "rules", "-o", "json"], check=True, capture_output=True, text=True).stdout)
catalog = sorted(rule["id"] for rule in listed["rules"])
in_schema = sorted(schema["$defs"]["ruleId"]["enum"])
if catalog != in_schema:
    failures.append(
        "schemas/policy.schema.json $defs.ruleId.enum differs from `agentguard rules`: "
        f"missing {sorted(set(catalog) - set(in_schema))}, extra {sorted(set(in_schema) - set(catalog))}")

for failure in failures:
    print("FAIL:", failure)
print(f"{len(policy_files)} bundled policy files, {len(BROKEN)} broken policies checked; {len(failures)} failures")
sys.exit(1 if failures else 0)

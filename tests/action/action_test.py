#!/usr/bin/python3
"""Runs the steps of the composite action (action.yml) the way GitHub runs them, without GitHub.

Each `run:` step is executed with bash in a scratch repository, with the environment a runner sets
(GITHUB_OUTPUT, GITHUB_ACTION_PATH, GITHUB_WORKSPACE) and the step's `env:` with `${{ inputs.* }}` (the
action's defaults, overridden per case) and `${{ steps.*.outputs.* }}` replaced by what earlier steps wrote.
The upload step (`uses: github/codeql-action/upload-sarif`) is not run; the test checks it names the
SARIF file and runs even when the check failed. Usage: action_test.py SOURCE_DIR AGENTGUARD_BINARY
"""
import os
import pathlib
import re
import subprocess
import sys
import tempfile

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(inputs|steps)\.([\w-]+)(?:\.outputs\.([\w-]+))?\s*\}\}")

DENY = "apiVersion: v1\nkind: Service\nmetadata: {name: debug, namespace: agents}\nspec: {type: NodePort}\n"
WARN = ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: agents}\n"
        "spec:\n  rules: [{host: web.example.com}]\n")
CLEAN = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: agents}\n"
POLICY = ("apiVersion: agentguard.io/v1alpha1\nkind: Policy\nmetadata: {name: ci}\nspec:\n  rules:\n"
          "    - id: exposure.service-nodeport\n      action: deny\n    - id: exposure.ingress\n      action: warn\n")


def run_action(source, action, workspace, inputs):
    """Runs every `run:` step in order like a runner; returns ({step id: outputs}, [(step, exit code)])."""
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    unknown = set(inputs) - set(values)
    assert not unknown, f"the action has no inputs {unknown}"
    values.update(inputs)
    outputs, codes = {}, []

    def substitute(text):
        def value(match):
            kind, name, output = match.groups()
            return values[name] if kind == "inputs" else outputs.get(name, {}).get(output, "")
        return EXPRESSION.sub(value, str(text))

    for step in action["runs"]["steps"]:
        if "run" not in step:
            continue
        assert step.get("shell") == "bash", f"step {step.get('name')} needs shell: bash in a composite action"
        assert "${{" not in step["run"], f"step {step.get('name')} pastes an expression into its script"
        output_file = workspace / ".github-output"
        output_file.write_text("")
        env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
               "GITHUB_OUTPUT": str(output_file), "GITHUB_ACTION_PATH": str(source),
               "GITHUB_WORKSPACE": str(workspace), "CI": "true"}
        env.update({key: substitute(value) for key, value in step.get("env", {}).items()})
        script = workspace / ".step.sh"
        script.write_text(step["run"])
        # What GitHub runs for `shell: bash`.
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                              env=env, capture_output=True, text=True, check=False)
        codes.append((step.get("name"), done.returncode, done.stdout + done.stderr))
        written = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
        if "id" in step:
            outputs[step["id"]] = written
        if done.returncode != 0:
            break
    return outputs, codes


def main():
    source, binary = pathlib.Path(sys.argv[1]).resolve(), str(pathlib.Path(sys.argv[2]).resolve())
    action = yaml.safe_load((source / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    upload = [step for step in action["runs"]["steps"] if "uses" in step]
    assert len(upload) == 1 and upload[0]["uses"].startswith("github/codeql-action/upload-sarif@"), upload
    assert upload[0]["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    assert upload[0]["if"].startswith("always()"), "the SARIF must be uploaded when the check fails too"

    cases = [
        # name, files, inputs, expected agentguard exit code, expected job result
        ("deny fails", {"deploy/svc.yaml": DENY}, {"paths": "deploy", "policies": "ci-policy.yaml"}, 1, 1),
        ("warn passes with fail-on deny", {"deploy/web.yaml": WARN},
         {"paths": "deploy", "policies": "ci-policy.yaml"}, 0, 0),
        ("warn fails with fail-on warn", {"deploy/web.yaml": WARN},
         {"paths": "deploy", "policies": "ci-policy.yaml", "fail-on": "warn"}, 1, 1),
        ("clean passes, two paths and layers, custom SARIF name",
         {"a/cm.yaml": CLEAN, "b/cm.yaml": CLEAN},
         {"paths": "a\nb", "policies": "builtin ci-policy.yaml", "sarif-file": "out.sarif"}, 0, 0),
        ("malformed input is an error", {"deploy/bad.yaml": "kind: [\n"}, {"paths": "deploy"}, 2, 2),
        ("a shell metacharacter in an input is data", {"deploy/svc.yaml": CLEAN},
         {"paths": "deploy $(touch pwned)", "policies": "ci-policy.yaml"}, 2, 2),
    ]
    failures = []
    for name, files, inputs, expected_check, expected_job in cases:
        with tempfile.TemporaryDirectory(prefix="agentguard-action-test-") as scratch:
            workspace = pathlib.Path(scratch)
            (workspace / ".git").mkdir()
            (workspace / "ci-policy.yaml").write_text(POLICY)
            for path, text in files.items():
                (workspace / path).parent.mkdir(parents=True, exist_ok=True)
                (workspace / path).write_text(text)
            outputs, codes = run_action(source, action, workspace, {"agentguard": binary, **inputs})
            log = "\n".join(f"--- {step}: exit {code}\n{text}" for step, code, text in codes)
            check = outputs.get("check", {}).get("exit-code")
            sarif = workspace / inputs.get("sarif-file", "agentguard.sarif")
            job = codes[-1][1]
            if check != str(expected_check):
                failures.append(f"{name}: agentguard exited {check}, expected {expected_check}\n{log}")
            elif job != expected_job or len(codes) != 3:
                failures.append(f"{name}: the job ended with {job} after {len(codes)} steps, expected "
                                f"{expected_job} after 3\n{log}")
            elif not sarif.exists() or '"version": "2.1.0"' not in sarif.read_text():
                failures.append(f"{name}: no SARIF report at {sarif}\n{log}")
            elif (workspace / "pwned").exists():
                failures.append(f"{name}: an input ran as shell code\n{log}")
            elif expected_check == 1 and "::error file=" not in log:
                failures.append(f"{name}: no ::error annotation\n{log}")
            else:
                print(f"ok   {name}")
    for failure in failures:
        print(f"FAIL {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

"""What the chart tests share: `helm template` of charts/agentguard as release r in namespace guard for
Kubernetes 1.37.2, the documents it renders, and the checks that failed, reported when the test ends.
Each value argument is either a `--set` string ("webhook.replicas=3") or a dict of values (written to a
values file)."""
import subprocess
import sys
import tempfile

import yaml

CHART = "charts/agentguard"
FAILURES = []


def check(condition, what):
    if not condition:
        FAILURES.append(what)
        print("FAIL: " + what, file=sys.stderr)


def template(helm, *values):
    """The finished `helm template` (exit status, stdout, stderr), for renders that must fail."""
    args = [helm, "template", "r", CHART, "-n", "guard", "--kube-version", "1.37.2"]
    with tempfile.TemporaryDirectory() as work:
        for index, value in enumerate(values):
            if isinstance(value, dict):
                path = "%s/values-%d.yaml" % (work, index)
                with open(path, "w") as file:
                    yaml.safe_dump(value, file)
                args += ["-f", path]
            else:
                args += ["--set", value]
        return subprocess.run(args, capture_output=True, text=True)


def render_text(helm, *values):
    """The rendered chart as text; a render that fails raises with helm's message."""
    result = template(helm, *values)
    if result.returncode != 0:
        raise AssertionError("helm template %s failed: %s" % (values, result.stderr.strip()))
    return result.stdout


def documents(text):
    return [d for d in yaml.safe_load_all(text) if d]


def render(helm, *values):
    return documents(render_text(helm, *values))


def find(docs, kind, name=None):
    """The first document of that kind (and name), or None."""
    return next((d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)), None)


def flag(args, name):
    """The value of a flag given exactly once in a container's args, else None."""
    values = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == name]
    return values[0] if len(values) == 1 else None


def finish(what):
    """Prints the verdict and returns the exit status."""
    print(("FAILED: %d checks" % len(FAILURES)) if FAILURES else what + " checks passed")
    return 1 if FAILURES else 0


def installed_helm():
    """The helm e2e/tools/install-helm.sh installs (cached after the first run); a test never skips for
    want of it: if it cannot be installed, the test fails saying so."""
    result = subprocess.run(["e2e/tools/install-helm.sh"], capture_output=True, text=True)
    if result.returncode != 0:
        print("FAIL: helm could not be installed: " + result.stderr.strip()[-400:], file=sys.stderr)
        sys.exit(1)
    return result.stdout.strip()


def run(main, usage, arguments=1):
    """main(HELM, ...) with the command line's arguments; an empty HELM means the installed one."""
    if len(sys.argv) < 1 + arguments:
        sys.exit("usage: " + usage)
    given = sys.argv[1:1 + arguments]
    sys.exit(main(given[0] or installed_helm(), *given[1:]))

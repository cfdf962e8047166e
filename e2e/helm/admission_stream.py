#!/usr/bin/env python3
"""A steady stream of admissions through the API server, counted: the availability probe of the Helm
suite on a node (e2e/helm/run.sh --on-node).

Each round creates a ClusterIP Service (agentguard must admit it, and it is deleted again), a
LoadBalancer Service (agentguard must refuse it) and, as a server-side dry run, a privileged Pod
(agentguard must refuse it). Every answer is classified:
  admitted / refused by agentguard          as expected, or a wrong decision
  anything else (the webhook unreachable,   a failed admission: with failurePolicy Fail the API server
  a timeout, a TLS error)                   refuses the request, so a user saw an error
Runs until SIGTERM or SIGINT, then prints one JSON summary on stdout, with the first failures.

Usage: admission_stream.py --server URL --ca FILE --token-file FILE --namespace NS [--rate PER_SECOND]
"""
import argparse
import json
import signal
import ssl
import sys
import time
import urllib.error
import urllib.request

DENIED_BY_AGENTGUARD = 'admission webhook "workloads.agentguard.io" denied the request'


class Client:
    def __init__(self, server, ca, token):
        self.server = server.rstrip("/")
        self.context = ssl.create_default_context(cafile=ca)
        self.token = token

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.server + path, data=data, method=method)
        request.add_header("Authorization", "Bearer " + self.token)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=15) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")
        except Exception as error:  # connection refused, timeout: the API server itself failed
            return 0, repr(error)


def service(name, kind):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"type": kind, "selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]}}


def privileged_pod(name):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "agentguard.local/toolbox:1",
                                     "securityContext": {"privileged": True}}]}}


def classify(status, body):
    if status in (200, 201):
        return "admitted"
    if status == 403:
        try:
            message = json.loads(body).get("message", "")
        except ValueError:
            message = ""
        if message.startswith(DENIED_BY_AGENTGUARD):
            return "refused"
    return "failed"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--rate", type=float, default=4.0, help="admissions per second")
    args = parser.parse_args()
    client = Client(args.server, args.ca, open(args.token_file).read().strip())

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))

    counts = {"admissions": 0, "admitted_as_expected": 0, "refused_as_expected": 0,
              "wrong_decisions": 0, "failed": 0}
    first_problems = []
    started = time.monotonic()
    base = "/api/v1/namespaces/%s" % args.namespace

    def record(expected, status, body, what):
        got = classify(status, body)
        counts["admissions"] += 1
        if got == "failed":
            counts["failed"] += 1
        elif got != expected:
            counts["wrong_decisions"] += 1
        elif got == "admitted":
            counts["admitted_as_expected"] += 1
        else:
            counts["refused_as_expected"] += 1
        if got != expected and len(first_problems) < 10:
            first_problems.append({"at_seconds": round(time.monotonic() - started, 2), "what": what,
                                   "expected": expected, "status": status, "answer": body[:300]})

    interval = 1.0 / args.rate
    round_number = 0
    while not stopping:
        round_number += 1
        name = "stream-%d" % round_number
        steps = [
            ("admitted", "POST", base + "/services", service(name, "ClusterIP"), "ClusterIP Service"),
            ("refused", "POST", base + "/services", service(name + "-lb", "LoadBalancer"), "LoadBalancer Service"),
            ("refused", "POST", base + "/pods?dryRun=All", privileged_pod(name), "privileged Pod (dry run)"),
        ]
        for expected, method, path, body, what in steps:
            if stopping:
                break
            began = time.monotonic()
            status, answer = client.call(method, path, body)
            record(expected, status, answer, what)
            time.sleep(max(0.0, interval - (time.monotonic() - began)))
        # Deletions are not admitted by agentguard; a failure to delete is not counted.
        client.call("DELETE", base + "/services/" + name)

    counts["seconds"] = round(time.monotonic() - started, 1)
    counts["first_problems"] = first_problems
    json.dump(counts, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Watches the Pods and NetworkPolicies of one namespace and checks the operator's invariant over
the whole history, not at sampled moments: an AgentSandbox's Pod never exists without the
NetworkPolicy of the same sandbox. Also counts the Pods each sandbox ever had.

Both watches are on one etcd, whose revision orders every write; the API server reports it as
resourceVersion. Kubernetes calls resourceVersion opaque, and clients must not compare them in
general: this checker does so only on its own test cluster, where it is etcd's revision, to replay
the two streams in the order the writes happened.

Runs until SIGTERM or SIGINT, then prints one JSON summary on stdout:
  pods_created      {sandbox: number of Pods created for it}
  violations        the moments a sandbox's Pod existed without its NetworkPolicy
Usage: sandbox_invariant.py --server URL --ca FILE --token-file FILE --namespace NS
"""
import argparse
import json
import signal
import ssl
import sys
import threading
import urllib.request

stop = threading.Event()


def sandbox_of(obj):
    for owner in obj["metadata"].get("ownerReferences", []):
        if owner.get("kind") == "AgentSandbox" and owner.get("apiVersion", "").startswith("agentguard.io/"):
            return owner["name"]
    return None


class Watcher(threading.Thread):
    def __init__(self, server, context, token, path, kind, events, lock):
        super().__init__(daemon=True)
        self.server, self.context, self.token = server, context, token
        self.path, self.kind, self.events, self.lock = path, kind, events, lock
        self.error = None

    def get(self, query):
        request = urllib.request.Request(self.server + self.path + query)
        request.add_header("Authorization", "Bearer " + self.token)
        return urllib.request.urlopen(request, context=self.context, timeout=3600)

    def run(self):
        try:
            listing = json.load(self.get(""))
            with self.lock:
                for item in listing["items"]:
                    self.events.append((int(item["metadata"]["resourceVersion"]), self.kind, "ADDED", item))
            version = listing["metadata"]["resourceVersion"]
            while not stop.is_set():
                with self.get("?watch=1&allowWatchBookmarks=true&timeoutSeconds=60&resourceVersion=" + version) as stream:
                    for line in stream:
                        event = json.loads(line)
                        obj = event["object"]
                        if event["type"] == "ERROR":
                            raise RuntimeError("watch error: %s" % obj)
                        version = obj["metadata"]["resourceVersion"]
                        if event["type"] == "BOOKMARK":
                            continue
                        with self.lock:
                            self.events.append((int(version), self.kind, event["type"], obj))
                        if stop.is_set():
                            break
        except Exception as error:  # reported in the summary: a broken watch proves nothing
            if not stop.is_set():
                self.error = repr(error)


def replay(events):
    pods = {}        # pod name -> sandbox
    policies = {}    # policy name -> sandbox
    created = {}     # sandbox -> Pods created
    violations = []
    reported = set()  # each unguarded Pod once
    for version, kind, kind_of_event, obj in sorted(events, key=lambda e: e[0]):
        name = obj["metadata"]["name"]
        sandbox = sandbox_of(obj)
        if sandbox is None:
            continue
        table = pods if kind == "Pod" else policies
        if kind_of_event == "DELETED":
            table.pop(name, None)
        else:
            if kind == "Pod" and name not in pods:
                created[sandbox] = created.get(sandbox, 0) + 1
            table[name] = sandbox
        guarded = set(policies.values())
        for pod, owner in pods.items():
            if owner not in guarded and pod not in reported:
                reported.add(pod)
                violations.append({"resourceVersion": version, "pod": pod, "sandbox": owner,
                                   "after": "%s %s %s" % (kind_of_event, kind, name)})
    return created, violations


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--namespace", required=True)
    args = parser.parse_args()
    context = ssl.create_default_context(cafile=args.ca)
    token = open(args.token_file).read().strip()
    events, lock = [], threading.Lock()
    ns = args.namespace
    watchers = [
        Watcher(args.server, context, token, "/api/v1/namespaces/%s/pods" % ns, "Pod", events, lock),
        Watcher(args.server, context, token, "/apis/networking.k8s.io/v1/namespaces/%s/networkpolicies" % ns,
                "NetworkPolicy", events, lock),
    ]
    for watcher in watchers:
        watcher.start()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.is_set():
        stop.wait(0.2)
    with lock:
        created, violations = replay(list(events))
    json.dump({"events": len(events), "pods_created": created, "violations": violations[:20],
               "violation_count": len(violations),
               "watch_errors": [w.error for w in watchers if w.error]}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

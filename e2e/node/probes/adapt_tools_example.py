"""adapt_tools_example.py SHA256 < sandbox.json > sandbox.json

Runs examples/agentsandbox-tools.yaml's agent on what the node has: the image
agentguard.local/mcp-python:1 idling, so the demo drives the MCP SDK agent (e2e/gate/agent.py, from
ConfigMap node-test-scripts) with kubectl exec, and MUST_NOT_SEE_SHA256 (the SHA-256 of the upstream
credential, which the agent checks its environment and files against). Everything else of the example
(tools policy, egress hosts, security context, resources, volumes) is kept.
"""
import json
import sys

sha256 = sys.argv[1]
sandbox = json.load(sys.stdin)
pod = sandbox["spec"]["template"]["spec"]
container = pod["containers"][0]
container["image"] = "agentguard.local/mcp-python:1"
container["imagePullPolicy"] = "Never"
container["command"] = ["python3", "-c", "import time; time.sleep(86400)"]
container.pop("args", None)
container.setdefault("env", []).append({"name": "MUST_NOT_SEE_SHA256", "value": sha256})
container.setdefault("volumeMounts", []).append({"name": "scripts", "mountPath": "/scripts"})
pod.setdefault("volumes", []).append({"name": "scripts", "configMap": {"name": "node-test-scripts"}})
json.dump(sandbox, sys.stdout)

"""adapt_example.py CIDR NONCE < sandbox.json > sandbox.json

Points examples/agentsandbox.yaml at what the node has: the image agentguard.local/toolbox:1
running the nonce server (probes/server.py, from ConfigMap node-test-scripts) as the agent on
8080, and an allow-list of CIDR on port 8080 instead of the documentation range on 443.
Everything else of the example (security context, resources, volumes, DNS rule) is kept.
"""
import json
import sys

cidr, nonce = sys.argv[1], sys.argv[2]
sandbox = json.load(sys.stdin)
sandbox["spec"]["network"]["egress"] = [{"cidr": cidr, "ports": [{"port": 8080, "protocol": "TCP"}]}]
pod = sandbox["spec"]["template"]["spec"]
container = pod["containers"][0]
container["image"] = "agentguard.local/toolbox:1"
container["imagePullPolicy"] = "Never"
container["command"] = ["python3", "/scripts/server.py"]
container.pop("args", None)
container["env"] += [{"name": "NONCE", "value": nonce}, {"name": "TCP_PORTS", "value": "8080"}]
container["volumeMounts"].append({"name": "scripts", "mountPath": "/scripts"})
pod["volumes"].append({"name": "scripts", "configMap": {"name": "node-test-scripts"}})
json.dump(sandbox, sys.stdout)

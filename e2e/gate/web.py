"""An HTTPS destination for the gate's egress tests: answers every GET with $NONCE.

    python3 web.py        (env: NONCE, WEB_PORT=8443, WEB_CERT, WEB_KEY)

The certificate (made by test-gate.sh) names the in-cluster host names the tests allow or refuse,
so a client that verifies it proves it reached this server and nothing in between.
"""
import http.server
import os
import ssl

NONCE = os.environ.get("NONCE", "")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the standard library's name
        body = (NONCE + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print(f"{self.client_address[0]} {fmt % args}", flush=True)


def main():
    server = http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("WEB_PORT", "8443"))), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.environ["WEB_CERT"], os.environ["WEB_KEY"])
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print("serving HTTPS", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

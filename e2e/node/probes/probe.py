"""probe.py tcp|udp HOST PORT: prints what the destination answered, within 3 seconds.

Exit 0 with the answer on stdout if bytes came back; exit 1 with the reason on stderr if the
connection was refused, dropped (timeout) or answered nothing.
"""
import socket
import sys

kind, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
family = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
sock = socket.socket(socket.AF_INET, family)
sock.settimeout(3)
try:
    if kind == "tcp":
        sock.connect((host, port))
    else:
        sock.sendto(b"probe", (host, port))
    data = sock.recv(512)
except OSError as error:
    print(f"{kind} {host}:{port}: {error or type(error).__name__}", file=sys.stderr)
    sys.exit(1)
if not data:
    print(f"{kind} {host}:{port}: connected, no answer", file=sys.stderr)
    sys.exit(1)
print(data.decode(errors="replace").strip())

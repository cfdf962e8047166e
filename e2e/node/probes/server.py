"""Answers every TCP connection and UDP datagram with the nonce in $NONCE.

Ports: $TCP_PORTS and $UDP_PORTS (space-separated). Used by the node tests as the in-cluster
destinations: a probe that reads the nonce back has reached this process, not just a SYN-ACK.
"""
import os
import socket
import threading

NONCE = (os.environ["NONCE"] + "\n").encode()


def serve_tcp(port):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", port))
    listener.listen(64)
    while True:
        connection, _ = listener.accept()
        try:
            connection.sendall(NONCE)
        finally:
            connection.close()


def serve_udp(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", port))
    while True:
        _, peer = sock.recvfrom(512)
        sock.sendto(NONCE, peer)


def main():
    threads = [threading.Thread(target=serve_tcp, args=(int(p),)) for p in os.environ.get("TCP_PORTS", "").split()]
    threads += [threading.Thread(target=serve_udp, args=(int(p),)) for p in os.environ.get("UDP_PORTS", "").split()]
    for thread in threads:
        thread.start()
    print("serving", flush=True)
    for thread in threads:
        thread.join()


main()

#!/usr/bin/python3
"""A TCP stream for tests/netns/migration.sh.

  tcp-echo.py server ADDR PORT          echo every byte back, one client
  tcp-echo.py client ADDR PORT SECONDS  send a numbered line every 10 ms for
                                        SECONDS over ONE connection, check
                                        every echo, print "ok N" or fail

The client exits nonzero if the connection breaks or an echo is missing or
out of order: a stream that survives a migration must do neither.
"""
import socket
import sys
import time


def server(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1)
    print("listening", flush=True)
    conn, _ = s.accept()
    while True:
        data = conn.recv(65536)
        if not data:
            return 0
        conn.sendall(data)


def client(addr, port, seconds):
    s = socket.create_connection((addr, port), timeout=10)
    s.settimeout(10)
    deadline = time.monotonic() + seconds
    n = 0
    buf = b""
    while time.monotonic() < deadline:
        line = b"%08d\n" % n
        s.sendall(line)
        while b"\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                sys.exit("connection closed after %d lines" % n)
            buf += chunk
        got, buf = buf.split(b"\n", 1)
        if got != line[:-1]:
            sys.exit("line %d: got %r" % (n, got))
        n += 1
        time.sleep(0.01)
    s.close()
    print("ok %d" % n)
    return 0


if __name__ == "__main__":
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "server":
        sys.exit(server(addr, port))
    sys.exit(client(addr, port, float(sys.argv[4])))
